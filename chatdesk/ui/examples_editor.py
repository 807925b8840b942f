"""Few-shot examples: (user, assistant) pairs pinned after the system message."""

from __future__ import annotations

import itertools

from chatdesk.ui.qt.core import Qt, Signal
from chatdesk.ui.qt.widgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ExamplesEditor(QWidget):
    """A list of example pairs and two fields editing the selected one.

    Signals: examplesChanged(list) with every pair as a (user, assistant) tuple, after each
    edit, addition, removal or move by the user.
    """

    examplesChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pairs: list[list[str]] = []
        self._loading = False
        self.setAccessibleName("Few-shot examples")

        hint = QLabel("Pinned after the system message; never trimmed.", self)
        hint.setWordWrap(True)
        hint.setEnabled(False)  # the palette's disabled text: a quiet hint in any theme
        self.hint = hint

        self.list = QListWidget(self)
        self.list.setAccessibleName("Example pairs")
        self.list.setToolTip("Few-shot examples sent, in this order, before the conversation")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setWordWrap(False)
        # Without a horizontal scroll bar the rows elide instead of scrolling sideways.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.add_button = self._button("Add pair", "Add an empty example pair after the last")
        self.remove_button = self._button("Remove", "Remove the selected pair")
        self.up_button = self._button("Move up", "Send the selected pair earlier")
        self.down_button = self._button("Move down", "Send the selected pair later")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.user_edit = self._field("Example user message", "What the user asks in this example")
        self.assistant_edit = self._field(
            "Example assistant reply", "The answer the model should learn from"
        )
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self._label("&User:", self.user_edit), self.user_edit)
        form.addRow(self._label("&Assistant:", self.assistant_edit), self.assistant_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list, 2)
        layout.addLayout(buttons)
        layout.addLayout(form, 3)
        order = [
            self.list,
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.user_edit,
            self.assistant_edit,
        ]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

        self.list.currentRowChanged.connect(self._row_changed)
        self.add_button.clicked.connect(self.add_pair)
        self.remove_button.clicked.connect(self.remove_pair)
        self.up_button.clicked.connect(lambda: self.move_pair(-1))
        self.down_button.clicked.connect(lambda: self.move_pair(1))
        self.user_edit.textChanged.connect(lambda: self._field_edited(0, self.user_edit))
        self.assistant_edit.textChanged.connect(lambda: self._field_edited(1, self.assistant_edit))
        self._update_controls()

    # -- public ------------------------------------------------------------------------------
    def examples(self) -> list[tuple[str, str]]:
        return [(user, assistant) for user, assistant in self._pairs]

    def set_examples(self, examples: list[tuple[str, str]]) -> None:
        """Show `examples` without emitting examplesChanged; the pair selected stays selected
        when there still is one at its place (an undo shows the pair it changed)."""
        self._pairs = [[user, assistant] for user, assistant in examples]
        row = self.list.currentRow()
        if not 0 <= row < len(self._pairs):
            row = 0 if self._pairs else -1
        self._loading = True
        try:
            self.list.clear()
            for i in range(len(self._pairs)):
                self.list.addItem(QListWidgetItem(self._item_text(i)))
            self.list.setCurrentRow(row)
            self._show_current()
        finally:
            self._loading = False
        self._update_controls()

    def add_pair(self) -> None:
        self._pairs.append(["", ""])
        self.list.addItem(QListWidgetItem(self._item_text(len(self._pairs) - 1)))
        self.list.setCurrentRow(len(self._pairs) - 1)
        self.user_edit.setFocus()
        self._emit()

    def remove_pair(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._pairs):
            return
        del self._pairs[row]
        self._loading = True
        try:
            self.list.takeItem(row)
            self._renumber(row)
            self.list.setCurrentRow(min(row, len(self._pairs) - 1))
            self._show_current()
        finally:
            self._loading = False
        self._update_controls()
        self._emit()

    def move_pair(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if not (0 <= row < len(self._pairs) and 0 <= target < len(self._pairs)):
            return
        self._pairs[row], self._pairs[target] = self._pairs[target], self._pairs[row]
        self._loading = True
        try:
            self._renumber(min(row, target))
            self.list.setCurrentRow(target)
        finally:
            self._loading = False
        self._update_controls()
        self._emit()

    # -- internals ---------------------------------------------------------------------------
    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        return button

    def _field(self, name: str, tip: str) -> QPlainTextEdit:
        edit = QPlainTextEdit(self)
        edit.setAccessibleName(name)
        edit.setToolTip(tip)
        edit.setTabChangesFocus(True)
        return edit

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def _item_text(self, row: int) -> str:
        user, assistant = (_first_line(t) for t in self._pairs[row])
        text = f"{row + 1}. {user or '(empty)'} → {assistant or '(empty)'}"
        return text if len(text) <= 200 else text[:200] + "…"

    def _renumber(self, start: int) -> None:
        for row in range(start, len(self._pairs)):
            self.list.item(row).setText(self._item_text(row))

    def _row_changed(self, _row: int) -> None:
        if self._loading:
            return
        self._loading = True
        try:
            self._show_current()
        finally:
            self._loading = False
        self._update_controls()

    def _show_current(self) -> None:
        """Load the selected pair into the fields (callers hold `_loading`)."""
        row = self.list.currentRow()
        user, assistant = self._pairs[row] if 0 <= row < len(self._pairs) else ("", "")
        self.user_edit.setPlainText(user)
        self.assistant_edit.setPlainText(assistant)

    def _field_edited(self, side: int, edit: QPlainTextEdit) -> None:
        row = self.list.currentRow()
        if self._loading or not 0 <= row < len(self._pairs):
            return
        self._pairs[row][side] = edit.toPlainText()
        self.list.item(row).setText(self._item_text(row))
        self._emit()

    def _update_controls(self) -> None:
        row = self.list.currentRow()
        selected = 0 <= row < len(self._pairs)
        self.remove_button.setEnabled(selected)
        self.up_button.setEnabled(selected and row > 0)
        self.down_button.setEnabled(selected and row < len(self._pairs) - 1)
        self.user_edit.setEnabled(selected)
        self.assistant_edit.setEnabled(selected)

    def _emit(self) -> None:
        self.examplesChanged.emit(self.examples())


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""
