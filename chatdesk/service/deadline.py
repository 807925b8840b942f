"""A request's overall deadline, kept by one watchdog thread for every request.

Starting a timer thread per request costs ~0.6 ms, a tenth of a local round trip; one daemon
thread waiting on a heap of deadlines costs a few microseconds per request.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

from chatdesk.service.events import CancelToken


class _Watchdog:
    """Calls each scheduled callback at its time, on its own thread, unless cancelled first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, list[Callable[[], None] | None]]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(
        self, when: float, callback: Callable[[], None]
    ) -> list[Callable[[], None] | None]:
        """Call `callback` at `when` (time.monotonic()); the handle cancels it (`cancel`)."""
        entry: list[Callable[[], None] | None] = [callback]
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._order), entry))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="chatdesk-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is entry:  # earlier than what the thread waits for
                self._cond.notify()
        return entry

    @staticmethod
    def cancel(entry: list[Callable[[], None] | None]) -> None:
        entry[0] = None  # left in the heap; dropped when its time comes

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, _order, entry = self._heap[0]
                delay = when - time.monotonic()
                if entry[0] is not None and delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                callback, entry[0] = entry[0], None
            if callback is not None:
                callback()


_WATCHDOG = _Watchdog()


class Deadline:
    """The request's overall time limit: when it passes, `token` is cancelled, which ends the
    request the way Stop ends it (its sockets shut down), whatever trickles in meanwhile."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.token = CancelToken()
        self._ends = time.monotonic() + seconds
        self._entry = _WATCHDOG.schedule(self._ends, self.token.cancel)

    @property
    def expired(self) -> bool:
        return self.token.cancelled

    def remaining(self) -> float:
        return self._ends - time.monotonic()

    def cancel(self) -> None:
        _WATCHDOG.cancel(self._entry)
