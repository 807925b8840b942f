"""Running plain generators and functions off the GUI thread.

The service knows nothing of Qt: it is a generator. A `GeneratorWorker` runs one on the thread
pool and turns each yield into a queued signal, so widgets are only ever touched on the GUI
thread. Cancelling goes through the service's `CancelToken`, which the generator honours
between chunks and during waits; nothing here kills a thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    """Lives on the GUI thread; emitted from the pool, so every connection is queued.

    Signals: yielded(object), returned(object), errored(object), finished().
    """

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()


class _Job(QRunnable):
    def __init__(self, body: Callable[[_Signals], None], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._body = body
        self._signals = signals

    def run(self) -> None:
        try:
            self._body(self._signals)
        except BaseException as exc:  # every failure goes back to the GUI thread
            _emit(self._signals.errored, exc)
        finally:
            _emit(self._signals.finished)


def _emit(signal: Any, *args: object) -> None:
    # The receiver may be gone (a conversation closed while its job ran): nobody to tell.
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)


class _PoolWorker(QObject):
    """One job on the thread pool. Signals: errored(object), finished() (always last)."""

    errored = Signal(object)
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = _Signals()
        self._signals.errored.connect(self.errored)
        self._signals.finished.connect(self._done)
        self.running = False

    def start(self, pool: QThreadPool | None = None) -> None:
        self.running = True
        (pool or QThreadPool.globalInstance()).start(_Job(self._run, self._signals))

    def _run(self, signals: _Signals) -> None:
        raise NotImplementedError

    def _done(self) -> None:
        self.running = False
        self.finished.emit()


class GeneratorWorker(_PoolWorker):
    """Runs `make()` (a generator) on the pool; each item arrives as `yielded` on the GUI thread.

    Signals: yielded(object) per item, errored(object) with the exception, finished() last.
    """

    yielded = Signal(object)

    def __init__(self, make: Callable[[], Iterator[Any]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make = make
        self._signals.yielded.connect(self.yielded)

    def _run(self, signals: _Signals) -> None:
        for item in self._make():
            signals.yielded.emit(item)  # a deleted receiver raises: the job ends, run() reports


class FunctionWorker(_PoolWorker):
    """Runs `fn()` on the pool. Signals: returned(object), errored(object), finished()."""

    returned = Signal(object)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._signals.returned.connect(self.returned)

    def _run(self, signals: _Signals) -> None:
        signals.returned.emit(self._fn())
