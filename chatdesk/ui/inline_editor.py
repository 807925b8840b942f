"""Editing a message inside its card: a word-wrapped text box over the card's body.

Ctrl+Enter (or Ctrl+Return) resends, Esc cancels. The text is not selected when it opens (one
key must not wipe it): the cursor is at its end. The transcript view places it over the row
and keeps it there as the list scrolls; the session does the resend.
"""

from __future__ import annotations

from collections.abc import Callable

from chatdesk.ui.qt.core import QModelIndex, QObject, QPersistentModelIndex, QRect, Qt, Signal
from chatdesk.ui.qt.gui import QKeyEvent, QTextCursor, QTextOption
from chatdesk.ui.qt.widgets import QAbstractItemView, QPlainTextEdit, QWidget

# The rectangle of the card's text in a row's visual rectangle (the delegate's layout).
BodyRect = Callable[[QRect, QModelIndex], QRect]
# Keeps a card's body at least that many px tall (None: as its text) for the editor over it.
MakeRoom = Callable[[QModelIndex, int | None], None]


class InlineEditor(QPlainTextEdit):
    """Signals: submitted(str) on Ctrl+Enter with text that is not blank; cancelled() on Esc."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Edit message")
        self.setAccessibleDescription("Ctrl+Enter resends; Esc cancels.")
        self.setToolTip("Ctrl+Enter resends (the replies after it are kept as a version); "
                        "Esc cancels")  # fmt: skip
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(True)
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)  # nothing selected
        self._sized: tuple[int, int] | None = None
        self._text_height = 0

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if self.toPlainText().strip():
                self.submitted.emit(self.toPlainText())
            return
        super().keyPressEvent(event)

    def wanted_height(self, width: int, minimum: int, maximum: int) -> int:
        """The height that shows the whole text at `width`, within the bounds. Computed again
        only when the text or the width changed (not on every scroll)."""
        key = (width, self.document().revision())
        if key != self._sized:
            inner = max(width - 2 * self.frameWidth() - 12, 20)
            flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere
            text = self.toPlainText() or " "
            box = self.fontMetrics().boundingRect(QRect(0, 0, inner, 1 << 20), flags, text)
            self._text_height = box.height() + 2 * self.frameWidth() + 12
            self._sized = key
        return max(minimum, min(maximum, self._text_height))


class InlineEditing(QObject):
    """The one message being edited in a transcript view: its editor, kept over the card's
    body as the list scrolls or re-lays out (O(1) per scroll: one rectangle).

    Signals: submitted(int row, str text) on Ctrl+Enter; ended() when the editor closes.
    """

    submitted = Signal(int, str)
    ended = Signal()

    def __init__(self, view: QAbstractItemView, body_rect: BodyRect, make_room: MakeRoom) -> None:
        super().__init__(view)
        self._view = view
        self._body_rect = body_rect
        self._make_room = make_room
        self._room: int | None = None  # the body height the card keeps for the editor
        self._index: QPersistentModelIndex | None = None
        self.editor: InlineEditor | None = None
        view.verticalScrollBar().valueChanged.connect(self.place)

    @property
    def row(self) -> int | None:
        return self._index.row() if self._index is not None and self._index.isValid() else None

    def start(self, row: int, text: str) -> InlineEditor:
        self.stop()
        model = self._view.model()
        self._index = QPersistentModelIndex(model.index(row, 0))
        editor = self.editor = InlineEditor(text, self._view.viewport())
        editor.submitted.connect(self._submit)
        editor.cancelled.connect(self.stop)
        editor.textChanged.connect(self.place)  # grows with its text
        self._view.scrollTo(model.index(row, 0))
        self.place()
        editor.show()
        editor.setFocus()
        return editor

    def stop(self) -> None:
        row = self.row
        if self._room is not None:  # the card as tall as its text again
            model = self._view.model()
            self._make_room(model.index(row, 0) if row is not None else QModelIndex(), None)
        self._room = None
        editor, self.editor, self._index = self.editor, None, None
        if editor is not None:
            had_focus = editor.hasFocus()
            editor.hide()
            editor.deleteLater()
            if had_focus:
                self._view.setFocus()
            self.ended.emit()

    def place(self) -> None:
        """Over the body of the card being edited; gone when its row is."""
        if self.editor is None:
            return
        row = self.row
        if row is None:
            self.stop()
            return
        index = self._view.model().index(row, 0)
        body = self._body_rect(self._view.visualRect(index), index)
        viewport = self._view.viewport().height()
        # As tall as its text, at least the text it covers; the card keeps that much room
        # for it, so the badges and actions under the body stay in sight below the editor
        # (its 4 px border on each side falls in the card's gaps around the body).
        width = body.width() + 8
        height = self.editor.wanted_height(width, body.height() + 8, max(viewport * 2 // 3, 120))
        self.editor.setGeometry(QRect(body.left() - 4, body.top() - 4, width, height))
        if height - 8 != self._room:
            self._room = height - 8
            self._make_room(index, self._room)

    def _submit(self, text: str) -> None:
        row = self.row
        self.stop()
        if row is not None:
            self.submitted.emit(row, text)
