"""Row heights for the transcript's list: how QListView is told the height of each card
without measuring every card.

Cost model: `sizeHint` (called for every row on each layout) is a dict lookup for rows already
measured and an estimate from the text's length for rows never painted; a row is measured
exactly when it is painted or changes while visible, and only then is `sizeHintChanged`
emitted (coalesced to once per event-loop turn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core.cards import shown_text
from chatdesk.core.messages import Message
from chatdesk.ui.card_layout import (
    CHIP_PAD,
    GAP,
    MARGIN_X,
    MARGIN_Y,
    PAD,
    STREAM_STEP_LINES,
    CardLayout,
    Metrics,
)
from chatdesk.ui.qt.core import QModelIndex, QPersistentModelIndex, QRect, QSize, QTimer
from chatdesk.ui.transcript_model import TranscriptModel, badges

if TYPE_CHECKING:
    from chatdesk.ui.qt.core import SignalInstance
    from chatdesk.ui.qt.widgets import QAbstractItemView, QStyleOptionViewItem
    from chatdesk.ui.transcript_images import TranscriptImages

# Where the editor over a card with images goes (its top, the body's width; height 0), and
# each picture it can remove: (its position in the message's content, its number among the
# question's pictures, its rectangle), in viewport coordinates.
EditPlace = tuple[QRect, list[tuple[int, int, QRect]]]


class RowHeights:
    """The height bookkeeping of `MessageDelegate` (mixed in before QStyledItemDelegate, so its
    `sizeHint` is the one Qt calls). The delegate provides `metrics`, `layout`, `_model` and
    `_view`, and calls `_init_heights` once."""

    if TYPE_CHECKING:
        _view: QAbstractItemView
        sizeHintChanged: SignalInstance

        @property
        def images(self) -> TranscriptImages: ...

        def metrics(self) -> Metrics: ...
        def layout(self, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> CardLayout: ...
        def _model(self, index: QModelIndex | QPersistentModelIndex) -> TranscriptModel: ...

    def _init_heights(self) -> None:
        # (uid, px): the body of that message's card kept this tall for the editor laid over
        # it (ui/inline_editor.py), so its badges and footer go under the editor, not beneath.
        self._room: tuple[int, int] | None = None
        self._heights: dict[int, tuple[int, int]] = {}  # uid -> (width, height) laid out
        self._staged: dict[int, tuple[int, int]] = {}  # measured, not yet laid out
        self._pending: list[QPersistentModelIndex] = []
        self._flush = QTimer(self, singleShot=True, interval=0)
        self._flush.timeout.connect(self._emit_size_hint_changed)

    def _clear_heights(self) -> None:
        self._pending.clear()  # indexes of the old model
        self._heights.clear()
        self._staged.clear()

    def make_room(
        self,
        index: QModelIndex | QPersistentModelIndex,
        height: int | None,
        removed: frozenset[int] = frozenset(),
    ) -> None:
        """Keep room in `index`'s card for an editor `height` px tall over its text (None: the
        card as it was again); the row is measured again (one row, once). A card of text
        alone keeps its body at least that tall under the editor; a card with content parts
        shows them around it, without those at the positions `removed` (taken out in the
        editor; see transcript_images.py). An invalid `index` (its row is gone) only forgets
        the room."""
        # (Imported here: the transcript's images come with the first card, not at start-up.)
        from chatdesk.ui.transcript_images import Editing

        if not index.isValid():
            self._room = None
            self.images.editing = None
            return
        message = self._model(index).message(index.row())
        uid = message.uid
        room = (uid, height) if height is not None else None
        parts = Editing(uid, height, removed) if height is not None and message.has_parts else None
        if room is None and (self._room is None or self._room[0] != uid):
            return  # another card's room, or none: nothing of this one to give back
        if (room, parts) != (self._room, self.images.editing):
            self._room = room
            self.images.editing = parts
            self.measure(index)

    def edit_place(
        self, rect: QRect, index: QModelIndex | QPersistentModelIndex
    ) -> EditPlace | None:
        """Where an editor over the card of a row occupying `rect` goes when the card shows
        its content parts around the editor (`make_room`), and the pictures it can remove
        (`EditPlace`); None for a card of text alone (the editor lies over its text)."""
        from chatdesk.ui.transcript_images import EDITOR, SCHEME

        editing = self.images.editing
        message = self._model(index).message(index.row())
        if editing is None or editing.uid != message.uid:
            return None
        lay = self.layout(rect, index)
        origin = lay.body.topLeft()
        place, boxes = None, []
        for name, box in lay.doc.image_rects(f"{SCHEME}:"):
            shown = box.translated(origin).toRect()
            if name == EDITOR:
                place = QRect(round(origin.x()), shown.top(), round(lay.body.width()), 0)
            else:
                boxes.append(shown)
        if place is None:
            return None
        every = self.images.pictures(message)
        kept = [at for at in every if at not in editing.removed]
        return place, [
            (at, every.index(at) + 1, box) for at, box in zip(kept, boxes, strict=False)
        ]

    def edited(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        """Whether an editor is laid over this card's body (it keeps room for one)."""
        room = self._room
        return room is not None and room[0] == self._model(index).message(index.row()).uid

    def _room_for(self, uid: int) -> int:
        """The height kept for an editor over message `uid`'s body; 0 for none."""
        room = self._room
        return room[1] if room is not None and room[0] == uid else 0

    def _row_height(self, exact: int, streaming: bool) -> int:
        if not streaming:
            return exact
        step = STREAM_STEP_LINES * self.metrics().line
        return -(-exact // step) * step

    def _estimate(self, message: Message, width: int, sent: bool) -> int:
        """A row's height from its text length alone: cheap, for rows never painted."""
        m = self.metrics()
        body_width = max(width - 2 * (MARGIN_X + PAD), 40)
        per_line = max(int(body_width / m.avg_char), 10)
        text = shown_text(message)
        lines = text.count("\n") + 1 + len(text) // per_line
        body = lines * m.line + text.count("```") // 2 * (m.small_line + 20)
        notes = len(badges(message, sent)) * (m.small_line + 3 * CHIP_PAD)
        chrome = 2 * (MARGIN_Y + PAD) + m.fm.height() + 2 * GAP + m.small_line
        return chrome + body + notes

    def measure(self, index: QModelIndex | QPersistentModelIndex, *, now: bool = False) -> int:
        """The row's exact height at the current width (renders the body if needed).

        A height that differs from what the list was laid out with is staged, and reaches the
        list with the next sizeHintChanged; with `now`, it is used from the next layout on
        (for rows the list is about to lay out anyway, such as inserted ones).
        """
        width = self._view.viewport().width()
        lay = self.layout(QRect(0, 0, width, 0), index)
        return self._measured(index, lay, width, now)

    def _measured(
        self,
        index: QModelIndex | QPersistentModelIndex,
        lay: CardLayout,
        width: int,
        now: bool = False,
    ) -> int:
        model = self._model(index)
        uid = model.message(index.row()).uid
        height = self._row_height(lay.height, index.row() == model.streaming_row)
        if now:
            self._heights[uid] = (width, height)
        elif self._heights.get(uid) != (width, height):
            self._staged[uid] = (width, height)
            self._pending.append(QPersistentModelIndex(index))
            self._flush.start()
        return height

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # Called for every row on each layout, so a dict lookup; an estimate the first time a
        # row is seen at this width (kept until the row is painted and measured).
        width = self._view.viewport().width()
        model: TranscriptModel = index.model()  # type: ignore[assignment]
        message = model.message(index.row())
        known = self._heights.get(message.uid)
        if known is not None and known[0] == width:
            height = known[1]
        else:
            height = self._estimate(message, width, index.row() >= model.first_sent)
            self._heights[message.uid] = (width, height)
        # A width of 1: QListView stretches rows to the viewport, never beyond it.
        return QSize(1, height)

    def row_height(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The height the list laid the row out with (what sizeHint last answered)."""
        known = self._heights.get(self._model(index).message(index.row()).uid)
        return known[1] if known is not None else 0

    def rows_changed(self, first: int, last: int, visible: range) -> None:
        """Re-measure the changed rows that are on screen.

        Rows off screen keep their old height until they are painted: as good as an estimate,
        and it keeps a change far above the viewport from shifting what is on screen.
        """
        model = self._view.model()
        if not isinstance(model, TranscriptModel):
            return
        for row in range(max(first, visible.start), min(last + 1, visible.stop)):
            self.measure(model.index(row))

    def _emit_size_hint_changed(self) -> None:
        # Heights change only here, right before the list re-lays out, so that sizeHint always
        # agrees with the positions of the current layout.
        self._heights.update(self._staged)
        self._staged.clear()
        model = self._view.model()
        valid = [p for p in self._pending if p.isValid() and p.model() is model]
        self._pending.clear()
        if valid:
            # QListView answers any sizeHintChanged by laying out every row, so one emission
            # per event-loop turn covers all rows measured in it.
            first = min(valid, key=lambda p: p.row())
            self.sizeHintChanged.emit(first.model().index(first.row(), 0))
