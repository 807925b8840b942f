"""Offered at start-up when recovery copies are left: restore, discard or decide later.

Left by a run that was not closed properly, or kept with "Later" (chatdesk may have closed
properly since: the words say which). A copy older than what was saved or kept after it
(`RecoveryEntry.older_than`) says so and starts unchecked: restoring it replaces newer work,
so it is never what Enter does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chatdesk.core.recovery import RecoveryEntry
from chatdesk.ui.qt.core import Qt, Signal
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

_ENTRY_ROLE = Qt.ItemDataRole.UserRole


def _nowhere(_path: Path) -> bool:
    return False


def describe(entry: RecoveryEntry, in_library: Callable[[Path], bool] = _nowhere) -> str:
    """One list line: name (as the window and the sidebar name it: `RecoveryEntry.name`),
    message count (and a question being edited in place, whose editor restoring opens again)
    and when it was last saved (local time), and what it is older than, if anything."""
    n = entry.messages
    when = entry.saved_datetime.astimezone().strftime("%Y-%m-%d %H:%M")
    edit = " and a question being edited" if entry.edit is not None else ""
    line = f"{entry.name(in_library)} — {n:,} message{'' if n == 1 else 's'}{edit}, saved {when}"
    return f"{line} — older than {entry.older_than}" if entry.older_than else line


def heading(entries: list[RecoveryEntry]) -> str:
    """What the dialog says above the list: why these copies are here."""
    if all(entry.kept_for_later for entry in entries):
        text = (
            "These recovery copies were kept for later at an earlier start; chatdesk has been "
            "closed properly since. They can still be restored:"
        )
    else:
        text = "chatdesk was not closed properly. These conversations can be restored:"
    if any(entry.older_than for entry in entries):
        text += (
            " Unchecked copies are older than the conversation as it is now: restoring one "
            "replaces the newer work with it."
        )
    return text


class RecoveryDialog(QDialog):
    """A checkable list of recoverable conversations, all checked to begin with.

    Open it with open(). "Later" (or Esc) closes it and keeps the files for next time; the
    window acts on the signals, this dialog deletes nothing itself.

    Signals: restoreRequested(list[RecoveryEntry]) with the checked entries;
    discardRequested(list[RecoveryEntry]) with all of them.
    """

    restoreRequested = Signal(list)
    discardRequested = Signal(list)

    def __init__(
        self,
        entries: list[RecoveryEntry],
        parent: QWidget | None = None,
        *,
        in_library: Callable[[Path], bool] = _nowhere,
    ) -> None:
        """`in_library(path)`: the file is a library conversation's, named by an id."""
        super().__init__(parent)
        self.setWindowTitle("Restore conversations")
        self.setAccessibleName("Restore conversations")
        self.entries = list(entries)

        self.message = QLabel(heading(self.entries), self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Recovery message")

        self.list = QListWidget(self)
        self.list.setAccessibleName("Conversations to restore")
        self.list.setToolTip("Check the conversations to restore")
        # A line is a name, what it holds and when: wrapped to the list's width, read whole,
        # never cut ("… — 12 messages and a question bein…") nor scrolled sideways.
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a name with no spaces
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSpacing(2)  # wrapped entries stay apart
        for entry in self.entries:
            line = describe(entry, in_library)
            item = QListWidgetItem(line, self.list)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            older = bool(entry.older_than)
            item.setCheckState(Qt.CheckState.Unchecked if older else Qt.CheckState.Checked)
            item.setData(_ENTRY_ROLE, entry)
            item.setToolTip(line if entry.path is None else f"{line}\n{entry.path}")
        if self.list.count():
            self.list.setCurrentRow(0)

        buttons = QDialogButtonBox(self)
        self.restore_button = QPushButton("Restore selected", self)
        self.restore_button.setAccessibleName("Restore selected")
        self.restore_button.setToolTip("Open the checked conversations")
        self.discard_button = QPushButton("Discard all", self)
        self.discard_button.setAccessibleName("Discard all")
        self.discard_button.setToolTip("Delete every recovered copy; this cannot be undone")
        self.later_button = QPushButton("Later", self)
        self.later_button.setAccessibleName("Later")
        self.later_button.setToolTip("Keep them and ask again next time chatdesk starts")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(self._restore)
        self.discard_button.clicked.connect(self._discard)
        self.later_button.clicked.connect(self.reject)
        self.list.itemChanged.connect(self._update_buttons)
        # Enter restores only what is checked at first: never an older copy over newer work.
        (self.restore_button if self.checked() else self.later_button).setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self._update_buttons()
        self.resize(560, 360)

    def checked(self) -> list[RecoveryEntry]:
        items = (self.list.item(row) for row in range(self.list.count()))
        return [i.data(_ENTRY_ROLE) for i in items if i.checkState() == Qt.CheckState.Checked]

    def set_checked(self, entry: RecoveryEntry, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.list.item(self.entries.index(entry)).setCheckState(state)

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(bool(self.checked()))

    def _restore(self) -> None:
        chosen = self.checked()
        if not chosen:
            return
        self.restoreRequested.emit(chosen)
        self.accept()

    def _discard(self) -> None:
        self.discardRequested.emit(list(self.entries))
        self.accept()
