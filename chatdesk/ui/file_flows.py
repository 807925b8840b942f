"""Open, save, save as, close and export: the dialogs around the core's file format.

Every dialog is opened with `open()` and continues in a callback, so nothing blocks and tests
can answer them. A continuation `then` runs only when the flow completed (saved, or the user
chose to discard), never after Cancel.

Save never writes over changes another program made to the file since it was read (another
window, `chatdesk send`): the core refuses (`ChangedOnDisk`) and the user chooses Reload (their
version), Save as copy (keep both) or Overwrite.

Save as and Export start in the folder of the last file the user opened or saved outside the
library, else their documents folder, with a name made from the title. The library folder
holds only conversations named by their ids (`core/library.py`), so a file written there under
another name would be listed nowhere: Save as into it adds the copy to the library as a new
conversation (what putting it there means), and Export into it is refused with a word why.

Signals: notice(str) for a line in the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chatdesk.core.disk_state import ChangedOnDisk
from chatdesk.core.export import write_markdown
from chatdesk.core.fileformat import FILE_SUFFIX, save_conversation, suggested_file_name
from chatdesk.core.recent_files import add_recent, in_library, recent_files
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.qt.core import QObject, QStandardPaths, Signal
from chatdesk.ui.qt.widgets import QFileDialog, QMessageBox, QWidget

if TYPE_CHECKING:
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.quit_dialog import QuitDialog, Unfinished

FILTER = f"Conversations (*{FILE_SUFFIX} *.json);;All files (*)"
Then = Callable[[], None]


def _nothing() -> None:
    pass


class FileHost(Protocol):
    """What the flows need of the window that hosts them (the window implements it; naming it
    here keeps this module from importing the window's)."""

    context: AppContext

    def open_paths(self, paths: list[str]) -> None: ...
    def show_message(self, title: str, text: str) -> object: ...
    def refresh_sessions(self) -> None: ...
    def activate(self, session: ChatSession) -> None: ...
    def reload(self, session: ChatSession) -> None: ...


class FileFlows(QObject):
    """The file dialogs of `host`, parented to `parent` (the window, both roles).
    Signals: notice(str)."""

    notice = Signal(str)

    def __init__(self, host: FileHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.parent_widget = parent
        self.dialog: QFileDialog | None = None
        self.question: QMessageBox | None = None
        self.conflict: QMessageBox | None = None
        self.quit_dialog: QuitDialog | None = None

    # -- open --------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        dialog = self._file_dialog("Open conversation", QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda paths: self.host.open_paths(list(paths)))
        dialog.open()

    # -- save --------------------------------------------------------------------------------
    def save(self, session: ChatSession, then: Then = _nothing) -> None:
        if session.path is None:
            self.save_as(session, then)
            return
        try:
            saved = self.write(session, session.path, check=True)
        except ChangedOnDisk:
            self._ask_changed(session, then)
            return
        if saved:
            then()

    def save_as(self, session: ChatSession, then: Then = _nothing) -> None:
        dialog = self._file_dialog("Save conversation as", QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(FILE_SUFFIX[1:])
        if session.path is not None and session.library_id is None:
            dialog.selectFile(session.path.name)  # a file of the user's: its own name
        else:  # new, or in the library (named by an id there): the title the sidebar shows
            dialog.selectFile(suggested_file_name(_title(session)))

        def chosen(path: str) -> None:
            if self.host.context.library.is_folder(Path(path).parent):
                if self._add_to_library(session, Path(path)):
                    then()
            elif self.write(session, Path(path)):
                then()

        dialog.fileSelected.connect(chosen)
        dialog.open()

    def write(self, session: ChatSession, path: Path, check: bool = False) -> bool:
        """Save atomically; a failure is explained and the conversation stays as it was.

        `check`: raise `ChangedOnDisk` (writing nothing) when the file changed on disk since
        the session read or last saved it."""
        expect = session.disk if check else None
        copy = session.library_id is not None and path != session.path
        try:
            disk = save_conversation(session.conversation, path, expect)
        except ChangedOnDisk:
            raise
        except OSError as exc:
            self.host.show_message(
                "Could not save", f"{path}: {exc.strerror or exc}. Nothing was lost; try elsewhere."
            )
            return False
        if not copy:  # Save as of a library conversation writes a copy; it stays in the library
            session.path = path
            session.disk = disk
            session.set_modified(False)
        context = self.host.context
        if add_recent(context.settings, context.library, path):
            context.save_settings()
        self.host.refresh_sessions()
        return True

    def _add_to_library(self, session: ChatSession, path: Path) -> bool:
        """Save as into the library folder: a copy of the conversation becomes a new library
        conversation (listed, searchable); the session stays what it was."""
        library = self.host.context.library
        copy = session.conversation.snapshot()
        try:
            library.create(copy)
        except OSError as exc:
            self.host.show_message(
                "Could not save", f"{library.folder}: {exc.strerror or exc}. Nothing was lost."
            )
            return False
        title = _title(session)
        end = "" if title[-1:] in (".", "!", "?") else "."  # not "… as “Hello.”."
        self.notice.emit(
            f"“{path.name}” is in the library folder, where conversations are kept by the "
            f"library: the copy was added to the library as “{title}”{end}"
        )
        self.host.refresh_sessions()  # the sidebar lists it
        return True

    def _ask_changed(self, session: ChatSession, then: Then) -> None:
        """The file changed on disk since it was read: reload, keep both, or overwrite."""
        self.host.activate(session)
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("File changed on disk")
        box.setText(
            f"“{session.path}” was changed by another program (another window, or "
            "chatdesk send) since it was opened here."
        )
        box.setInformativeText(
            "Reload shows the file as it is now and drops the changes made here. Save as "
            "copy keeps both. Overwrite replaces the other program's changes with yours."
        )
        reload = box.addButton("&Reload", QMessageBox.ButtonRole.DestructiveRole)
        copy = box.addButton("Save as &copy…", QMessageBox.ButtonRole.AcceptRole)
        overwrite = box.addButton("&Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(copy)
        box.setAccessibleName("File changed on disk")

        def answered() -> None:
            clicked = box.clickedButton()
            if clicked is copy:
                self.save_as(session, then)
            elif clicked is overwrite:
                if session.path is not None and self.write(session, session.path):
                    then()
            elif clicked is reload:
                self.host.reload(session)

        box.finished.connect(lambda _r: answered())
        self.conflict = box
        box.open()

    # -- close -------------------------------------------------------------------------------
    def confirm_discard(
        self, session: ChatSession, then: Then, unfinished: Unfinished | None = None
    ) -> None:
        """Ask Save / Discard / Cancel when the conversation has unsaved changes, saying what
        else closing ends (`unfinished`, asked about alone when nothing is unsaved); that is
        ended (`Unfinished.settle`) before anything is saved, unless the answer is Cancel."""
        if not session.modified:
            self.confirm_unfinished(unfinished, then)
            return
        self.host.activate(session)
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to “{session.display_name(with_file=True)}”?")
        lost = "Your changes are lost if you don't save them."
        box.setInformativeText(f"{lost}\n\n{unfinished.note()}" if unfinished else lost)
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        # Plain words with mnemonics, the same on every platform (Alt+D discards).
        box.button(QMessageBox.StandardButton.Save).setText("&Save")
        box.button(QMessageBox.StandardButton.Discard).setText("&Don't Save")
        box.setAccessibleName("Unsaved changes")

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Save:
                _settle(unfinished)  # the reply's end is saved with it
                self.save(session, then)
            elif button == QMessageBox.StandardButton.Discard:
                _settle(unfinished)
                then()

        box.finished.connect(lambda _r: answered(box.standardButton(box.clickedButton())))
        self.question = box
        box.open()

    def confirm_all(
        self, sessions: list[ChatSession], then: Then, unfinished: Unfinished | None = None
    ) -> None:
        """One question for every modified conversation (quit_dialog): save the checked ones,
        discard all, or cancel; `then` once all are settled (never after Cancel, nor when a
        save is cancelled or fails). A single one is asked about as Close asks. What else
        closing ends (`unfinished`) is said in the same question, and ended first."""
        pending = [s for s in sessions if s.modified]
        if not pending:
            self.confirm_unfinished(unfinished, then)
            return
        if len(pending) == 1:
            self.confirm_discard(pending[0], then, unfinished)
            return
        from chatdesk.ui.quit_dialog import QuitDialog

        names = [
            (s.display_name(), str(s.path) if s.path is not None else "not saved yet")
            for s in pending
        ]
        note = unfinished.note() if unfinished else ""
        dialog = self.quit_dialog = QuitDialog(names, self.parent_widget, note)

        def answered(indexes: list[int] | None) -> None:
            if indexes is not None:
                _settle(unfinished)
                self._save_each([pending[i] for i in indexes], then)

        dialog.answered.connect(answered)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def confirm_unfinished(self, unfinished: Unfinished | None, then: Then) -> None:
        """Quit (or Close) / Cancel about work in flight alone; `then` at once without any."""
        if unfinished is None:
            then()
            return
        from chatdesk.ui.quit_dialog import unfinished_box

        box = self.question = unfinished_box(unfinished, self.parent_widget)

        def answered() -> None:
            clicked = box.clickedButton()
            if clicked is not None and box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole:
                unfinished.settle()
                then()

        box.finished.connect(lambda _r: answered())
        box.open()

    def _save_each(self, sessions: list[ChatSession], then: Then) -> None:
        """Save `sessions` one after the other (a new one asks where), then `then`."""
        if not sessions:
            then()
            return
        self.save(sessions[0], lambda: self._save_each(sessions[1:], then))

    # -- export ------------------------------------------------------------------------------
    def export_markdown(self, session: ChatSession) -> None:
        dialog = self._file_dialog("Export as Markdown", QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Markdown (*.md);;All files (*)")
        dialog.setDefaultSuffix("md")
        if session.path is not None and session.library_id is None:
            stem = session.path.name.removesuffix(FILE_SUFFIX).removesuffix(".json")
        else:  # a library file is named by its id: the title says more
            stem = suggested_file_name(_title(session)).removesuffix(FILE_SUFFIX)
        dialog.selectFile(f"{stem}.md")
        dialog.fileSelected.connect(lambda path: self._write_markdown(session, Path(path)))
        dialog.open()

    def _write_markdown(self, session: ChatSession, path: Path) -> None:
        if self.host.context.library.is_folder(path.parent):
            self.host.show_message(
                "Not exported",
                f"{path.parent} is the library folder, which holds only chatdesk's own "
                "conversation files: a Markdown file there would be listed nowhere. Export "
                "to another folder.",
            )
            return
        try:
            write_markdown(session.conversation, path)
        except OSError as exc:
            self.host.show_message("Could not export", f"{path}: {exc.strerror or exc}")

    def _file_dialog(self, title: str, mode: QFileDialog.AcceptMode) -> QFileDialog:
        dialog = QFileDialog(self.parent_widget, title)
        dialog.setAcceptMode(mode)
        dialog.setNameFilter(FILTER)
        dialog.setDirectory(self._start_folder())
        # Connected first: the folder is kept even when what is done there then fails. Both
        # signals: an Open of several files emits only filesSelected (a second call does nothing).
        dialog.fileSelected.connect(self._remember_folder)
        dialog.filesSelected.connect(lambda paths: paths and self._remember_folder(paths[0]))
        self.dialog = dialog
        return dialog

    def _remember_folder(self, path: str) -> None:
        """Keep the folder a dialog chose, across launches (`Settings.last_folder`); not the
        library's, where chatdesk names the files."""
        context = self.host.context
        folder = str(Path(path).parent)
        if folder != context.settings.last_folder and not in_library(context.library, path):
            context.settings.last_folder = folder
            context.save_settings()

    def _start_folder(self) -> str:
        """The last folder a file dialog chose, else the folder of the newest recent file
        outside the library (what was kept before `last_folder` was), else the documents
        folder (else home)."""
        settings = self.host.context.settings
        if settings.last_folder and Path(settings.last_folder).is_dir():
            return settings.last_folder
        for recent in recent_files(settings, self.host.context.library):
            folder = Path(recent).parent
            if folder.is_dir():
                return str(folder)
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        return documents if documents and Path(documents).is_dir() else str(Path.home())


def _settle(unfinished: Unfinished | None) -> None:
    if unfinished is not None:
        unfinished.settle()


def _title(session: ChatSession) -> str:
    """The title the sidebar shows, for a file name (without a trailing "…")."""
    from chatdesk.core.titles import conversation_title

    return conversation_title(session.conversation).removesuffix("…")
