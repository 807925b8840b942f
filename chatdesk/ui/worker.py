"""The window's one way to run work off the GUI thread.

The service knows nothing of Qt: its work is plain functions and generators. A worker runs one
on the process's shared threads (`chatdesk.service.blocking.THREADS`, the pool every background
job of chatdesk uses) and turns what happens into queued signals, so widgets are only ever
touched on the GUI thread:

    yielded(object)   each item of a generator (progress, a streamed chunk)
    returned(object)  a function's result (success)
    errored(object)   the exception it raised (failure)
    finished()        always last, once

`cancel()` drops a job's outcome: one not started yet never runs, a generator stops at its next
item (and is closed, so its `finally` runs), a function's result is not delivered. Nothing here
kills a thread; the service's own `CancelToken` stops a request in its waits.

A `JobChannel` runs many short jobs through one pair of signals (the library's writes).
`run_in_background` adds what a dialog or window needs: the callbacks run only while their
owner exists, the job is cancelled when the owner is deleted, and the worker lives until its job
ends (the shape of Anki's `qt/aqt/taskman.py`). A `Lane` runs its jobs one at a time in order
(the library's changes), or only the newest waiting one (`latest_only`: searches).
`wait_for_jobs` gives running jobs a moment at exit.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import shiboken6

from chatdesk.ui.qt.core import QObject, QTimer, Signal

# The GUI thread and a worker's Python share one interpreter lock, which PySide gives up
# around every Qt call; taking it back from a busy worker waits out the switch interval (5 ms
# by default) each time, so a paint of 60 Qt calls beside a worker building a long file's
# messages took 300 ms. At 1 ms each wait is shorter (a 100,000-message file counted: longest
# stop 70-160 ms, 90-300 ms at 5 ms); a worker beside an idle GUI thread is not slowed (no one
# asks it for the lock).
SWITCH_INTERVAL_S = 0.001

_running = 0  # jobs started (or waiting in a lane) and not ended yet
_idle = threading.Condition()


def jobs_running() -> int:
    """How many started jobs have not ended yet (waiting in a lane counts)."""
    return _running


def wait_for_jobs(seconds: float) -> bool:
    """Wait up to `seconds` for every started job to end; True when none is running."""
    with _idle:
        return _idle.wait_for(lambda: _running == 0, timeout=seconds)


def _submit(job: Callable[[], None]) -> None:
    """Run `job` on `THREADS`; the pool's module (its queues, its threads) loads with the
    window's first job, not with the window."""
    from chatdesk.service.blocking import THREADS

    THREADS.run(job)


def _count(step: int) -> None:
    global _running
    with _idle:
        _running += step
        if _running == 0:
            _idle.notify_all()


class _Signals(QObject):
    """Lives on the GUI thread; emitted from a worker thread, so every connection is queued.

    Signals: yielded(object), returned(object), errored(object), finished().
    """

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()


def _emit(signal: Any, *args: object) -> None:
    # The receiver may be gone (a conversation closed while its job ran): nobody to tell.
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)


class _Job:
    """One worker's run: the body, then `finished`. A job cancelled before it starts (a lane's
    waiting job, a worker whose owner went) only says `finished`."""

    __slots__ = ("_body", "_signals", "cancelled", "ended")

    def __init__(self, body: Callable[[_Signals], None], signals: _Signals) -> None:
        self._body = body
        self._signals = signals
        self.cancelled = threading.Event()
        self.ended = threading.Event()

    def __call__(self) -> None:
        try:
            if not self.cancelled.is_set():
                self._body(self._signals)
        except BaseException as exc:  # every failure goes back to the GUI thread
            if not self.cancelled.is_set():
                _emit(self._signals.errored, exc)
        finally:
            _emit(self._signals.finished)
            self.ended.set()
            _count(-1)


class Lane:
    """Jobs run one at a time, in the order started, on the shared threads; with `latest_only`,
    a job still waiting when a newer one arrives is cancelled (only the newest search counts).

    No thread is kept for a lane: one of the shared threads runs its jobs while it has some.
    """

    def __init__(self, *, latest_only: bool = False) -> None:
        self._waiting: deque[_Job] = deque()
        self._lock = threading.Condition()
        self._busy = False
        self._latest_only = latest_only

    def run(self, job: _Job) -> None:
        with self._lock:
            if self._latest_only:
                for older in self._waiting:
                    older.cancelled.set()
            self._waiting.append(job)
            if self._busy:
                return
            self._busy = True
        _submit(self._drain)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    self._busy = False
                    self._lock.notify_all()
                    return
                job = self._waiting.popleft()
            job()

    def clear(self) -> None:
        """Cancel the jobs not started yet (each still says `finished`)."""
        with self._lock:
            for job in self._waiting:
                job.cancelled.set()

    def wait(self, seconds: float) -> bool:
        """Block up to `seconds` for the lane's jobs to end; True when none is left."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._busy, timeout=seconds)


class Worker(QObject):
    """One job on the shared threads. Signals: returned(object) (a function's result, or what
    a generator returns), errored(object), finished() (always last)."""

    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = _Signals()
        self._signals.returned.connect(self.returned)
        self._signals.errored.connect(self.errored)
        self._signals.finished.connect(self._done)
        self._job = _Job(self._run, self._signals)
        self.running = False

    def start(self, lane: Lane | None = None) -> None:
        """Start the job now on a shared thread, or in `lane`'s turn; its signals arrive on
        this object's thread."""
        self.running = True
        _count(1)
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        if lane is None:
            _submit(self._job)
        else:
            lane.run(self._job)

    def cancel(self) -> None:
        """Drop the job's outcome (see the module's docstring); `finished` still comes."""
        self._job.cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._job.cancelled.is_set()

    def wait(self, seconds: float) -> bool:
        """Block up to `seconds` for the job to end; True when it has. Its signals are still
        to be delivered by the event loop."""
        return self._job.ended.wait(seconds)

    def _run(self, signals: _Signals) -> None:
        raise NotImplementedError

    def _done(self) -> None:
        self.running = False
        self.finished.emit()


class GeneratorWorker(Worker):
    """Runs `make()` (a generator) once; each item arrives as `yielded` on the GUI thread.

    Signals: yielded(object) per item (progress), returned(object) with what the generator
    returns, errored(object) with the exception, finished() last.
    """

    yielded = Signal(object)

    def __init__(self, make: Callable[[], Iterator[Any]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make: Callable[[], Iterator[Any]] | None = make
        self._signals.yielded.connect(self.yielded)

    def _run(self, signals: _Signals) -> None:
        cancelled = self._job.cancelled
        make, self._make = self._make, None  # once, like FunctionWorker's function
        if make is None:
            raise RuntimeError("a GeneratorWorker runs its generator once")
        items = make()
        try:
            while not cancelled.is_set():
                try:
                    item = next(items)
                except StopIteration as end:
                    signals.returned.emit(end.value)
                    return
                if not cancelled.is_set():
                    signals.yielded.emit(item)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()


class FunctionWorker(Worker):
    """Runs `fn()` once. Signals: returned(object), errored(object), finished()."""

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn: Callable[[], Any] | None = fn

    def _run(self, signals: _Signals) -> None:
        # Dropped once called: a worker kept (by its owner, or a cycle through its slots) must
        # not keep what the function holds, such as a closed conversation's messages.
        fn, self._fn = self._fn, None
        if fn is None:
            raise RuntimeError("a FunctionWorker runs its function once")
        result = fn()
        if not self._job.cancelled.is_set():
            signals.returned.emit(result)


class JobChannel(QObject):
    """Runs functions on the shared threads, each outcome delivered through the same signals:
    for an owner that starts a short job per event (the library's write of each reply), a
    worker per job would cost its QObjects and their connections, ~0.3 ms of the GUI thread
    each time, and leave them behind as the owner's children.

    Signals: returned(object) (a job's result), errored(object) (the exception it raised), in
    the order the jobs end, on this object's thread. It cannot cancel: an owner that may be
    gone before its job ends uses `run_in_background`.
    """

    returned = Signal(object)
    errored = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = _Signals()  # emitted on a pool thread: delivered queued, here
        self._signals.returned.connect(self.returned)
        self._signals.errored.connect(self.errored)

    def start(self, fn: Callable[[], Any]) -> None:
        """Run `fn()` now on a shared thread (counted by `jobs_running` until it ends)."""
        _count(1)
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        _submit(_Job(lambda signals: signals.returned.emit(fn()), self._signals))


def guard_owner(owner: QObject, handler: Callable[..., None] | None) -> Callable[..., None]:
    """`handler`, called only while `owner` exists (a deleted dialog is told nothing)."""

    def call(*args: Any) -> None:
        if handler is not None and shiboken6.isValid(owner):
            handler(*args)

    return call


# Workers whose owner may be gone before their job ends, kept until it does.
_UNOWNED: set[Worker] = set()


def run_in_background(
    fn: Callable[[], Any],
    owner: QObject,
    *,
    yielded: Callable[[Any], None] | None = None,
    returned: Callable[[Any], None] | None = None,
    errored: Callable[[BaseException], None] | None = None,
    finished: Callable[[], None] | None = None,
    lane: Lane | None = None,
) -> Worker:
    """Run `fn()` off the GUI thread (in `lane`'s turn, if given); with `yielded`, `fn` makes
    a generator whose items go to `yielded` (progress). Its outcome goes to `returned` or
    `errored`, then `finished`, on the GUI thread, but only while `owner` exists. Deleting
    `owner` cancels the job (see `cancel`) and never deletes its worker, which is not `owner`'s
    child and is kept until the job ends."""
    worker: Worker = FunctionWorker(fn) if yielded is None else GeneratorWorker(fn)
    if isinstance(worker, GeneratorWorker):
        worker.yielded.connect(guard_owner(owner, yielded))

    def done() -> None:
        guard_owner(owner, finished)()
        # Dropped on the next turn of the event loop, not inside its own signal.
        QTimer.singleShot(0, lambda: _UNOWNED.discard(worker))

    worker.returned.connect(guard_owner(owner, returned))
    worker.errored.connect(guard_owner(owner, errored))
    worker.finished.connect(done)
    owner.destroyed.connect(worker.cancel)
    _UNOWNED.add(worker)
    worker.start(lane)
    return worker
