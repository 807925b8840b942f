"""The settings file: typed, validated, versioned JSON with no place for a secret.

    {"schema_version": 3, "profiles": [{..., "deployment": "chat-prod",
                   "deployments": [{"name": "chat-prod", "model": "gpt-5"}, ...]}],
     "active_profile": "work", "enter_sends": true,
     "recent_files": ["..."], "user_presets": [{"name": ..., "system_prompt": ...,
     "examples": [{"user": ..., "assistant": ...}]}], "theme": "system", "font_size": 0,
     "zoom": 100, "new_conversation": {"copy_current": false, "system_prompt": "...",
                                       "params": {"temperature": 0.7}, "profile": null},
     "window": {"geometry": "<base64>"},
     "request_deadline": 1200, "library_folder": "", "library_migrated": true,
     "last_folder": "/home/ada/exports",
     "deployments": {"https://res.openai.azure.com/openai/v1 chat-prod":
                     {"limit_param": "max_completion_tokens", "dropped": ["temperature"],
                      "system_role": "developer", "stream": false, "read_timeout": 600}}}

A profile's `deployments` are its deployments and their models (`core/profile_deployments.py`).
`enter_sends`, `theme`, `font_size`, `zoom` and `new_conversation` are the Preferences
(their rules: `chatdesk.core.preferences`). The top-level `deployments` holds what chatdesk
learned from each deployment's answers and its read timeout (see `chatdesk.core.deployments`);
`request_deadline` is the longest a whole request may take, in seconds. `library_folder` moves
the conversation library ("" keeps it in the data folder: `chatdesk.core.library`);
`library_migrated` is set once the first launch with a library offered the older files.
`last_folder` is where the next Open, Save as or Export starts (the last one's folder, across
launches; without it, the newest recent file's folder: `ui/file_flows.py`).

Loading never fails and never loses the user's file. A bad value of one setting (or one bad
profile, preset or list entry) costs only itself: it falls back to its default, every other
setting is kept, and the warning names it, its value and what is used instead
(`core/settings_read.py`); a copy of the file is kept as ``settings.json.bad-<timestamp>``, since
the next save leaves the bad value out. A file that is not a settings document at all (not JSON,
not an object, a newer or unknown version) is set aside as ``settings.json.bad-<timestamp>`` and
the defaults come back with a warning that says why. Every front end must show the warning.
A settings path that is not a regular file (a FIFO, a device, a link to one), or a file that
cannot be read (no permission, a link loop), is neither read nor set aside nor written over:
`LoadedSettings.writable` is False. Reads are bounded (`safe_read`); numbers JSON does not
take are refused (`text_policy`); older files are brought forward by `_MIGRATIONS`.
"""

from __future__ import annotations

import glob
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from chatdesk.core.atomic import atomic_write_text
from chatdesk.core.deployments import REQUEST_DEADLINE, DeploymentNotes
from chatdesk.core.paths import settings_path
from chatdesk.core.patterns import LazyPattern
from chatdesk.core.preferences import (
    NewConversationDefaults,
    Theme,
    new_conversation_to_json,
)
from chatdesk.core.presets import SystemPreset
from chatdesk.core.profiles import (
    ConnectionProfile,
    ProfileError,
    check_endpoint,
    json_kind,
    looks_like_env_name,
)
from chatdesk.core.safe_read import NotRegularFile, read_regular
from chatdesk.core.settings_read import Resets, read_fields
from chatdesk.core.settings_read import SettingsError as SettingsError
from chatdesk.core.text_policy import (
    JsonProblem,
    clean_strings,
    may_hold_surrogates,
    parse_json,
    utf8_text,
)

SCHEMA_VERSION = 3
MAX_RECENT = 10
MAX_SETTINGS_BYTES = 16 * 1024 * 1024  # far beyond any real settings file
# A key named like this in the saved document means a secret is about to reach the disk.
_SECRET_KEY_RE = LazyPattern(r"(?:^|_)(?:key|apikey|secret|password|passwd|token|credentials?)$")


class Settings(msgspec.Struct):
    """The user's settings file: connections, preferences and window state."""

    schema_version: int = SCHEMA_VERSION
    profiles: list[ConnectionProfile] = msgspec.field(default_factory=list)
    active_profile: str | None = None
    enter_sends: bool = True  # False: Ctrl/Shift+Enter sends, Enter is a new line
    recent_files: list[str] = msgspec.field(default_factory=list)  # most recent first
    user_presets: list[SystemPreset] = msgspec.field(default_factory=list)
    theme: Theme = Theme.SYSTEM  # or light or dark (not following the desktop)
    font_size: int = 0  # points for messages and the message box; 0: the system's
    zoom: int = 100  # percent, on top of font_size (Ctrl+= / Ctrl+- / Ctrl+0)
    new_conversation: NewConversationDefaults = msgspec.field(
        default_factory=NewConversationDefaults
    )
    # Opaque UI state (base64 geometry…).
    window: dict[str, str] = msgspec.field(default_factory=dict)
    request_deadline: float = REQUEST_DEADLINE  # seconds a whole request may take
    deployments: DeploymentNotes = msgspec.field(default_factory=DeploymentNotes)
    # The HTTP(S) proxy for every connection; "" uses the environment (HTTPS_PROXY, NO_PROXY).
    proxy: str = ""
    library_folder: str = ""  # "" : <data folder>/library
    library_migrated: bool = False  # recovery copies and recent files were offered for import
    last_folder: str = ""  # where Open, Save as and Export start; "": none chosen yet
    # Old profile name → new, so files naming the old one follow (core/profile_renames.py).
    renamed_profiles: dict[str, str] = msgspec.field(default_factory=dict)

    # -- profiles ----------------------------------------------------------------------------
    def profile(self, name: str) -> ConnectionProfile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def active(self) -> ConnectionProfile | None:
        return self.profile(self.active_profile) if self.active_profile is not None else None

    def upsert_profile(self, profile: ConnectionProfile) -> None:
        """Replace the profile of the same name in place, or append it."""
        _check_name(profile.name)
        for i, existing in enumerate(self.profiles):
            if existing.name == profile.name:
                self.profiles[i] = profile
                return
        self.profiles.append(profile)

    def remove_profile(self, name: str) -> None:
        """Remove a profile; if it was active, the first remaining one becomes active."""
        profile = self.profile(name)
        if profile is None:
            raise ProfileError(f"There is no profile named '{name}'.", "name")
        self.profiles.remove(profile)
        if self.active_profile == name:
            self.active_profile = self.profiles[0].name if self.profiles else None

    def rename_profile(self, old: str, new: str) -> None:
        profile = self.profile(old)
        if profile is None:
            raise ProfileError(f"There is no profile named '{old}'.", "name")
        _check_name(new)
        if new != old and self.profile(new) is not None:
            raise ProfileError(f"A profile named '{new}' already exists.", "name")
        profile.name = new
        if self.active_profile == old:
            self.active_profile = new

    # -- recent files ------------------------------------------------------------------------
    def add_recent(self, path: str | os.PathLike[str]) -> None:
        """Put `path` first, dropping an older entry for the same file and the oldest beyond 10."""
        entry = os.fspath(path)
        self.recent_files = [entry, *(p for p in self.recent_files if not _same_file(p, entry))]
        del self.recent_files[MAX_RECENT:]

    def remove_recent(self, path: str | os.PathLike[str]) -> None:
        entry = os.fspath(path)
        self.recent_files = [p for p in self.recent_files if not _same_file(p, entry)]


def _same_file(a: str, b: str) -> bool:
    # Case-insensitive on Windows, where C:\A.json and c:\a.json are one file.
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def _check_name(name: str) -> None:
    if not name.strip():
        raise ProfileError("A profile needs a name.", "name")


# -- reading the document --------------------------------------------------------------------
def _settings_from_doc(doc: dict[str, Any], resets: Resets | None = None) -> Settings:
    """The current-version document as Settings: each bad value falls back to its default, said
    in `resets`; without `resets`, SettingsError names the first bad field."""
    fields = read_fields(doc, resets if resets is not None else Resets(strict=True))
    recent: list[str] = fields.pop("recent_files")
    settings = Settings(**fields)
    for entry in reversed(recent):  # oldest first: the most recent ends on top, deduplicated
        settings.add_recent(entry)
    return settings


# -- migrations ------------------------------------------------------------------------------
def _v0_to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    """v0 (pre-release, no schema_version): `profiles` was an object keyed by profile name.

    v1 makes it a list of profiles that carry their own name. Any secret-looking key an old
    profile held is dropped here so it cannot survive into the next save.
    """
    out = dict(doc)
    profiles = doc.get("profiles", [])
    if isinstance(profiles, dict):
        items: list[Any] = []
        for name, body in profiles.items():
            if isinstance(body, dict):
                body = {"name": name, **body}
                body = {k: v for k, v in body.items() if not _is_secret_key(k)}
            items.append(body)
        out["profiles"] = items
    out["schema_version"] = 1
    return out


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v1: a profile was one deployment (`deployment`, and `model` when its name did not say).

    v2 gives each profile a `deployments` list (core/profile_deployments.py): the old one
    becomes its only entry, with its model; `deployment` stays, naming the default.
    """
    out = dict(doc)
    profiles = doc.get("profiles")
    if isinstance(profiles, list):
        items: list[Any] = []
        for body in profiles:
            if isinstance(body, dict) and "deployments" not in body:
                body = dict(body)
                name, model = body.get("deployment"), body.pop("model", None)
                entry: dict[str, Any] = {"name": name.strip()} if isinstance(name, str) else {}
                if entry and model is not None:
                    entry["model"] = model
                body["deployments"] = [entry] if entry.get("name") else []
            items.append(body)
        out["profiles"] = items
    out["schema_version"] = 2
    return out


# Saved by v2 and earlier but never read: the family assumed for a model chatdesk does not know
# is each profile's own `model_family`.
_UNREAD_V2 = ("default_family",)


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """v2 saved settings no part of chatdesk read (`_UNREAD_V2`); v3 drops them."""
    out = {k: v for k, v in doc.items() if k not in _UNREAD_V2}
    out["schema_version"] = 3
    return out


# Version N -> N+1; load_settings applies them in order up to SCHEMA_VERSION.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: _v0_to_v1,
    1: _v1_to_v2,
    2: _v2_to_v3,
}


# -- load and save ---------------------------------------------------------------------------
class LoadedSettings(msgspec.Struct):
    """What `load_settings` read, and what the user should hear about it."""

    settings: Settings
    warning: str | None = None  # a sentence for the user when the file could not be used
    migrated_from: int | None = None  # the file's older version; saving brings it up to date
    writable: bool = True  # False: what is there could not be read or set aside; never written over
    # True: nothing of the file was used (it could not be read, was no settings document, or
    # is not a regular file): the defaults stand in for all of it. A warning without it: only
    # some values fell back to their defaults, and saving writes those back as what is used
    # (the original is kept as settings.json.bad-<time>).
    file_unused: bool = False


def load_settings(path: Path | None = None) -> LoadedSettings:
    """The settings at `path` (default: `settings_path()`), or defaults with a warning."""
    target = path if path is not None else settings_path()
    try:
        raw = read_regular(target, MAX_SETTINGS_BYTES).data
    except FileNotFoundError:
        return LoadedSettings(Settings())
    except NotRegularFile as exc:
        return LoadedSettings(
            Settings(),
            f"chatdesk cannot use its settings file {target}: {exc.strerror}. It is using "
            "default settings and will not write over it; remove it to save settings again.",
            writable=False,
            file_unused=True,
        )
    except OSError as exc:
        # Nothing to set aside: the file could not even be read (no permission, a link loop),
        # so no copy can be kept either. It is left alone: the next save would have replaced
        # the user's profiles with the defaults.
        return LoadedSettings(
            Settings(),
            f"chatdesk could not read its settings file {target} ({exc.strerror}). It is "
            "using default settings and will not write over it; make it readable (or remove "
            "it) to save settings again.",
            writable=False,
            file_unused=True,
        )
    try:
        text = utf8_text(raw)
        doc = parse_json(text)
    except UnicodeDecodeError:
        return _set_aside(target, "it is not UTF-8 text")
    except JsonProblem as exc:
        return _set_aside(target, str(exc))
    except json.JSONDecodeError as exc:
        return _set_aside(target, f"it is not valid JSON ({exc.msg} at line {exc.lineno})")
    except RecursionError:
        return _set_aside(target, "it is nested too deeply")
    if not isinstance(doc, dict):
        return _set_aside(target, f"it holds {json_kind(doc)}, not a settings object")
    if may_hold_surrogates(text):  # stored as U+FFFD from the next save on
        doc, _replaced = clean_strings(doc)

    problem = _version_problem(doc)
    if problem is not None:
        return _set_aside(target, problem)
    version = doc.get("schema_version", 0)
    doc = _migrated(doc)
    resets = Resets(strict=False)
    settings = _settings_from_doc(doc, resets)
    migrated_from = version if version < SCHEMA_VERSION else None
    if not resets.notes:
        return LoadedSettings(settings, migrated_from=migrated_from)
    return LoadedSettings(settings, _reset_warning(target, raw, resets), migrated_from)


def _version_problem(doc: dict[str, Any]) -> str | None:
    """Why a settings document's `schema_version` cannot be read here; None when it can."""
    version = doc.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        return f"its schema_version {version!r} is not a version number"
    if version > SCHEMA_VERSION:
        return (
            f"it was written by a newer chatdesk (settings version {version}; "
            f"this version reads up to {SCHEMA_VERSION})"
        )
    return None


def _migrated(doc: dict[str, Any]) -> dict[str, Any]:
    """A readable document (`_version_problem` None) brought up to `SCHEMA_VERSION`."""
    for step in range(doc.get("schema_version", 0), SCHEMA_VERSION):
        doc = _MIGRATIONS[step](doc)
    return doc


def settings_now(path: Path) -> Settings | None:
    """What the file at `path` holds now, read as `load_settings` reads it (migrated, each bad
    value at its default) but quietly: no warning, no copy kept, nothing set aside. None when
    there is no file or none of it could be used (see `load_settings`)."""
    try:
        doc = parse_json(utf8_text(read_regular(path, MAX_SETTINGS_BYTES).data))
    except (OSError, ValueError, RecursionError):  # JsonProblem, JSONDecodeError are ValueErrors
        return None
    if not isinstance(doc, dict) or _version_problem(doc) is not None:
        return None
    doc, _replaced = clean_strings(_migrated(doc))
    return _settings_from_doc(doc, Resets(strict=False))


def settings_from_json(doc: dict[str, Any]) -> Settings:
    """The saved document (`settings_to_json`'s shape) as Settings; SettingsError names the
    first value that does not read."""
    return _settings_from_doc(doc)


def _reset_warning(target: Path, raw: bytes, resets: Resets) -> str:
    """What the user hears about settings that fell back to their defaults. The file itself is
    left as it is (rewriting it at every start would save nothing the user chose), and a copy is
    kept — once, however many starts read it — because the next save leaves the bad values out.
    """
    kept = next((b for b in _backups(target) if _same_bytes(b, raw)), None)
    if kept is None:
        kept = _backup_name(target)
        try:
            with kept.open("xb") as out:
                out.write(raw)
        except OSError:
            kept = None
    copy = (
        f"a copy of the file as it was is kept as {kept.name}"
        if kept is not None
        else "no copy of the file could be kept"
    )
    lines = "\n".join(f"• {note}" for note in resets.notes)
    return (
        f"chatdesk could not use some settings in {target}; each of them falls back to its "
        f"default and every other setting is kept ({copy}; the file is rewritten when a setting "
        f"changes):\n{lines}"
    )


def _backups(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f"{glob.escape(target.name)}.bad-*"))


def _same_bytes(path: Path, raw: bytes) -> bool:
    try:
        return path.stat().st_size == len(raw) and path.read_bytes() == raw
    except OSError:
        return False


def _backup_name(target: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = target.with_name(f"{target.name}.bad-{stamp}")
    n = 1
    while backup.exists():  # two bad loads within a second must not clobber the first backup
        backup = target.with_name(f"{target.name}.bad-{stamp}-{n}")
        n += 1
    return backup


def _set_aside(target: Path, problem: str) -> LoadedSettings:
    backup = _backup_name(target)
    writable = True
    try:
        os.replace(target, backup)
    except OSError as exc:
        kept = f"it could not be set aside ({exc.strerror}), so it is left untouched"
        writable = False
    else:
        kept = f"it was kept as {backup.name}"
    return LoadedSettings(
        Settings(),
        f"chatdesk could not use its settings file {target}: {problem.rstrip('.')}. "
        f"{kept[0].upper()}{kept[1:]} and the default settings are in use.",
        writable=writable,
        file_unused=True,
    )


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """The document that is saved, `schema_version` first."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "profiles": [_stored_profile(p) for p in settings.profiles],
        "active_profile": settings.active_profile,
        "enter_sends": settings.enter_sends,
        "recent_files": list(settings.recent_files[:MAX_RECENT]),
        "user_presets": [p.to_json() for p in settings.user_presets],
        "theme": settings.theme,
        "font_size": settings.font_size,
        "zoom": settings.zoom,
        "new_conversation": new_conversation_to_json(settings.new_conversation),
        "window": dict(settings.window),
        "request_deadline": settings.request_deadline,
        "deployments": settings.deployments.to_json(),
        "proxy": settings.proxy,
        "library_folder": settings.library_folder,
        "library_migrated": settings.library_migrated,
    }
    if settings.last_folder:  # only once a file dialog chose one
        doc["last_folder"] = settings.last_folder
    if settings.renamed_profiles:  # only once a profile was renamed
        doc["renamed_profiles"] = dict(settings.renamed_profiles)
    return doc


def _stored_profile(profile: ConnectionProfile) -> dict[str, Any]:
    """The profile as saved: a URL's query and fragment never reach the file (a pasted
    endpoint can carry `?api-key=...`); a valid endpoint is saved in its normalised form."""
    data = profile.to_json()
    check = check_endpoint(profile.kind, profile.endpoint)
    if check.ok:
        data["endpoint"] = check.url
    else:
        # Keep what the user typed, less anything that can hold a secret: query, fragment and
        # the user:password@ part.
        parts = urlsplit(profile.endpoint.strip())
        host = parts.netloc.rpartition("@")[2]
        data["endpoint"] = urlunsplit((parts.scheme, host, parts.path, "", ""))
    return data


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically. Raises ValueError rather than write anything shaped like a secret."""
    doc = settings_to_json(settings)
    _refuse_secrets(doc, "settings")
    for profile in settings.profiles:
        if profile.key_env is not None and not looks_like_env_name(profile.key_env):
            raise ValueError(
                f"Refusing to save settings: profile '{profile.name}' has a key_env that is "
                "not an environment variable name (it may be the key itself)."
            )
    _settings_from_doc(doc)  # never write a file the next start would reject
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    atomic_write_text(path if path is not None else settings_path(), text)


def _is_secret_key(key: str) -> bool:
    # apiKey -> api_key, api-key -> api_key, then look at the last word.
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower().replace("-", "_")
    return bool(_SECRET_KEY_RE.search(snake))


def _refuse_secrets(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if _is_secret_key(str(key)):
                raise ValueError(f"Refusing to save settings: {where}.{key} looks like a secret.")
            _refuse_secrets(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_secrets(item, f"{where}[{i}]")
