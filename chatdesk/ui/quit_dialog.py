"""One question when the window (or a conversation) closes, for all that closing would end.

Unsaved conversations: each is a checked row (checked: save it); Save saves the checked ones and
lets the others go, Discard all lets every one go, Cancel keeps the window open. Work in flight
(`Unfinished`: a reply still being written, a question edited in place and not resent) is said
in the same question when there is one (its `note`), or asked about alone (`unfinished_box`):
Quit stops the replies, keeping what arrived, and drops the edits; Cancel lets them go on.
Opened with `open()`; the answer comes in a signal, so a test can drive it.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from chatdesk.ui.qt.core import Qt, Signal
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def _names(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


class Unfinished(msgspec.Struct, frozen=True):
    """What closing would end: the conversations (their names) whose reply is still being
    written, and those with a question edited in place and not resent. `settle()` ends it once
    the user agreed: the replies stopped (what arrived kept, marked "Stopped by you": the user
    chose to stop them), the edits dropped. `verb`: "Quit", "Close" or "Move to trash"."""

    verb: str
    writing: list[str]
    editing: list[str]
    settle: Callable[[], None]

    def _writing(self) -> str:
        if len(self.writing) == 1:
            return f"A reply is still being written in {_names(self.writing)}"
        return f"Replies are still being written in {_names(self.writing)}"

    def _editing(self) -> str:
        if len(self.editing) == 1:
            return f"The question you are editing in {_names(self.editing)} is not resent"
        return f"The questions you are editing in {_names(self.editing)} are not resent"

    def _plural(self, names: list[str], one: str, many: str) -> str:
        return one if len(names) == 1 else many

    def question(self) -> str:
        """The question when nothing is unsaved."""
        said = [self._writing()] if self.writing else []
        said += [self._editing()] if self.editing else []
        if not self.editing:
            then = "keep what has arrived so far"
        elif not self.writing:
            then = "drop " + self._plural(self.editing, "the edit", "the edits")
        else:
            return f"{'. '.join(said)}. {self.verb} anyway?"
        return f"{'. '.join(said)}. {self.verb} and {then}?"

    def consequences(self) -> str:
        """What the answers do."""
        kept = "What has arrived is kept, marked “Stopped by you”. " if self.writing else ""
        goes_on = []
        if self.writing:
            goes_on.append(self._plural(self.writing, "lets it finish", "lets them finish"))
        if self.editing:
            goes_on.append(self._plural(self.editing, "keeps the edit", "keeps the edits"))
        return f"{kept}Cancel {' and '.join(goes_on)}."

    def note(self) -> str:
        """The same, said in the question about unsaved changes."""
        doing = "quitting" if self.verb == "Quit" else "closing"
        out = []
        if self.writing:
            it = self._plural(self.writing, "it", "them")
            out.append(f"{self._writing()}: {doing} stops {it} and keeps what has arrived, "
                       "marked “Stopped by you”.")  # fmt: skip
        if self.editing:
            edit = self._plural(self.editing, "the edit", "the edits")
            out.append(f"{self._editing()}: {doing} drops {edit}.")
        return " ".join(out)


def unfinished_box(unfinished: Unfinished, parent: QWidget | None = None) -> QMessageBox:
    """Quit (or Close) / Cancel, for work in flight when nothing is unsaved; Cancel is the
    default (a reply of minutes is not lost to Ctrl+Q and Enter). Not opened yet."""
    verb = unfinished.verb
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    title = {"Quit": "Quit chatdesk?", "Close": "Close the conversation?"}.get(verb, f"{verb}?")
    box.setWindowTitle(title)
    box.setAccessibleName(title)
    box.setText(unfinished.question())
    box.setInformativeText(unfinished.consequences())
    box.addButton(f"&{verb}", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


class QuitDialog(QDialog):
    """Signals: answered(object: list[int] | None): the indexes (into `names`) to save, the
    others discarded; None for Cancel."""

    answered = Signal(object)

    def __init__(
        self, names: list[tuple[str, str]], parent: QWidget | None = None, note: str = ""
    ) -> None:
        """`names`: (the conversation's name, where it is saved or "not saved yet") per row;
        `note`: what else closing ends (`Unfinished.note`)."""
        super().__init__(parent)
        self.setWindowTitle("Unsaved conversations")
        self.setAccessibleName("Unsaved conversations")
        layout = QVBoxLayout(self)
        count = len(names)
        label = QLabel(
            f"{count} conversations have changes that are not saved. Save the checked ones?"
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.note = QLabel(note, self)
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        layout.addWidget(self.note)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Conversations to save")
        for name, where in names:
            item = QListWidgetItem(f"{name} — {where}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton("&Save all", QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button: QPushButton = buttons.addButton(
            "&Discard all", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(buttons)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self._answer(self.checked()))
        self.discard_button.clicked.connect(lambda: self._answer([]))
        self.cancel_button.clicked.connect(self.reject)
        self.rejected.connect(lambda: self.answered.emit(None))
        self.list.itemChanged.connect(self._update_save)

    def checked(self) -> list[int]:
        return [
            i for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]  # fmt: skip

    def set_checked(self, index: int, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.list.item(index).setCheckState(state)

    def _update_save(self) -> None:
        chosen, total = len(self.checked()), self.list.count()
        self.save_button.setText("&Save all" if chosen == total else f"&Save {chosen} of {total}")
        self.save_button.setEnabled(chosen > 0)

    def _answer(self, indexes: list[int]) -> None:
        self.done(QDialog.DialogCode.Accepted)
        self.answered.emit(indexes)
