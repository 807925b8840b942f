"""The Qt list model of one conversation's history: one row per message.

The model owns history mutations (append, remove, truncate, content edits) so that each one
reaches views as the smallest notification that describes it: one inserted row, one changed
row. Nothing here walks the whole history on a change, so a streamed chunk costs the same on a
5,000-message conversation as on an empty one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import shiboken6

from chatdesk.core.cards import shown_text
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.ui import roles, transcript_rows
from chatdesk.ui.qt.core import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from chatdesk.ui.transcript_rows import ROLE_LABELS, Badge, Roles, badges, heading
from chatdesk.ui.transcript_streaming import StreamingRow
from chatdesk.ui.transcript_window import RowWindow

__all__ = ["ROLE_LABELS", "Badge", "Roles", "TranscriptModel", "badges", "heading"]

if TYPE_CHECKING:
    from chatdesk.core.pricing import Cost, PriceBook
    from chatdesk.core.trimming import TokenLedger
    from chatdesk.ui.qt.core import Qt

_Index = QModelIndex | QPersistentModelIndex


def _shifted(streaming: int | None, index: int, count: int) -> int | None:
    """The streaming message's history index after `count` messages went in at `index`."""
    return streaming + count if streaming is not None and streaming >= index else streaming


# What a content edit changes; the token count follows the content.
_CONTENT_ROLES = [roles.DISPLAY, Roles.Content, Roles.Tokens, roles.ACCESSIBLE_TEXT]


class TranscriptModel(StreamingRow, RowWindow, QAbstractListModel):
    """Rows are the history of one Conversation; mutate it through this model.

    A long conversation opens with only its newest `window` messages as rows. The rows are
    always one stretch of the history: `hidden` messages above them and `below` under them
    are not rows. The view brings neighbours in as the reader scrolls (`reveal_older`,
    `reveal_newer`), lets the far side go (`hide_newer`, `hide_older`), and jumps with
    `show_at` (the start, the end, a far find match): a few screens of rows, so opening,
    adding a message and going anywhere cost the same for 100,000 messages as for 300.
    Names keep the two apart: an `index` is a position in the conversation's history (what
    mutators take; what the session, the ledger and the file use), a `row` a row of this
    model, `hidden` fewer (`history_index(row)`). `message`, `is_sent`, `streaming_row`
    and `last_assistant_row` answer in rows (the last two may name a row past the last one
    while the newest messages are `below`).

    Changes made to the conversation behind the model's back are still seen (it subscribes),
    but only as a reset: correct, not cheap.

    Signals: appending() just before a message is added at the end (not yet a row).
    """

    appending = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conv: Conversation | None = None
        self._ledger: TokenLedger | None = None
        self._estimate = False  # the ledger's model is a guess: its counts are estimates
        self._first_sent = 0
        self._streaming: int | None = None
        self._streaming_since = 0.0  # time.monotonic() when the reply was asked for
        self._retry_at: float | None = None  # when a failed attempt is sent again
        self._last_assistant: int | None = -1  # -1: not computed yet
        self._mutating = False
        self._hidden = 0  # the oldest messages, not (yet) rows
        self._below = 0  # the newest messages, not rows (after a jump to the start)
        self._window: int | None = None  # how many rows a long conversation opens with
        self.prices: PriceBook | None = None  # for each reply's cost, at its deployment
        self._reasoning_shown: set[int] = set()  # uids of replies whose Reasoning is open

    # -- the conversation --------------------------------------------------------------------
    @property
    def conversation(self) -> Conversation | None:
        return self._conv

    @property
    def ledger(self) -> TokenLedger | None:
        return self._ledger

    @property
    def first_sent(self) -> int:
        """The first row sent with the next request (negative: every row is)."""
        return self._first_sent - self._hidden

    def add_older(self, older: Conversation) -> None:
        """Put `older`'s messages before the conversation's as rows not shown yet, and take its
        system message and examples (the rest of a file read newest first); no row changes."""
        conv = self._require()
        with self._mutate():
            n = conv.take_older(older)
        self._hidden += n
        self._first_sent += n
        if self._streaming is not None:
            self._streaming += n
        self._last_assistant = -1

    def set_conversation(
        self,
        conversation: Conversation | None,
        ledger: TokenLedger | None = None,
        window: int | None = None,
    ) -> None:
        """Show `conversation`; with `window`, only its newest `window` messages at first."""
        self.beginResetModel()
        length = len(conversation) if conversation is not None else 0
        self._hidden = max(0, length - window) if window else 0
        self._below = 0
        self._window = window
        if self._conv is not None:
            self._conv.unsubscribe(self._on_history_changed)
        self._conv = conversation
        self._ledger = ledger
        self._first_sent = 0
        self._streaming = None
        self._last_assistant = -1
        if conversation is not None:
            conversation.subscribe(self._on_history_changed)
        self.endResetModel()

    def tokens_estimated(self, row: int) -> bool:
        """Whether the count of `row` (`Roles.Tokens`) is an estimate, as the meter says of
        the request's: the model is a guess, or the message holds what is estimated (an image
        of detail "auto", tool calls)."""
        ledger, conv = self._ledger, self._conv
        index = row + self._hidden
        if ledger is None or conv is None or index >= len(conv):
            return False
        return self._estimate or bool(ledger.counter.estimate_reasons(conv[index]))

    def set_ledger(self, ledger: TokenLedger | None, estimate: bool = False) -> None:
        """Count tokens with another ledger (the model behind the deployment changed);
        `estimate`: every count is one (the model is a guess), as the meter says."""
        self._ledger = ledger
        self._estimate = estimate
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1), [Roles.Tokens])

    def set_prices(self, prices: PriceBook | None) -> None:
        """Price replies from `prices` (None: show no cost); rows on screen are re-measured."""
        if prices == self.prices:
            return
        self.prices = prices
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1), [])

    def reply_cost(self, message: Message) -> Cost | None:
        """What the reply `message` cost, each request of it at the prices of the profile and
        deployment that made it (see `PriceBook`); None when not priced."""
        return self.prices.cost(message) if self.prices is not None else None

    def message(self, row: int) -> Message:
        assert self._conv is not None
        return self._conv[row + self._hidden]

    def last_assistant_row(self) -> int | None:
        """The row of the newest assistant message (what Regenerate replaces), cached."""
        if self._last_assistant == -1:
            self._last_assistant = None
            conv = self._conv
            for index in range(len(conv) - 1, -1, -1) if conv is not None else ():
                if conv[index].role == "assistant":
                    self._last_assistant = index
                    break
        found = self._last_assistant
        return None if found is None or found < self._hidden else found - self._hidden

    def _on_history_changed(self, index: int) -> None:
        # Someone changed the conversation directly; the listener cannot say how, so reset.
        if self._mutating or not shiboken6.isValid(self):
            return
        self.beginResetModel()
        self._streaming = None
        self._last_assistant = -1
        self._first_sent = min(self._first_sent, len(self._conv or ()))
        self._hidden = min(self._hidden, len(self._conv or ()))
        self._below = min(self._below, len(self._conv or ()) - self._hidden)
        self.endResetModel()

    @contextmanager
    def _mutate(self) -> Iterator[None]:
        """Marks a change made through the model, so its own conversation listener ignores it."""
        self._mutating = True
        try:
            yield
        finally:
            self._mutating = False

    # -- structure ---------------------------------------------------------------------------
    def append(self, message: Message) -> int:
        """Add a message at the end; returns its history index."""
        conv = self._require()
        index = len(conv)
        self.appending.emit()  # the view may take older rows away first (`hide_older`)
        if self._below:  # no view brought the end back: the newest rows, then this one
            self.show_at(index)
        row = index - self._hidden
        self.beginInsertRows(QModelIndex(), row, row)
        with self._mutate():
            conv.append(message)
        if message.role == "assistant":
            self._last_assistant = index
        self.endInsertRows()
        return index

    def remove(self, index: int) -> Message:
        conv = self._require()
        after = index >= self._hidden + self.rowCount()
        shown = index >= self._hidden and not after
        if shown:
            self.beginRemoveRows(QModelIndex(), index - self._hidden, index - self._hidden)
        with self._mutate():
            message = conv.remove(index)
        if after:
            self._below -= 1
        elif not shown:
            self._hidden -= 1  # the rows stay the same messages
        self._first_sent -= index < self._first_sent  # every other message keeps its status
        self._streaming = transcript_rows.shift_after_remove(self._streaming, index, index)
        self._last_assistant = -1
        if shown:
            self.endRemoveRows()
        return message

    def remove_range(self, index: int, count: int) -> list[Message]:
        """Remove history[index:index + count] (Delete, Clear conversation); their rows go."""
        conv = self._require()
        count = min(count, len(conv) - index)
        if count <= 0:
            return []
        shown_from = max(index, self._hidden)
        last = index + count - 1
        end = self._hidden + self.rowCount()  # the first history index below the rows
        shown_to = min(last, end - 1)
        if shown_from <= shown_to:
            self.beginRemoveRows(QModelIndex(), shown_from - self._hidden, shown_to - self._hidden)
        with self._mutate():
            removed = conv.remove_range(index, count)
        self._below -= max(0, last + 1 - max(index, end))
        # Each boundary moves up by the removed messages that were before it.
        self._hidden -= max(0, min(self._hidden, last + 1) - index)
        self._first_sent -= max(0, min(self._first_sent, last + 1) - index)
        self._streaming = transcript_rows.shift_after_remove(self._streaming, index, last)
        self._last_assistant = -1
        if shown_from <= shown_to:
            self.endRemoveRows()
        return removed

    def insert(self, index: int, messages: list[Message]) -> None:
        """Put `messages` back at `index` as rows (undoing a removal)."""
        conv = self._require()
        if not messages:
            return
        index = min(index, len(conv))
        row = max(index - self._hidden, 0)
        if index < self._hidden:  # before the rows shown: they are shown from here on
            self.beginResetModel()
            with self._mutate():
                conv.insert(index, messages)
            self._hidden = index
            self._last_assistant = -1
            self.endResetModel()
            return
        if index > self._hidden + self.rowCount():  # among the messages below the rows
            with self._mutate():
                conv.insert(index, messages)
            self._below += len(messages)
            self._last_assistant = -1
            self._streaming = _shifted(self._streaming, index, len(messages))
            return
        self.beginInsertRows(QModelIndex(), row, row + len(messages) - 1)
        with self._mutate():
            conv.insert(index, messages)
        if self._streaming is not None and self._streaming >= index:
            self._streaming += len(messages)
        self._last_assistant = -1
        self.endInsertRows()

    def truncate(self, index: int) -> list[Message]:
        """Remove history[index:] (edit-and-resend and regenerate replace the later turns)."""
        conv = self._require()
        if index >= len(conv):
            return []
        first_row = max(index - self._hidden, 0)
        last_row = self.rowCount() - 1
        end = self._hidden + self.rowCount()  # the first history index below the rows
        if first_row <= last_row:
            self.beginRemoveRows(QModelIndex(), first_row, last_row)
        with self._mutate():
            dropped = conv.truncate(index)
        self._below = max(0, index - end)
        self._hidden = min(self._hidden, index)
        self._first_sent = min(self._first_sent, index)
        last = index + len(dropped) - 1
        self._streaming = transcript_rows.shift_after_remove(self._streaming, index, last)
        self._last_assistant = -1
        if first_row <= last_row:
            self.endRemoveRows()
        return dropped

    def replace_tail(self, index: int, messages: list[Message]) -> list[Message]:
        """history[index:] becomes `messages` (another version of a turn: core/alternatives.py);
        returns what was there. Rows removed, then rows inserted: the ledger and the views
        hear about history[index:] only."""
        dropped = self.truncate(index)
        conv = self._require()
        if messages and self._below:  # the rows end above `index`: these are below them too
            with self._mutate():
                for message in messages:
                    conv.append(message)
            self._below += len(messages)
            self._last_assistant = -1
        elif messages:
            first = len(conv) - self._hidden
            self.beginInsertRows(QModelIndex(), first, first + len(messages) - 1)
            with self._mutate():
                for message in messages:
                    conv.append(message)
            self._last_assistant = -1
            self.endInsertRows()
        return dropped

    # -- one row -----------------------------------------------------------------------------
    def append_content(self, index: int, delta: str) -> None:
        """Add a streamed delta to history[index]: one dataChanged for its row, whatever the
        history's length."""
        with self._mutate():
            self._require().append_content(index, delta)
        self._row_changed(index, _CONTENT_ROLES)

    def set_content(self, index: int, text: str) -> None:
        with self._mutate():
            self._require().set_content(index, text)
        self._row_changed(index, _CONTENT_ROLES)

    def reasoning_shown(self, row: int) -> bool:
        """Whether the row's Reasoning part is open."""
        return self.message(row).uid in self._reasoning_shown

    def toggle_reasoning(self, row: int) -> None:
        """Open or close the row's Reasoning part (a view state, not saved)."""
        self._reasoning_shown ^= {self.message(row).uid}
        self._row_changed(row + self._hidden, [roles.ACCESSIBLE_DESCRIPTION])

    def reasoning_changed(self, index: int) -> None:
        """A streamed piece of history[index]'s reasoning summary was added to its metadata:
        one dataChanged for that row (the ledger does not count reasoning)."""
        self._row_changed(index, [roles.ACCESSIBLE_DESCRIPTION])

    def set_meta_changed(self, index: int) -> None:
        """Tell views and the ledger history[index]'s meta (finish reason, usage, filters, error,
        `include`) was updated in place. Whether the rows of its turn are sent may change
        with it (core/sending.py): they are all told, a turn's worth, not the history."""
        conv = self._require()
        with self._mutate():
            conv.meta_changed(index)
        self._turn_changed(index)

    def _turn_changed(self, index: int) -> None:
        """One dataChanged for the rows of history[index]'s turn (whether they are sent)."""
        conv = self._require()
        first = last = index
        while first > 0 and conv[first].role != "user":
            first -= 1
        while last + 1 < len(conv) and conv[last + 1].role != "user":
            last += 1
        top, bottom = max(first - self._hidden, 0), min(last - self._hidden, self.rowCount() - 1)
        if top <= bottom:
            self.dataChanged.emit(
                self.index(top), self.index(bottom),
                [Roles.Meta, Roles.Sent, roles.ACCESSIBLE_DESCRIPTION],
            )  # fmt: skip

    def set_error(self, index: int, text: str | None, code: str | None = None) -> None:
        """The failure of the request `index` belongs to (None: cleared), with the API's
        error code (content_filter: Azure's prompt filter blocked it)."""
        meta = self._require()[index].meta
        meta.error, meta.error_code = text, code if text else None
        self.set_meta_changed(index)

    def set_include(self, index: int, include: bool | None) -> None:
        """ "Include again" (True), "Leave out" (False), or back to the rule (None): the
        conversation's choice (core), its turn's rows told. The session's undoable step."""
        with self._mutate():
            self._require().set_include(index, include)
        self._turn_changed(index)

    def left_out(self, index: int) -> str | None:
        """Why history[index] is not sent though trimming keeps it: "you" (Leave out),
        "question" (a reply whose question was left out), or the rule's reason
        (sending.FAILED, BLOCKED, STOPPED); None when it is sent."""
        ledger = self._ledger
        return None if ledger is None else ledger.why_left_out(index)

    def is_sent(self, row: int) -> bool:
        """Row `row` goes with the next request: trimming keeps it and it is not left out."""
        index = row + self._hidden
        return index >= self._first_sent and self.left_out(index) is None

    def set_first_sent(self, index: int) -> None:
        """Messages before `index` are left out of the next request (the plan's first_sent)."""
        n = self.rowCount()
        old, self._first_sent = self._first_sent, index
        # Only the rows between the old and the new boundary flip: one contiguous range.
        top = max(min(old, index) - self._hidden, 0)
        bottom = min(max(old, index) - self._hidden, n) - 1
        if top <= bottom:
            self.dataChanged.emit(
                self.index(top), self.index(bottom),
                [Roles.Sent, roles.ACCESSIBLE_DESCRIPTION],
            )  # fmt: skip

    def _row_changed(self, history_index: int, roles: list[Any]) -> None:
        row = history_index - self._hidden
        if 0 <= row < self.rowCount():  # a message that is not a row has nobody to tell
            index = self.index(row)
            self.dataChanged.emit(index, index, roles)

    def _require(self) -> Conversation:
        if self._conv is None:
            raise RuntimeError("the transcript model has no conversation")
        return self._conv

    # -- Qt ----------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._conv is None:
            return 0
        return len(self._conv) - self._hidden - self._below

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = roles.DISPLAY) -> Any:
        conv = self._conv
        if conv is None or not index.isValid():
            return None
        row = index.row() + self._hidden  # the history index, from here on
        if row >= len(conv):
            return None
        message = conv[row]
        if role in (roles.DISPLAY, Roles.Content):
            return shown_text(message)
        if role == Roles.Role:
            return message.role
        if role == Roles.Name:
            return message.name
        if role == Roles.Tokens:
            return self._ledger.count(row) if self._ledger is not None else None
        if role == Roles.Meta:
            return message.meta
        if role == Roles.Sent:
            return row >= self._first_sent and self.left_out(row) is None
        if role == Roles.Streaming:
            return row == self._streaming
        if role == Roles.Uid:
            return message.uid
        if role == roles.ACCESSIBLE_TEXT:
            return f"{heading(message)}: {shown_text(message)}"
        if role == roles.ACCESSIBLE_DESCRIPTION:
            notes = badges(
                message, row >= self._first_sent, row == self._streaming, self.left_out(row),
                self.reasoning_shown(row), self.reply_room,
            )  # fmt: skip
            return ". ".join(b.text for b in notes)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in Roles:
            names[role.value] = QByteArray(role.name.lower().encode())
        return names
