"""Stop that wakes a request blocked in the network, on the very thread that sent it.

A reply is sent and read on the caller's thread: handing the request to another thread and the
opened stream back costs two thread wake-ups, about 0.4 ms before every first token on a busy
2-core machine. Stop must still land at once, whatever the request is blocked in:

- connecting, TLS, waiting for headers, reading the stream: the request's sockets are known to
  its `RequestGuard` (the network backend below attaches each socket it connects or reads while
  the guard is active), and Stop shuts them down. `shutdown()`, unlike `close()`, wakes a
  `connect()` or `recv()` blocked in another thread.
- name resolution and other calls that no signal wakes (`getaddrinfo`, a keyring read): these
  run on a reused helper thread (`RequestGuard.call`) while the caller waits for either the
  result or Stop.

`GuardedBackend` is an httpcore network backend (httpcore's public `network_backend=`), used by
the transport chatdesk builds for the SDK (`service/transport.py`). The request's guard reaches
it through a context variable: httpcore hands a backend no request, and a pooled connection is
reused without connecting, so its stream attaches its socket on each read and write.
A new connection (name resolution and TCP connect, in httpcore's own `SyncBackend`) runs on a
helper thread while the caller waits for it or for Stop; TLS then runs on the caller's thread.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpcore2

from chatdesk.service.blocking import Cancelled, call_blocking
from chatdesk.service.events import CancelToken

T = TypeVar("T")

_GUARD: contextvars.ContextVar[RequestGuard | None] = contextvars.ContextVar(
    "chatdesk_request_guard", default=None
)
_INTERRUPTIBLE: weakref.WeakSet[Any] = weakref.WeakSet()


class Stopped(Exception):
    """Stop was pressed while the request waited on something it could not interrupt."""


class RequestGuard:
    """The sockets and helper waits of one request, so that Stop can end them from any thread.

    `interrupt()` is Stop: it shuts down every socket attached so far, and any attached later
    (a connect racing with Stop). `release()` ends the request's claim: a Stop after it must
    not touch a connection that went back to the pool for the next request.
    """

    __slots__ = ("_lock", "_sockets", "_stop", "interrupted", "released")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._stop: CancelToken | None = None  # made by the first `call`: most requests have none
        self.interrupted = False
        self.released = False

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Sockets this thread connects or reads meanwhile belong to this request."""
        token = _GUARD.set(self)
        try:
            yield
        finally:
            _GUARD.reset(token)

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if self.released or any(s is sock for s in self._sockets):
                return
            self._sockets.append(sock)
            late = self.interrupted
        if late:
            _shutdown(sock)

    def interrupt(self) -> None:
        with self._lock:
            self.interrupted = True
            sockets = [] if self.released else list(self._sockets)
            stop = self._stop
        for sock in sockets:
            _shutdown(sock)
        if stop is not None:
            stop.cancel()

    def release(self) -> None:
        with self._lock:
            self.released = True
            self._sockets.clear()

    def call(self, fn: Callable[[], T], discard: Callable[[T], None] | None = None) -> T:
        """`fn()` on a helper thread; raises Stopped as soon as Stop is pressed. The call then
        finishes on its own, and `discard` gets a result that nobody will read."""
        with self._lock:
            if self.interrupted:
                raise Stopped()
            if self._stop is None:
                self._stop = CancelToken()
            stop = self._stop
        try:
            return call_blocking(fn, cancel=stop, discard=discard)
        except Cancelled:
            raise Stopped() from None


def current_guard() -> RequestGuard | None:
    return _GUARD.get()


def _shutdown(sock: socket.socket) -> None:
    # The base-class call: SSLSocket.shutdown would also unhook the TLS object under a reader.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


# -- the network backend -----------------------------------------------------------------------
# The streams of open connections. An SDK client dropped without close() is freed by a cycle
# collection (its objects reference each other), whose finalizers run in no set order: a
# pooled socket finalized before the client's own finalizer closed it would warn. Held here,
# sockets stay out of that garbage, and the client's finalizer closes them (and drops them).
_OPEN: set[GuardedStream] = set()


class GuardedStream(httpcore2.NetworkStream):
    """A connection's stream that attaches its socket to the active guard on each read/write:
    a pooled connection is reused without connecting, and a guard still needs its socket.

    `read_cap`: when set, seconds a read waits at most (the wait for a body's end after
    `[DONE]`, `service/transport.py`); found through the response's public `network_stream`
    extension."""

    __slots__ = ("_inner", "_sock", "read_cap")

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner
        self._sock: socket.socket | None = inner.get_extra_info("socket")
        self.read_cap: float | None = None
        _OPEN.add(self)
        self._attach()

    def _attach(self) -> None:
        guard = _GUARD.get()
        if guard is not None and self._sock is not None:
            guard.attach(self._sock)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._attach()
        cap = self.read_cap
        if cap is not None and (timeout is None or timeout > cap):
            timeout = cap
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._attach()
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        _OPEN.discard(self)
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.NetworkStream:
        self._attach()  # Stop during the handshake shuts the socket down
        _OPEN.discard(self)  # the TLS stream takes the socket over (or closes it on failure)
        return GuardedStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore2.NetworkBackend):
    """httpcore's `SyncBackend`, with connects that Stop can abandon while a guard is active.

    `socket.create_connection` resolves the name and connects in one call that no other
    thread can wake (its socket is not ours until it returns), so under a guard it runs on a
    helper thread: Stop returns at once, and a connection that arrives later is closed."""

    def __init__(self, inner: httpcore2.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        guard = _GUARD.get()
        if guard is None:
            return GuardedStream(
                self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
            )
        try:
            stream = guard.call(
                lambda: self._inner.connect_tcp(host, port, timeout, local_address, socket_options),
                discard=_close,
            )
        except Stopped as exc:
            raise httpcore2.ConnectError("connection stopped") from exc
        return GuardedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        return GuardedStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _close(stream: httpcore2.NetworkStream) -> None:
    with contextlib.suppress(Exception):
        stream.close()


# -- which SDK clients it serves -----------------------------------------------------------------
def mark_interruptible(client: object) -> None:
    """Record that every request of this SDK client goes through `GuardedBackend`."""
    _INTERRUPTIBLE.add(client)


def is_interruptible(client: object) -> bool:
    """Whether Stop can interrupt this SDK client's requests from another thread."""
    try:
        return client in _INTERRUPTIBLE
    except TypeError:
        return False
