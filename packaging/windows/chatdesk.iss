; Inno Setup 6 script for chatdesk's Windows installer (https://jrsoftware.org/isinfo.php).
; Built by `python packaging/build.py`, which passes the defines below on ISCC's command line:
;   AppVersion, SourceDir (dist\chatdesk), OutputDir, OutputBase, IconFile (build\icons).
; Installs per user by default (no administrator needed); the user may choose all users.

#ifndef AppVersion
  #error Build with python packaging/build.py (AppVersion is not defined)
#endif

[Setup]
AppId={{6F1C2B7E-4D8A-4E0B-9B3C-5A2E1D7F9C40}
AppName=chatdesk
AppVersion={#AppVersion}
AppPublisher=chatdesk
AppPublisherURL=https://github.com/chatdesk/chatdesk
DefaultDirName={autopf}\chatdesk
DefaultGroupName=chatdesk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBase}
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\chatdesk.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
MinVersion=10.0

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "association"; Description: "Open chatdesk conversations (*.chatdesk.json) with chatdesk"; GroupDescription: "File types:"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\chatdesk"; Filename: "{app}\chatdesk.exe"
Name: "{autodesktop}\chatdesk"; Filename: "{app}\chatdesk.exe"; Tasks: desktopicon

[Registry]
; A ProgID of chatdesk's own for *.chatdesk.json: Windows matches the last extension (.json),
; so chatdesk is offered in .json's "Open with" list rather than taking every JSON file over.
Root: HKA; Subkey: "Software\Classes\chatdesk.conversation"; ValueType: string; ValueName: ""; ValueData: "chatdesk conversation"; Flags: uninsdeletekey; Tasks: association
Root: HKA; Subkey: "Software\Classes\chatdesk.conversation\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\chatdesk.exe,0"; Tasks: association
Root: HKA; Subkey: "Software\Classes\chatdesk.conversation\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\chatdesk.exe"" ""%1"""; Tasks: association
Root: HKA; Subkey: "Software\Classes\.json\OpenWithProgids"; ValueType: string; ValueName: "chatdesk.conversation"; ValueData: ""; Flags: uninsdeletevalue; Tasks: association
Root: HKA; Subkey: "Software\Classes\Applications\chatdesk.exe\SupportedTypes"; ValueType: string; ValueName: ".json"; ValueData: ""; Flags: uninsdeletekey; Tasks: association

[Run]
Filename: "{app}\chatdesk.exe"; Description: "{cm:LaunchProgram,chatdesk}"; Flags: nowait postinstall skipifsilent
