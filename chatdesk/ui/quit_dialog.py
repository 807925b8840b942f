"""One question for every unsaved conversation when the window closes.

Each conversation is a checked row (checked: save it); Save saves the checked ones and lets the
others go, Discard all lets every one go, Cancel keeps the window open. Opened with `open()`;
the answer comes in `answered`, so a test can drive it.
"""

from __future__ import annotations

from chatdesk.ui.qt.core import Qt, Signal
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class QuitDialog(QDialog):
    """Signals: answered(object: list[int] | None): the indexes (into `names`) to save, the
    others discarded; None for Cancel."""

    answered = Signal(object)

    def __init__(self, names: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        """`names`: (the conversation's name, where it is saved or "not saved yet") per row."""
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
