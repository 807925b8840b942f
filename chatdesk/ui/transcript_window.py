"""Which stretch of a conversation's history the transcript's model has as rows, for
`TranscriptModel`: `hidden` messages above the rows and `below` under them are not rows.

QListView lays out every row it has on each insert or size change (2-3 s for 100,000 rows),
so a long conversation is never all rows: it opens with its newest `window` messages, the
view brings neighbours in as the reader scrolls and lets the far side go, and jumps (the start,
the end, a far match) replace the rows with a few screens' worth elsewhere (`show_at`). Each of
these costs a layout of the rows there are, a few hundred at most, whatever the history's
length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.ui.qt.core import QModelIndex

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation


class RowWindow:
    """Mixed into TranscriptModel: `self` is the model (a QAbstractListModel)."""

    _hidden: int  # the oldest messages, not (yet) rows
    _below: int  # the newest messages, not rows (after a jump to the start)
    _window: int | None  # how many rows a long conversation opens with
    _conv: Conversation | None

    if TYPE_CHECKING:

        def _require(self) -> Conversation: ...
        def rowCount(self, parent: QModelIndex = ...) -> int: ...
        def beginInsertRows(self, parent: QModelIndex, first: int, last: int) -> None: ...
        def endInsertRows(self) -> None: ...
        def beginRemoveRows(self, parent: QModelIndex, first: int, last: int) -> None: ...
        def endRemoveRows(self) -> None: ...

    @property
    def hidden(self) -> int:
        """How many of the oldest messages are not rows yet."""
        return self._hidden

    @property
    def below(self) -> int:
        """How many of the newest messages are not rows (the rows end before the history)."""
        return self._below

    @property
    def window(self) -> int:  # how many rows a long conversation opens with
        return self._window or len(self._conv or ())

    def history_index(self, row: int) -> int:
        """The index into the conversation's history of a row."""
        return row + self._hidden

    def reveal_older(self, count: int) -> int:
        """Make up to `count` older messages rows (inserted at the top); how many were."""
        n = min(count, self._hidden)
        if n > 0:
            self.beginInsertRows(QModelIndex(), 0, n - 1)
            self._hidden -= n
            self.endInsertRows()
        return n

    def hide_older(self, keep_from: int | None = None, keep: int | None = None) -> int:
        """Drop rows at the top down to `keep` rows (default: the `window`), never row
        `keep_from` or any after it; how many went. (Each message added lays out every row:
        1-1.5 s at 100,000 rows.)"""
        n = self.rowCount() - (self.window if keep is None else keep)
        n = n if keep_from is None else min(n, keep_from)
        if n <= 0:
            return 0
        self.beginRemoveRows(QModelIndex(), 0, n - 1)
        self._hidden += n
        self.endRemoveRows()
        return n

    def reveal_newer(self, count: int) -> int:
        """Make up to `count` of the messages `below` rows (added at the end); how many were."""
        n = min(count, self._below)
        if n > 0:
            rows = self.rowCount()
            self.beginInsertRows(QModelIndex(), rows, rows + n - 1)
            self._below -= n
            self.endInsertRows()
        return n

    def hide_newer(self, keep: int, keep_to: int | None = None) -> int:
        """Drop rows at the end down to `keep` rows, never row `keep_to` or any before it;
        how many went."""
        rows = self.rowCount()
        first = max(keep, 0 if keep_to is None else keep_to + 1)
        if first >= rows:
            return 0
        self.beginRemoveRows(QModelIndex(), first, rows - 1)
        self._below += rows - first
        self.endRemoveRows()
        return rows - first

    def show_at(self, first: int, count: int | None = None) -> bool:
        """Rows from history index `first` on, `count` of them (default: the `window`; the
        last ones when fewer follow): the rows there go and these come (a layout of these
        rows, not of the messages between). False when they are the rows already."""
        conv = self._require()
        count = min(self.window if count is None else count, len(conv))
        first = max(0, min(first, len(conv) - count))
        if (first, len(conv) - first - count) == (self._hidden, self._below):
            return False
        rows = self.rowCount()
        if rows:
            self.beginRemoveRows(QModelIndex(), 0, rows - 1)
            self._below += rows
            self.endRemoveRows()
        if count:
            self.beginInsertRows(QModelIndex(), 0, count - 1)
        self._hidden, self._below = first, len(conv) - first - count
        if count:
            self.endInsertRows()
        return True

    def reveal(self, index: int) -> int:
        """Make history index `index` a row, bringing in the rows between (a few, as when an
        edit of a question that was a row is opened again); its row."""
        if index < self._hidden:
            self.reveal_older(self._hidden - index)
        elif index >= self._hidden + self.rowCount():
            self.reveal_newer(index - self._hidden - self.rowCount() + 1)
        return index - self._hidden
