"""The transcript's streaming row, for `TranscriptModel`: which message a reply is being
written into, since when, and the "Thinking… 0:42" / "Retrying in 2 s" label it shows."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from chatdesk.ui import transcript_rows
from chatdesk.ui.transcript_rows import Roles

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation


class StreamingRow:
    """Mixed into TranscriptModel: `self` is the model (its history index of the streaming
    message, `_streaming`, shifts with its edits)."""

    _streaming: int | None
    _streaming_since: float
    _retry_at: float | None
    _hidden: int
    # The reply limit in effect and the model's largest reply (`ChatSession.update_plan`):
    # what "Retry with N tokens" offers follows them (`core/usage.larger_limit`).
    reply_room: tuple[int, int | None] = (0, None)

    if TYPE_CHECKING:

        def _require(self) -> Conversation: ...

        def last_assistant_row(self) -> int | None: ...

        def _row_changed(self, history_index: int, roles: list[Any]) -> None: ...

    @property
    def streaming_row(self) -> int | None:
        return None if self._streaming is None else self._streaming - self._hidden

    def set_streaming(self, index: int | None) -> None:
        old, self._streaming = self._streaming, index
        self._streaming_since = time.monotonic()
        self._retry_at = None
        for changed in {old, index}:
            if changed is not None and changed < len(self._require()):
                self._row_changed(changed, [Roles.Streaming])

    def retrying(self, delay: float) -> None:
        """The streaming row's request failed and is sent again in `delay` seconds."""
        self._retry_at = time.monotonic() + delay
        if self._streaming is not None:
            self._row_changed(self._streaming, [Roles.Streaming])

    def streaming_label(self) -> str:
        """The streaming row's state (see `transcript_rows.streaming_label`), "" without one."""
        if self._streaming is None:
            return ""
        text = self._require()[self._streaming].content
        since, retry_at = self._streaming_since, self._retry_at
        return transcript_rows.streaming_label(bool(text), since, retry_at, time.monotonic())

    def tick_streaming(self) -> None:
        """Repaint the thinking clock of the streaming row; nothing once its text arrives."""
        if self._streaming is not None and not self._require()[self._streaming].content:
            self._row_changed(self._streaming, [Roles.Streaming])

    def set_reply_room(self, in_effect: int, max_output: int | None) -> None:
        """A new limit in effect (Max response tokens changed, another model): the newest
        reply's offer, if it has one, is shown again with it."""
        if (in_effect, max_output) == self.reply_room:
            return
        self.reply_room = (in_effect, max_output)
        row = self.last_assistant_row()
        if row is not None:
            self._row_changed(row + self._hidden, [])
