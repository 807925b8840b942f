"""The transcript's scrolling (mixed into `TranscriptView`): following a growing reply,
bringing older messages in at the top, going to the start, to a message or a find match, and
the reader's position kept per conversation (`ScrollAnchor`).

A long conversation's rows are one stretch of it, a few hundred messages at most (see
`TranscriptModel`): QListView lays out every row it has on each insert or size change (it asks
each row's size), 2-3 s for 100,000 rows, so it never has them all. Scrolling up or down brings
the next `REVEAL_STEP` messages in at that edge, keeping what is on screen in place, and lets
the far edge's rows go beyond the window and a step (at most 700 rows). Asking for the start
itself (Home / Ctrl+Home, the scroll bar's thumb dragged to its top edge, its "Scroll to top")
makes the first `JUMP_ROWS` messages the rows (`show_at`), and the end (End / Ctrl+End, the
thumb at the bottom edge, "Scroll to bottom", a message added) the newest ones
(`back_to_window`), as does Find going far away: a jump costs about what a scroll step does,
whatever the conversation's length (`jump_scaling`: 100,000 messages vs 100). The scroll bar
spans the rows, so after Ctrl+Home its middle is the middle of the first few dozen messages,
not of the conversation. The row of a selection of text or of a question being edited in place
(`keep_rows`) never goes: then a jump brings in every message between (what every jump cost
before session 14); Find's current match is kept by its message, not its row.

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

# Messages brought in at a time when the reader scrolls to the top or the bottom of the rows.
REVEAL_STEP = 200
# The rows a jump makes (to the start, the end, a far match): a few screens' worth, laid out in
# about the time a scroll step takes; more come as the reader scrolls on.
JUMP_ROWS = 60


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

    def _kept_rows(self) -> list[int]:
        """The rows that must stay rows now (`keep_rows`, the selection of text)."""
        kept = [keep() for keep in self.keep_rows]
        kept.append(self.text_selection.selected_row())
        return [row for row in kept if row is not None]

    def back_to_window(self) -> None:
        """Only the newest messages as rows again (`TranscriptModel.hide_older`, or `show_at`
        when the rows end above them), but none of the rows from the first one `keep_rows`
        names on."""
        model = self.model()
        if not isinstance(model, TranscriptModel):
            return
        if not model.below and model.rowCount() <= model.window + REVEAL_STEP:
            return  # a few rows more are cheap; each message sent would shift the rest a row
        kept = self._kept_rows()
        if not model.below:
            changed = model.hide_older(min(kept, default=None)) > 0
        elif not kept:
            changed = model.show_at(len(model.conversation or ()), JUMP_ROWS)
        else:  # the rows between the kept one and the end come in: rare, and what it cost
            model.hide_older(min(kept), keep=0)
            changed = model.reveal_newer(model.below) > 0
        if changed:
            # At the end now: the top of what is left must not bring older rows in again.
            self.release_hold()
            self._at_bottom = True
            self.executeDelayedItemsLayout()
            QAbstractItemView.scrollToBottom(self)  # type: ignore[arg-type]

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Home / Ctrl+Home: the first message of the conversation, not the first row; End the
        # last. Named here: when the rows were replaced, there is no current row to go from
        # (QListView would go to the first row).
        # The bar is moved after Qt's own scroll to the new current row: that puts a row taller
        # than the viewport at its top (Ctrl+End showed a long last reply's first lines), and
        # does nothing when the row was current already (Ctrl+Home stayed at the bottom).
        actions = QAbstractItemView.CursorAction
        model = self.model()
        if cursorAction == actions.MoveHome and isinstance(model, TranscriptModel):
            self.show_start()
            QTimer.singleShot(0, self, self.go_to_start)
            return model.index(0, 0)
        if cursorAction == actions.MoveEnd and isinstance(model, TranscriptModel):
            self.back_to_window()
            QTimer.singleShot(0, self, self.scrollToBottom)
            return model.index(model.rowCount() - 1, 0)
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
        """The first message of the conversation at the top (`show_start`)."""
        self.show_start()
        bar = self.verticalScrollBar()
        bar.setValue(bar.minimum())

    def show_start(self) -> None:
        """The conversation's first messages as the rows."""
        model = self.model()
        if isinstance(model, TranscriptModel) and model.hidden:
            if self._kept_rows():  # the rows between come in too: rare, and what it cost
                model.reveal_older(model.hidden)
            else:
                model.show_at(0, JUMP_ROWS)
            self.executeDelayedItemsLayout()

    def _at_end(self, value: int) -> bool:
        """Whether the bar at `value` shows the conversation's end (not only the rows')."""
        model = self.model()
        below = model.below if isinstance(model, TranscriptModel) else 0
        return not below and value >= self.verticalScrollBar().maximum() - 4

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._at_bottom = self._at_end(value)
        model = self.model()
        if not isinstance(model, TranscriptModel):
            return
        # At the top or the bottom of the rows: bring in the next messages, after this event.
        if value <= bar.minimum() and model.hidden:
            QTimer.singleShot(0, self.reveal_older)
        elif value >= bar.maximum() and model.below:
            QTimer.singleShot(0, self.reveal_newer)

    def reveal_older(self) -> None:
        """Show the next older messages above, keeping what is on screen where it is; the
        rows at the bottom beyond the window and a step go."""
        model = self.model()
        bar = self.verticalScrollBar()
        if not isinstance(model, TranscriptModel) or bar.value() > bar.minimum():
            return
        from_bottom = bar.maximum() - bar.value()
        if model.reveal_older(REVEAL_STEP):
            self.executeDelayedItemsLayout()
            bar.setValue(bar.maximum() - from_bottom)
            # (What goes is below the viewport: what is on screen stays where it is.)
            if model.hide_newer(model.window + REVEAL_STEP, max(self._kept_rows(), default=None)):
                self.executeDelayedItemsLayout()

    def reveal_newer(self) -> None:
        """Show the next newer messages below (after a jump to the start), keeping what is on
        screen where it is; the rows at the top beyond the window and a step go."""
        model = self.model()
        bar = self.verticalScrollBar()
        if not isinstance(model, TranscriptModel) or bar.value() < bar.maximum():
            return
        if model.reveal_newer(REVEAL_STEP):
            self.executeDelayedItemsLayout()
            from_bottom = bar.maximum() - bar.value()
            keep = min(self._kept_rows(), default=None)
            if model.hide_older(keep, model.window + REVEAL_STEP):
                self.executeDelayedItemsLayout()
                bar.setValue(bar.maximum() - from_bottom)
            self._at_bottom = self._at_end(bar.value())

    def _bring_in(self, index: int) -> int:
        """Make history index `index` a row: the rows between it and the rows there are, when
        it is near them or a row is kept; else a window's worth around it. Its row."""
        model = self.model()
        assert isinstance(model, TranscriptModel)
        first, end = model.hidden, model.hidden + model.rowCount()
        far = index < first - REVEAL_STEP or index >= end + REVEAL_STEP
        if far and not self._kept_rows():
            model.show_at(index - JUMP_ROWS // 2, JUMP_ROWS)
        return model.reveal(index)

    def show_history_index(self, index: int, occurrence: int | None = None) -> int | None:
        """Scroll to the message at history index `index` (older rows brought in as needed),
        to the line of its `occurrence`-th find match when given, and make it current.
        Returns its row, or None when there is no such message."""
        model = self.model()
        if not isinstance(model, TranscriptModel) or not 0 <= index < len(model.conversation or ()):
            return None
        row = self._bring_in(index)
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
        index = min(anchor.index, len(model.conversation or ()) - 1)
        target = model.index(self._bring_in(index))
        self._delegate.measure(target, now=True)  # the offset is into its exact height
        self.scheduleDelayedItemsLayout()
        self.executeDelayedItemsLayout()
        self.scrollTo(target, QAbstractItemView.ScrollHint.PositionAtTop)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.visualRect(target).top() + anchor.offset)
        self._at_bottom = self._at_end(bar.value())
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
