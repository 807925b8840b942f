"""The message composer: a multi-line input with a Send button that becomes Stop."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from chatdesk.ui.draft_text import DraftText


class _Input(QPlainTextEdit):
    """Enter sends and Shift+Enter breaks the line, or the reverse; Esc asks to stop.

    Signals: submit(), escape().
    """

    submit = Signal()
    escape = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enter_sends = True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtCore import Qt  # not at import: see ui/__init__.py

        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            # Ctrl+Enter always sends; otherwise the setting decides what plain Enter does.
            if ctrl or (self.enter_sends and not shift) or (not self.enter_sends and shift):
                self.submit.emit()
                return
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Signals: sendRequested(str) with the text, stopRequested(), draftChanged(str)."""

    sendRequested = Signal(str)
    stopRequested = Signal()
    draftChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = _Input(self)
        self.input.setPlaceholderText("Message — Enter to send, Shift+Enter for a new line")
        self.input.setAccessibleName("Message")
        self.input.setAccessibleDescription("Type a message for the model")
        self.input.setTabChangesFocus(True)
        self.input.setMaximumHeight(160)
        self.input.setMinimumHeight(64)
        self.button = QPushButton(text="Send", parent=self)  # by keyword: see ui/__init__.py
        self.button.setAccessibleName("Send")
        self.button.setDefault(False)
        self.button.setMinimumWidth(84)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.input, 1)
        button_column = QVBoxLayout()  # the button at the bottom, next to the last line
        button_column.addStretch(1)
        button_column.addWidget(self.button)
        layout.addLayout(button_column)
        self._busy = False
        self._send_key = "Enter"
        self.input.submit.connect(self._submit)
        self.input.escape.connect(self._escape)
        self._draft = DraftText(self.input.document())
        self.input.textChanged.connect(lambda: self.draftChanged.emit(self.text()))
        self.button.clicked.connect(self._clicked)

    def text(self) -> str:
        return self._draft.text()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)
        cursor = self.input.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.input.setTextCursor(cursor)

    def set_enter_sends(self, enter_sends: bool) -> None:
        self.input.enter_sends = enter_sends
        hint = "Enter to send, Shift+Enter" if enter_sends else "Shift+Enter to send, Enter"
        self.input.setPlaceholderText(f"Message — {hint} for a new line")
        self._send_key = "Enter" if enter_sends else "Shift+Enter"
        self.set_busy(self._busy)

    def set_busy(self, busy: bool) -> None:
        """While a reply streams the button is Stop; the text stays editable for the next one."""
        self._busy = busy
        self.button.setText("Stop" if busy else "Send")
        self.button.setAccessibleName("Stop reply" if busy else "Send")
        self.button.setToolTip("Stop the reply (Esc)" if busy else f"Send ({self._send_key})")

    def _submit(self) -> None:
        if not self._busy and self.text().strip():
            self.sendRequested.emit(self.text())

    def _escape(self) -> None:
        if self._busy:
            self.stopRequested.emit()

    def _clicked(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self._submit()
