"""Saving a reply into its conversation file while it streams, never over another's changes.

`chatdesk send` keeps the file up to date as the reply arrives (at most once a second, each write
atomic, the reply marked incomplete until it ends), so a killed `send` leaves what had streamed,
as the window's recovery copy does. Before each write the file is compared with what was read
(`DiskState`). If another program changed it meanwhile:

- only settings changed (title, parameters, draft: the messages are those chatdesk last saw
  there): the reply is added to the file as it is now, keeping the other's changes (a merge);
- the messages changed too (a window saved another exchange): the file is left alone and the
  conversation with the reply is written beside it as ``<name>.reply-<time>.json``.

Nothing is overwritten silently; `saved_to`, `merged` and `copy` tell the caller what to say.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import ChangedOnDisk, DiskState
from chatdesk.core.fileformat import (
    ConversationFileError,
    Opened,
    load_conversation,
    save_conversation,
    to_document,
)
from chatdesk.core.messages import Message

PARTIAL_INTERVAL_S = 1.0  # how often a streaming reply is written to the file


class ReplyFile:
    """The conversation of `opened` (read from `path`) with one reply added and kept saved."""

    def __init__(
        self, path: str | os.PathLike[str], opened: Opened,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.path = Path(path)
        self.conversation: Conversation = opened.conversation
        self._disk = opened.disk
        self._written = _messages(self.conversation)  # what the file held as we last saw it
        self._reply_in_file = False
        self._clock = clock
        self._last = clock()
        self._index: int | None = None  # the reply's place in the history, once added
        self.saved_to: Path | None = None  # where the reply is saved, once it is
        self.merged = False  # the file changed meanwhile; the reply was added to its new state
        self.copy: Path | None = None  # the file changed meanwhile; the reply went here
        self.error: OSError | None = None  # the last write failed (the reply is not saved)

    def due(self) -> bool:
        """Whether a partial reply should be written now (cheap: call it per chunk)."""
        return self._clock() - self._last >= PARTIAL_INTERVAL_S

    def write(self, reply: Message) -> bool:
        """Put `reply` in the conversation (added the first time, replaced after) and save;
        False (and `error`) on a disk error."""
        self._last = self._clock()
        if self._index is None:
            self._index = self.conversation.append(reply)
        else:
            self.conversation.remove(self._index)
            self.conversation.insert(self._index, [reply])
        target = self.copy or self.path
        try:
            try:
                self._disk = save_conversation(self.conversation, target, self._expect(target))
            except ChangedOnDisk:
                target = self._reconcile()
                self._disk = save_conversation(self.conversation, target, self._expect(target))
        except OSError as exc:
            self.error = exc
            return False
        self.error = None
        self.saved_to = target
        if target == self.path:
            self._written = _messages(self.conversation)
            self._reply_in_file = True
        return True

    def _expect(self, target: Path) -> DiskState | None:
        return self._disk if target == self.path else None

    def _reconcile(self) -> Path:
        """The file changed on disk: merge into it if only settings changed, else use a copy."""
        try:
            now = load_conversation(self.path)
        except ConversationFileError:
            now = None
        assert self._index is not None
        reply = self.conversation[self._index]
        if now is not None and _messages(now.conversation) == self._written:
            self.conversation = now.conversation
            if self._reply_in_file:  # the reply saved so far is still there: replace it
                self.conversation.remove(self._index)
                self.conversation.insert(self._index, [reply])
            else:
                self._index = self.conversation.append(reply)
            self._disk = now.disk
            self.merged = True
            return self.path
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = self.path.name.removesuffix(".json")
        self.copy = self.path.with_name(f"{name}.reply-{stamp}.json")
        return self.copy


def _messages(conv: Conversation) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = to_document(conv)["messages"]
    return messages
