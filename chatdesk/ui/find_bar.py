"""Find in the open conversation (Ctrl+F): a bar above the transcript with the query, "3 of
17", previous and next (Shift+Enter / Enter, Shift+F3 / F3), closed with Esc.

The search covers every message, the older ones not shown yet included: it runs on a worker
over a snapshot of the conversation (`core/find.py`), `FIND_DELAY_MS` after the last keystroke,
so typing does not wait for it. A changing conversation (a streaming reply) is searched again
at most every `REFRESH_MS`: the count follows the text as it arrives, at a cost per search that
grows with the conversation but a rate that does not grow with the chunks (a chunk costs a
timer check). Going to a hit brings its
message in as a row if it is not one yet and scrolls to the line of the match, which is marked.

Signals: closed() when the bar hides (focus goes back to the message box).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from chatdesk.core.find import MAX_HITS, Hit, find_in_conversation, nearest, occurrence
from chatdesk.ui.qt.core import Qt, QTimer, Signal
from chatdesk.ui.qt.widgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget
from chatdesk.ui.worker import FunctionWorker

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.ui.qt.gui import QKeyEvent
    from chatdesk.ui.transcript_view import TranscriptView

FIND_DELAY_MS = 150
REFRESH_MS = 400  # a streaming reply's text searched again at most this often


class FindBar(QWidget):
    """Signals: closed()."""

    closed = Signal()

    def __init__(self, transcript: TranscriptView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transcript = transcript
        self.setAccessibleName("Find in conversation")
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Find in this conversation")
        self.field.setAccessibleName("Find in this conversation")
        self.field.setClearButtonEnabled(True)
        self.count = QLabel(self)
        self.count.setAccessibleName("Matches")
        self.count.setMinimumWidth(90)
        self.previous_button = self._button("▲", "Previous match (Shift+Enter)", self.previous)
        self.next_button = self._button("▼", "Next match (Enter)", self.next)
        self.close_button = self._button("✕", "Close (Esc)", self.close_bar)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 0, 12, 4)
        row.addWidget(self.field, 1)
        row.addWidget(self.count)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        row.addWidget(self.close_button)
        self.hits: list[Hit] = []
        self.position = -1  # in self.hits; -1: none
        self._start_at: int | None = None  # history index the next results start from
        self._conv: Conversation | None = None
        self._generation = 0  # results of an older search are dropped
        self._cancel = threading.Event()
        self._worker: FunctionWorker | None = None
        self._jump = False  # the next results move to the nearest hit (the query changed)
        self._debounce = QTimer(self, singleShot=True, interval=FIND_DELAY_MS)
        self._debounce.timeout.connect(self._search)
        # Not restarted by each change: a reply streaming faster than the delay would otherwise
        # never be searched until it ends ("No matches" while the match is on screen).
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._search)
        self.field.textChanged.connect(self._query_changed)
        self.hide()

    def _button(self, text: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.clicked.connect(slot)
        return button

    # -- what is searched --------------------------------------------------------------------
    def set_conversation(self, conv: Conversation | None) -> None:
        """Search `conv` from now on (the window switched conversations)."""
        if self._conv is not None:
            self._conv.unsubscribe(self._conversation_changed)
        self._conv = conv
        if conv is not None:
            conv.subscribe(self._conversation_changed)
        self.hits, self.position = [], -1
        self._jump = True
        if self.isVisible():
            self._search()

    def _conversation_changed(self, _index: int) -> None:
        if self.isVisible() and self.query() and not self._refresh.isActive():
            self._refresh.start()

    def query(self) -> str:
        return self.field.text().strip()

    # -- opening and closing -----------------------------------------------------------------
    def open_bar(self) -> None:
        """Show the bar with its query selected (a selection becomes the query)."""
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        if self.query():
            self._jump = True
            self._search()

    def find_from(self, query: str, index: int) -> None:
        """Show the bar finding `query`, at its first match in or after history message
        `index` (a search result of the library was opened there); the focus stays."""
        self.field.blockSignals(True)  # no debounce: the search runs now
        self.field.setText(query)
        self.field.blockSignals(False)
        self.show()
        self._start_at = index
        self._jump = True
        self._search()

    def close_bar(self) -> None:
        self._cancel.set()
        self._debounce.stop()
        self._refresh.stop()
        self.hide()
        self.transcript.delegate.set_find("")
        self.transcript.viewport().update()
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Escape:
            self.close_bar()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F3):
            self._step(-1 if shift else 1)
        else:
            super().keyPressEvent(event)

    # -- searching ---------------------------------------------------------------------------
    def _query_changed(self) -> None:
        self._jump = True
        self._debounce.start()

    def _search(self) -> None:
        self._debounce.stop()
        self._refresh.stop()  # this search sees the changes so far
        self._cancel.set()  # the search still running is not wanted any more
        self._generation += 1
        query, conv = self.query(), self._conv
        if not query or conv is None:
            self._show([], query)
            return
        generation, cancel = self._generation, threading.Event()
        self._cancel = cancel
        snapshot = conv.snapshot()  # the worker reads this; the GUI thread goes on changing conv
        worker = self._worker = FunctionWorker(
            lambda: find_in_conversation(snapshot, query, cancelled=cancel.is_set), self
        )
        worker.returned.connect(
            lambda hits: self._show(hits, query) if generation == self._generation else None
        )
        worker.finished.connect(worker.deleteLater)
        worker.start()

    def _show(self, hits: list[Hit], query: str) -> None:
        """New results: keep the current hit when it is still one, else (a new query) go to
        the first hit at or after what is on screen."""
        current = self.hits[self.position] if 0 <= self.position < len(self.hits) else None
        self.hits = hits
        if self._jump or current is None:
            start, self._start_at = self._start_at, None
            self.position = nearest(hits, self._first_visible() if start is None else start)
        elif current in hits:
            self.position = hits.index(current)
        else:
            self.position = nearest(hits, current.index)
        jump, self._jump = self._jump, False
        self._mark(query, scroll=jump)

    def _first_visible(self) -> int:
        rows = self.transcript.visible_rows()
        model = self.transcript.model()
        if not rows or model is None:
            return 0
        return self.transcript.transcript().history_index(rows.start)

    # -- moving ------------------------------------------------------------------------------
    def next(self) -> None:
        self._step(1)

    def previous(self) -> None:
        self._step(-1)

    def _step(self, by: int) -> None:
        if self._debounce.isActive():  # Enter right after typing: search first, then move
            self._search()
            return
        if not self.hits:
            if self._refresh.isActive():  # the text just arrived: go to it once it is found
                self._jump = True
                self._search()
            return
        self.position = (self.position + by) % len(self.hits)
        self._mark(self.query(), scroll=True)

    def _mark(self, query: str, *, scroll: bool) -> None:
        hits, position = self.hits, self.position
        if not query:
            self.count.setText("")
        elif not hits:
            self.count.setText("No matches")
        else:
            total = f"{MAX_HITS}+" if len(hits) >= MAX_HITS else str(len(hits))
            self.count.setText(f"{position + 1} of {total}")
        self.field.setProperty("notFound", bool(query) and not hits)
        delegate = self.transcript.delegate
        if position < 0 or not hits:
            delegate.set_find(query)
            self.transcript.viewport().update()
            return
        hit = hits[position]
        model = self.transcript.transcript()
        conv = model.conversation
        if conv is None or hit.index >= len(conv):
            return  # the history shrank meanwhile; the next search (already due) mends it
        delegate.set_find(query, conv[hit.index].uid, occurrence(hits, position))
        if scroll:
            self.transcript.show_history_index(hit.index, occurrence(hits, position))
        self.transcript.viewport().update()
