"""Sessions waiting for a background write, started one at a time in the order they asked.

Shared by the recovery copies (`ui/autosave.py`) and the library (`ui/library_saver.py`): a
session is queued once however often it changes, and a second write never overtakes the first.
"""

from __future__ import annotations

from collections.abc import Callable

from chatdesk.ui.chat_session import ChatSession


class WriteQueue:
    """`busy()` says whether a write runs now; `ready(session)` whether a queued session still
    wants one; `start(session)` begins it (the owner calls `next()` when it ends)."""

    def __init__(
        self,
        busy: Callable[[], bool],
        ready: Callable[[ChatSession], bool],
        start: Callable[[ChatSession], None],
    ) -> None:
        self._waiting: list[ChatSession] = []
        self._busy, self._ready, self._start = busy, ready, start

    def add(self, session: ChatSession) -> None:
        """Queue `session` (once) and start the next write if none runs."""
        if session not in self._waiting:
            self._waiting.append(session)
        self.next()

    def discard(self, session: ChatSession) -> None:
        if session in self._waiting:
            self._waiting.remove(session)

    def next(self) -> None:
        if self._busy():
            return
        while self._waiting:
            session = self._waiting.pop(0)
            if self._ready(session):
                self._start(session)
                return
