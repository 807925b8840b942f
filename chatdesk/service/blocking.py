"""Running work off the calling thread: the one pool of threads, and the one way to call a
blocking API with a deadline and a way out.

`THREADS` is the process's pool of daemon threads, reused from one job to the next. Everything
that runs in the background uses it: requests' name resolution and connects (interrupt.py),
keyring reads and writes (secrets.py), sign-in (entra.py) and the window's jobs
(ui/worker.py). Daemon threads: a job blocked in a library that cannot be interrupted (a
resolver, a locked keyring, a browser sign-in) never keeps chatdesk from exiting.

`call_blocking` runs a call there and waits for the first of: its result, its deadline, or
`cancel`. A call given up on is abandoned, not killed (Python cannot stop a thread): it ends on
its own, and what it returns then goes to `discard`, never to the caller.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any, TypeVar, cast

from chatdesk.service.events import CancelToken

T = TypeVar("T")


class Threads:
    """Daemon threads reused from one job to the next.

    Starting a thread makes the caller wait for it to be scheduled. Idle threads wait for the
    next job instead; one still busy with an abandoned job (a resolver that has not answered)
    is not idle, so it is never handed a new job. At most `keep` idle threads are kept.
    """

    def __init__(self, keep: int = 4) -> None:
        self._idle: list[SimpleQueue[Callable[[], None]]] = []
        self._lock = threading.Lock()
        self._keep = keep

    def run(self, job: Callable[[], None]) -> None:
        """Run `job()` on an idle thread, or a new one. `job` must report its own failures:
        an exception it raises is lost."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = SimpleQueue()
            threading.Thread(
                target=self._loop, args=(inbox,), name="chatdesk-worker", daemon=True
            ).start()
        inbox.put(job)

    def _loop(self, inbox: SimpleQueue[Callable[[], None]]) -> None:
        while True:
            job = inbox.get()
            # A job reports its own failures; whatever escapes it, the thread serves on.
            with contextlib.suppress(BaseException):
                job()
            del job  # nothing of a finished job lives on in an idle thread
            with self._lock:
                if len(self._idle) >= self._keep:
                    return
                self._idle.append(inbox)


THREADS = Threads()


class Cancelled(Exception):
    """`call_blocking` gave up because its `cancel` token was cancelled."""


class DeadlinePassed(TimeoutError):
    """`call_blocking` gave up because the call took longer than its timeout (seconds)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"no answer within {timeout:g} s")
        self.timeout = timeout


_GAVE_UP = object()


def call_blocking(
    fn: Callable[[], T],
    *,
    timeout: float | None = None,
    cancel: CancelToken | None = None,
    discard: Callable[[T], None] | None = None,
) -> T:
    """`fn()` run on `THREADS`, waited for until it returns, `timeout` seconds pass (None: no
    limit) or `cancel` is cancelled, whichever is first; no polling.

    Returns what `fn` returned; raises what it raised, `DeadlinePassed` or `Cancelled`. A call
    given up on finishes on its own; `discard` then gets its result (to close what it opened).

    `fn` runs in a copy of the caller's context variables, as if on the caller's thread: the
    network a `network.trying` block puts in force carries an Entra token fetched for a request
    too (Test connection with a proxy typed and not saved).
    """
    context = contextvars.copy_context()
    box: SimpleQueue[tuple[bool, Any]] = SimpleQueue()
    lock = threading.Lock()
    given_up = False

    def job() -> None:
        outcome: tuple[bool, Any]
        try:
            outcome = (True, context.run(fn))
        except BaseException as exc:  # delivered to the waiting caller
            outcome = (False, exc)
        with lock:
            if not given_up:
                box.put(outcome)
                return
        if outcome[0] and discard is not None:
            discard(cast(T, outcome[1]))

    if cancel is not None:
        if cancel.cancelled:
            raise Cancelled()
        cancel.on_cancel(lambda: box.put((False, _GAVE_UP)))
    THREADS.run(job)
    try:
        ok, value = box.get(timeout=timeout)
    except Empty:
        ok, value = False, DeadlinePassed(timeout or 0.0)
    if value is _GAVE_UP:
        value = Cancelled()
    if not ok and isinstance(value, Cancelled | DeadlinePassed):
        with lock:
            given_up = True
            late = None if box.empty() else box.get()
        # The call finished just as the caller gave up: its result is still the caller's.
        if late is not None and late[1] is not _GAVE_UP:
            ok, value = late
    if not ok:
        raise value
    return cast(T, value)
