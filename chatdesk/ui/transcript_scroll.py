"""The transcript's scrolling (mixed into `TranscriptView`): following a growing reply,
bringing older messages in at the top, going to the start, to a message or a find match, and
the reader's position kept per conversation (`ScrollAnchor`).

A long conversation's rows are its newest messages (see `TranscriptModel.reveal_older`).
Scrolling up brings older ones in a step at a time, keeping what is on screen in place; asking
for the start itself (Home / Ctrl+Home, the scroll bar's thumb dragged to its top edge, its
"Scroll to top") brings in all of them at once and goes there, so the start is one press away
and the thumb stays where it was put (the bar then spans the whole conversation). That costs a
layout of every row (QListView asks each row's size): 0.25-0.4 s at 10,000 messages, 2-3 s at
100,000. A scroll step costs what it did. But from then on — as after scrolling up to the start
step by step or Find going to an early message — each message added lays out every row too:
0.1-0.4 s at 10,000, 1-1.5 s at 100,000. So the older rows go again (`back_to_window`)
when the reader returns to the end — End / Ctrl+End, the thumb dragged to the bottom edge,
"Scroll to bottom" — and before a message is added at the end (sending shows the end anyway),
and adding one costs what it did. Never the row of a selection of text or of a question being
edited in place (`keep_rows`); Find's current match is kept by its message, not its row.

A message gone to (a find match, a search result, a restored position) is held where it was
put while rows at or above it change height — rows are laid out with an estimate until they
are painted, and a card's thumbnails are laid out as they decode — until the reader scrolls,
types in the list or clicks it. Each layout then costs one `visualRect`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.ui.card_layout import GAP, MARGIN_X, MARGIN_Y, PAD, is_dark
from chatdesk.ui.qt.core import QModelIndex, QPersistentModelIndex, QPoint, QTimer
from chatdesk.ui.qt.widgets import QAbstractItemView
from chatdesk.ui.transcript_model import TranscriptModel

if TYPE_CHECKING:
    from collections.abc import Callable

    from chatdesk.core.session_state import ScrollAnchor
    from chatdesk.ui.find_marks import FindMarks
    from chatdesk.ui.qt.core import Qt

# Older messages brought in at a time when the reader scrolls to the top.
REVEAL_STEP = 200


class TranscriptScrolling:
    """Mixed into TranscriptView: `self` is the view (its `_delegate` and `_at_bottom`); the
    view calls `keep_held` after each layout and `release_hold` on the reader's own input."""

    _held: tuple[QPersistentModelIndex, int] | None = None  # a row and the y its top stays at

    def hold(self, index: QModelIndex) -> None:
        """Keep the row `index` where it is on screen now until the reader scrolls."""
        self._held = (QPersistentModelIndex(index), self.visualRect(index).top())

    def release_hold(self) -> None:
        self._held = None

    def keep_held(self) -> None:
        """After a layout: scroll back by what the held row moved."""
        held = self._held
        if held is None:
            return
        index, top = held
        if not index.isValid():
            self._held = None
            return
        moved = self.visualRect(QModelIndex(index)).top() - top
        if moved:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + moved)

    # Rows that must stay rows while they are, each asked before older rows go (None: none):
    # the view's own selection of text; the window adds the question being edited in place.
    keep_rows: list[Callable[[], int | None]]

    def scrollToBottom(self) -> None:
        self.release_hold()
        self.back_to_window()
        super().scrollToBottom()  # type: ignore[misc]

    def back_to_window(self) -> None:
        """Only the newest messages as rows again (`TranscriptModel.hide_older`) once older
        ones were brought in, but none of the rows from the first one `keep_rows` names on."""
        model = self.model()
        if not isinstance(model, TranscriptModel) or model.rowCount() <= model.window + REVEAL_STEP:
            return  # a few rows more are cheap; each message sent would shift the rest a row
        kept = [row for keep in self.keep_rows if (row := keep()) is not None]
        kept.append(self.text_selection.selected_row())
        if model.hide_older(min((row for row in kept if row is not None), default=None)):
            # At the end now: the top of what is left must not bring older rows in again.
            self.release_hold()
            self._at_bottom = True
            QAbstractItemView.scrollToBottom(self)  # type: ignore[arg-type]

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Home / Ctrl+Home: the first message of the conversation, not the first row.
        if cursorAction == QAbstractItemView.CursorAction.MoveHome:
            self.reveal_all_older()
        elif cursorAction == QAbstractItemView.CursorAction.MoveEnd:
            self.back_to_window()  # the last row is then the last message still
        return super().moveCursor(cursorAction, modifiers)  # type: ignore[misc]

    def _on_bar_action(self, action: int) -> None:
        """The reader scrolls with the bar, the wheel or keys (an action of the scroll bar)."""
        from chatdesk.ui.qt.widgets import QAbstractSlider  # built when first scrolled

        self.release_hold()
        bar = self.verticalScrollBar()
        actions = QAbstractSlider.SliderAction
        dragged = action == actions.SliderMove.value and bar.isSliderDown()
        at = bar.sliderPosition()
        to_top = action == actions.SliderToMinimum.value or (dragged and at <= bar.minimum())
        to_end = action == actions.SliderToMaximum.value or (dragged and at >= bar.maximum())
        model = self.model()
        if to_top and isinstance(model, TranscriptModel) and model.hidden:
            # After this action has moved the bar; before the step-wise reveal `_on_scrolled`
            # asks for, which then finds nothing left to bring in.
            QTimer.singleShot(0, self.go_to_start)
        elif to_end:
            QTimer.singleShot(0, self.scrollToBottom)  # after the bar has moved

    def go_to_start(self) -> None:
        """The first message of the conversation at the top, every older message a row."""
        self.reveal_all_older()
        bar = self.verticalScrollBar()
        bar.setValue(bar.minimum())

    def reveal_all_older(self) -> None:
        model = self.model()
        if isinstance(model, TranscriptModel) and model.hidden:
            model.reveal_older(model.hidden)
            self.executeDelayedItemsLayout()

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._at_bottom = value >= bar.maximum() - 4
        model = self.model()
        if value <= bar.minimum() and isinstance(model, TranscriptModel) and model.hidden:
            # At the top of a long conversation: bring in older messages, after this event.
            QTimer.singleShot(0, self.reveal_older)

    def reveal_older(self) -> None:
        """Show the next older messages above, keeping what is on screen where it is."""
        model = self.model()
        bar = self.verticalScrollBar()
        if not isinstance(model, TranscriptModel) or bar.value() > bar.minimum():
            return
        from_bottom = bar.maximum() - bar.value()
        if model.reveal_older(REVEAL_STEP):
            self.executeDelayedItemsLayout()
            bar.setValue(bar.maximum() - from_bottom)

    def show_history_index(self, index: int, occurrence: int | None = None) -> int | None:
        """Scroll to the message at history index `index` (older rows brought in as needed),
        to the line of its `occurrence`-th find match when given, and make it current.
        Returns its row, or None when there is no such message."""
        model = self.model()
        if not isinstance(model, TranscriptModel) or not 0 <= index < len(model.conversation or ()):
            return None
        if index < model.hidden:
            model.reveal_older(model.hidden - index)
        row = index - model.hidden
        self.executeDelayedItemsLayout()
        target = model.index(row)
        self.setCurrentIndex(target)
        self.scrollTo(target, QAbstractItemView.ScrollHint.PositionAtTop)
        marks = self._delegate.find_marks(model.message(row).uid)
        if occurrence is not None and marks is not None:
            self._scroll_to_occurrence(target, marks, occurrence)
        self._at_bottom = False  # a streaming reply must not pull the reader away from it
        self.hold(target)
        return row

    def scroll_anchor(self) -> ScrollAnchor:
        """Where the reader is, as a message and an offset (see `ScrollAnchor`)."""
        from chatdesk.core.session_state import ScrollAnchor

        model = self.model()
        if not isinstance(model, TranscriptModel) or self._at_bottom or not model.rowCount():
            return ScrollAnchor()
        top = self.indexAt(QPoint(MARGIN_X + 1, 0))
        if not top.isValid():
            return ScrollAnchor()
        offset = max(-self.visualRect(top).top(), 0)
        return ScrollAnchor(model.history_index(top.row()), offset, at_end=False)

    def restore_anchor(self, anchor: ScrollAnchor) -> None:
        """Scroll back to `anchor`, bringing in older rows as needed; a message that is gone
        (the file changed) scrolls to the nearest one."""
        model = self.model()
        if not isinstance(model, TranscriptModel) or not model.rowCount():
            return
        if anchor.at_end:
            self._at_bottom = True
            self.scrollToBottom()
            return
        index = min(anchor.index, model.hidden + model.rowCount() - 1)
        if index < model.hidden:
            model.reveal_older(model.hidden - index)
        target = model.index(index - model.hidden)
        self._delegate.measure(target, now=True)  # the offset is into its exact height
        self.scheduleDelayedItemsLayout()
        self.executeDelayedItemsLayout()
        self.scrollTo(target, QAbstractItemView.ScrollHint.PositionAtTop)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.visualRect(target).top() + anchor.offset)
        self._at_bottom = bar.value() >= bar.maximum() - 4
        if not self._at_bottom:
            self.hold(target)

    def _scroll_to_occurrence(self, target: QModelIndex, marks: FindMarks, occurrence: int) -> None:
        """Within a card taller than the viewport: bring the match's line to a third down."""
        rect = self.visualRect(target)
        viewport = self.viewport().height()
        if rect.height() <= viewport:
            return
        metrics = self._delegate.metrics()
        body_top = MARGIN_Y + PAD + metrics.fm.height() + GAP
        width = max(rect.width() - 2 * (MARGIN_X + PAD), 40)
        message = self.transcript().message(target.row())
        body = self._delegate.body(message, width, is_dark(self.palette()))
        y = body.occurrence_top(marks, occurrence)
        if y is None:
            return
        # The card's height was an estimate: lay the list out with the one now known.
        self._delegate.measure(target, now=True)
        self.scheduleDelayedItemsLayout()
        self.executeDelayedItemsLayout()
        rect = self.visualRect(target)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() + body_top + round(y) - viewport // 3)

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        # Follow a growing reply only when the reader was already at the end.
        if self._at_bottom:
            self.verticalScrollBar().setValue(maximum)
