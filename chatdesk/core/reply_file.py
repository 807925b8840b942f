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

While the reply is on its way it carries this process's "writing" mark (a `pending` reply's
`MessageMeta.to_json`, `core/in_flight.py`), so a window or another `send` on the same file
refuses to send over it: `begin` saves the empty reply with its mark as the request
leaves, `refresh` writes it again when `in_flight.REFRESH_S` passed without a write (a
reasoning model thinking, a retry waiting: the window's rule), and the end writes the reply
without it. When nothing came back, `withdraw` puts the file back as it was, byte for byte.
A kill leaves the mark of a process that is gone: stale at once (`in_flight.live_elsewhere`).
Writes may come from two threads (the stream and the refresh): one at a time.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chatdesk.core.atomic import atomic_write_bytes, folder_lock
from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import ChangedOnDisk, DiskState, changed_since
from chatdesk.core.fileformat import (
    MAX_FILE_BYTES,
    ConversationFileError,
    Opened,
    load_conversation,
    save_conversation,
    to_document,
)
from chatdesk.core.in_flight import REFRESH_S
from chatdesk.core.messages import Message
from chatdesk.core.safe_read import read_regular

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
        self._reply: Message | None = None  # as last written
        self._before: bytes | None = None  # the file before `begin`: `withdraw` puts it back
        self._lock = threading.Lock()

    def due(self) -> bool:
        """Whether a partial reply should be written now (cheap: call it per chunk)."""
        return self._clock() - self._last >= PARTIAL_INTERVAL_S

    def begin(self, reply: Message) -> None:
        """Save `reply` (empty, `pending`: marked) as the request leaves, keeping the file's
        bytes for `withdraw`; nothing when a reply was written already (any thread: the
        caller runs it beside the request, since a whole-file write of a large conversation
        takes a second)."""
        with self._lock:
            if self._index is not None:
                return
            if self._disk is not None:
                try:
                    read = read_regular(self.path, MAX_FILE_BYTES)
                except OSError:
                    pass
                else:
                    if DiskState.read(read.data, read.mtime_ns, read.size) == self._disk:
                        self._before = read.data
            self._save(reply)

    def refresh(self) -> None:
        """Write the pending reply again when it was last written `REFRESH_S` ago or more, so
        that its mark's time says this process is still at it (any thread)."""
        with self._lock:
            reply = self._reply
            if reply is None or not reply.meta.pending or self._clock() - self._last < REFRESH_S:
                return
            self._save(reply)

    def write(self, reply: Message) -> bool:
        """Put `reply` in the conversation (added the first time, replaced after) and save;
        False (and `error`) on a disk error."""
        with self._lock:
            return self._save(reply)

    def _save(self, reply: Message) -> bool:
        self._last = self._clock()
        self._reply = reply
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

    def withdraw(self) -> None:
        """Nothing came back: take the reply out again, so that the file is as it was before
        `begin` (its very bytes when nothing else changed it; else the other program's
        changes stay, without the reply). A copy made for the reply is removed. A disk that
        refuses leaves the reply as it is: its mark is stale once this process ends."""
        with self._lock:
            if self._index is None:
                return
            self.conversation.remove(self._index)
            self._index, self._reply = None, None
            with contextlib.suppress(OSError):
                self._take_back()

    def _take_back(self) -> None:
        if self.copy is not None:  # made for the reply alone
            with folder_lock(self.copy.parent):
                if self._disk is None or not changed_since(self.copy, self._disk, MAX_FILE_BYTES):
                    self.copy.unlink(missing_ok=True)
            self.copy = self.saved_to = None
            return
        if not self._reply_in_file:
            return
        assert self._disk is not None
        with folder_lock(self.path.parent):
            if self._before is not None and not self.merged and not changed_since(
                self.path, self._disk, MAX_FILE_BYTES
            ):
                atomic_write_bytes(self.path, self._before)
                self.saved_to, self._reply_in_file = None, False
                return
        try:
            now = load_conversation(self.path)
        except ConversationFileError:
            return
        if _messages(now.conversation)[:-1] == _messages(self.conversation):  # only theirs
            now.conversation.remove(len(now.conversation) - 1)
            save_conversation(now.conversation, self.path, now.disk)
            self.saved_to, self._reply_in_file = None, False

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
    """The messages as saved, without the reply's "writing" mark (its time is each write's)."""
    messages: list[dict[str, Any]] = to_document(conv)["messages"]
    for i, message in enumerate(messages):
        meta = message.get("metadata")
        if isinstance(meta, dict) and "writing" in meta:
            messages[i] = {**message, "metadata": {k: v for k, v in meta.items() if k != "writing"}}
    return messages
