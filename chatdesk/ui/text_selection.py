"""Selecting part of a message in the transcript, with the mouse or the keyboard, and copying it
as text or as Markdown.

The transcript paints its cards; it has no text widgets to select in. The selection is kept
here as two positions in the message's body (piece, character; see `MessageBody`) and painted
by the delegate as a highlight inside the pieces that are on screen, so selecting costs what
painting costs: the visible part of a message, never the whole of a long one. Text is taken out
only when copied, from the pieces the selection covers.

Mouse: press and drag over a message's text; double-click selects a word; Shift+click extends.
Links and action links keep working: a press on one is left to the transcript. Keyboard (the
transcript focused): Ctrl+A selects the current message's text, Shift+arrows, Shift+Home/End
extend the selection, Esc clears it, Ctrl+C copies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatdesk.ui.qt.core import (
    QEvent,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    Qt,
    QTimer,
    Signal,
)
from chatdesk.ui.qt.gui import QGuiApplication, QKeyEvent, QKeySequence, QMouseEvent, QTextCursor
from chatdesk.ui.qt.widgets import QListView

if TYPE_CHECKING:
    from chatdesk.ui.message_body import MessageBody, Position

EDGE = 24  # pixels from the viewport's top or bottom where a drag scrolls
SCROLL_EVERY_MS = 30  # while the pointer is held past an edge, the transcript keeps scrolling


class TextSelection(QObject):
    """The selected text of one message of `view`.

    Signals: copied(str what): text was put on the clipboard ("text" or "Markdown").
    """

    copied = Signal(str)

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        # The transcript view, which makes this (so it is not imported here): its `delegate`
        # lays out and paints the cards, `transcript()` is its model.
        self.view: Any = view
        self.row: QPersistentModelIndex | None = None
        self.anchor: Position = (0, 0)
        self.focus: Position = (0, 0)
        self._dragging = False
        # A pointer held still past an edge sends no more moves: a timer goes on scrolling,
        # as text editors do, so one drag selects more than the screen shows.
        self._edge_timer = QTimer(self)
        self._edge_timer.setInterval(SCROLL_EVERY_MS)
        self._edge_timer.timeout.connect(self._scroll_at_edge)
        self._pointer = QPoint()
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)

    # -- state -------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Some text is selected (in a message that is still there)."""
        return (
            self.row is not None
            and self.row.isValid()
            and self.row.model() is self.view.model()
            and self.anchor != self.focus
        )

    def selected_row(self) -> int | None:
        return self.row.row() if self.active and self.row is not None else None

    def ordered(self) -> tuple[Position, Position]:
        return min(self.anchor, self.focus), max(self.anchor, self.focus)

    def _body(self) -> MessageBody | None:
        if self.row is None or not self.row.isValid():
            return None
        index = self.view.model().index(self.row.row(), 0)
        return self.view.delegate.layout(self.view.visualRect(index), index).doc

    def _show(self) -> None:
        """Tell the delegate what to highlight, and repaint the message's row."""
        delegate = self.view.delegate
        if self.active and self.row is not None:
            uid = self.view.transcript().message(self.row.row()).uid
            delegate.selection = (uid, *self.ordered())
        else:
            delegate.selection = None
        self.view.viewport().update()

    def select(self, row: int, anchor: Position, focus: Position) -> None:
        """Select message `row`'s text from `anchor` to `focus`."""
        self.row = QPersistentModelIndex(self.view.model().index(row, 0))
        self.anchor, self.focus = anchor, focus
        self._show()

    def select_all(self, row: int) -> None:
        """The whole text of message `row`."""
        self.row = QPersistentModelIndex(self.view.model().index(row, 0))
        body = self._body()
        if body is not None:
            self.select(row, (0, 0), body.end())

    def clear(self) -> None:
        if self.row is not None:
            self.row = None
            self._show()

    def text(self, *, markdown: bool = False) -> str:
        """The selected text as shown, or as Markdown; "" without a selection."""
        body = self._body() if self.active else None
        if body is None:
            return ""
        return body.text_between(*self.ordered(), markdown=markdown)

    def copy(self, *, markdown: bool = False) -> bool:
        """Put the selection on the clipboard; False when nothing is selected."""
        text = self.text(markdown=markdown)
        if not text:
            return False
        QGuiApplication.clipboard().setText(text)
        self.copied.emit("Markdown" if markdown else "text")
        return True

    # -- mouse -------------------------------------------------------------------------------
    def _body_position(self, pos: QPoint, row: QPersistentModelIndex) -> Position | None:
        """The text position under viewport point `pos` in `row`'s body (clamped to it)."""
        index = self.view.model().index(row.row(), 0)
        lay = self.view.delegate.layout(self.view.visualRect(index), index)
        return lay.doc.position_at(pos.x() - lay.body.left(), pos.y() - lay.body.top())

    def _press(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        pos = event.position().toPoint()
        index = self.view.indexAt(pos)
        if not index.isValid():
            self.clear()
            return False
        rect = self.view.visualRect(index)
        delegate = self.view.delegate
        if delegate.hit_test(rect, index, pos) is not None:
            return False  # a link or an action: the transcript's
        lay = delegate.layout(rect, index)
        if not lay.body.contains(QPointF(pos)):
            self.clear()
            return False
        row = QPersistentModelIndex(index)
        here = self._body_position(pos, row)
        assert here is not None
        extend = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if extend and self.row is not None and self.row == row:
            self.focus = here
        else:
            self.row, self.anchor, self.focus = row, here, here
        self._dragging = True
        # The row becomes current without QAbstractItemView's scrollTo(current), which brings
        # a card taller than the viewport to its top: the press would move the text away
        # from under the pointer, and the drag would select from there.
        auto_scroll = self.view.hasAutoScroll()
        self.view.setAutoScroll(False)
        self.view.setCurrentIndex(index)
        self.view.setAutoScroll(auto_scroll)
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        self._show()
        return True

    def _move(self, event: QMouseEvent) -> bool:
        if not self._dragging or self.row is None or not self.row.isValid():
            return False
        self._pointer = event.position().toPoint()
        self._scroll_at_edge()
        return True

    def _scroll_at_edge(self) -> None:
        """Scroll when the dragging pointer is past the top or bottom, and select to it."""
        if not self._dragging or self.row is None or not self.row.isValid():
            self._edge_timer.stop()
            return
        pos = self._pointer
        height = self.view.viewport().height()
        step = min(pos.y() - EDGE, 0) + max(pos.y() - height + EDGE, 0)
        if step:  # dragging past the top or bottom scrolls the transcript
            # The reader scrolls: a row held in place (after a find, a reopening) is let go,
            # or the next layout (a streamed chunk) would scroll back from under the drag.
            self.view.release_hold()
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.value() + step)
            if not self._edge_timer.isActive():
                self._edge_timer.start()
        else:
            self._edge_timer.stop()
        here = self._body_position(pos, self.row)
        if here is not None and here != self.focus:
            self.focus = here
            self._show()

    def _release(self, event: QMouseEvent) -> bool:
        if not self._dragging:
            return False
        self._dragging = False
        self._edge_timer.stop()
        if self.anchor == self.focus:
            self.clear()  # a plain click
        return True

    def _double_click(self, event: QMouseEvent) -> bool:
        if not self._press(event) or self.row is None:
            return False
        self._dragging = False
        body = self._body()
        if body is None:
            return True
        piece, position = self.focus
        cursor = QTextCursor(body.document(piece))
        cursor.setPosition(position)
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        self.select(self.row.row(), (piece, start), (piece, end))
        return True

    # -- keyboard ----------------------------------------------------------------------------
    def _key(self, event: QKeyEvent) -> bool:
        if event.matches(QKeySequence.StandardKey.Copy) and self.active:
            return self.copy()
        current = self.view.currentIndex()
        if event.matches(QKeySequence.StandardKey.SelectAll) and current.isValid():
            self.select_all(current.row())
            return True
        if event.key() == Qt.Key.Key_Escape and self.active:
            self.clear()
            return True
        if not (event.modifiers() & Qt.KeyboardModifier.ShiftModifier) or not current.isValid():
            return False
        moves = {
            Qt.Key.Key_Left: "Left", Qt.Key.Key_Right: "Right", Qt.Key.Key_Up: "Up",
            Qt.Key.Key_Down: "Down", Qt.Key.Key_Home: "Home", Qt.Key.Key_End: "End",
        }  # fmt: skip
        move = moves.get(Qt.Key(event.key()))
        if move is None:
            return False
        word = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        self._extend(current.row(), move, word)
        return True

    def _extend(self, row: int, move: str, word: bool) -> None:
        """Move the selection's free end by a character, word or line, or to an end."""
        if self.row is None or self.row.row() != row or not self.row.isValid():
            start_at_end = move in ("Left", "Up", "Home")
            self.row = QPersistentModelIndex(self.view.model().index(row, 0))
            body = self._body()
            if body is None:
                return
            here = body.end() if start_at_end else (0, 0)
            self.anchor = self.focus = here
        body = self._body()
        if body is None:
            return
        if move == "Home":
            self.select(row, self.anchor, (0, 0))
            return
        if move == "End":
            self.select(row, self.anchor, body.end())
            return
        op = QTextCursor.MoveOperation
        operation = {
            "Left": op.WordLeft if word else op.Left,
            "Right": op.WordRight if word else op.Right,
            "Up": op.Up,
            "Down": op.Down,
        }[move]
        piece, position = self.focus
        doc = body.document(piece)
        cursor = QTextCursor(doc)
        cursor.setPosition(position)
        if cursor.movePosition(operation) and cursor.position() != position:
            self.select(row, self.anchor, (piece, cursor.position()))
            return
        # At the edge of a piece: on into the next or previous one.
        if move in ("Right", "Down") and piece + 1 < body.piece_count():
            self.select(row, self.anchor, (piece + 1, 0))
        elif move in ("Left", "Up") and piece > 0:
            previous = body.document(piece - 1)
            self.select(row, self.anchor, (piece - 1, previous.characterCount() - 1))

    # -- events ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.view:
            if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                return self._key(event)
            return False
        if not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseButtonPress:
            return self._press(event)
        if kind == QEvent.Type.MouseMove:
            return self._move(event)
        if kind == QEvent.Type.MouseButtonRelease:
            return self._release(event)
        if kind == QEvent.Type.MouseButtonDblClick:
            return self._double_click(event)
        return False
