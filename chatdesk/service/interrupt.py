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

The backend is put into the SDK's HTTP client by `interruptible_http_client`. That reaches into
httpx/httpcore internals (the transport's connection pool); a client it cannot adapt is not
marked, and the service falls back to running such requests on a helper thread.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from queue import SimpleQueue
from typing import Any, TypeVar

import httpcore2
import httpx2
from httpcore2._backends.sync import SyncStream  # wraps a socket we connected ourselves

T = TypeVar("T")

_local = threading.local()
_INTERRUPTIBLE: weakref.WeakSet[httpx2.Client] = weakref.WeakSet()


class Stopped(Exception):
    """Stop was pressed while the request waited on something it could not interrupt."""


class Threads:
    """Daemon threads reused from one job to the next.

    Starting a thread makes the caller wait for it to be scheduled. Idle threads wait for the
    next job instead; one still busy with an abandoned job (a resolver that has not answered)
    is not idle, so it is never handed a new job. Daemon: a blocked job never holds up exit.
    """

    def __init__(self, keep: int = 4) -> None:
        self._idle: list[SimpleQueue[Callable[[], None]]] = []
        self._lock = threading.Lock()
        self._keep = keep

    def run(self, job: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = SimpleQueue()
            threading.Thread(
                target=self._loop, args=(inbox,), name="chatdesk-request", daemon=True
            ).start()
        inbox.put(job)

    def _loop(self, inbox: SimpleQueue[Callable[[], None]]) -> None:
        while True:
            inbox.get()()  # jobs report their own failures
            with self._lock:
                if len(self._idle) >= self._keep:
                    return
                self._idle.append(inbox)


THREADS = Threads()


class RequestGuard:
    """The sockets and helper waits of one request, so that Stop can end them from any thread.

    `interrupt()` is Stop: it shuts down every socket attached so far, and any attached later
    (a connect racing with Stop). `release()` ends the request's claim: a Stop after it must
    not touch a connection that went back to the pool for the next request.
    """

    __slots__ = ("_lock", "_sockets", "_waiters", "interrupted", "released")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._waiters: list[SimpleQueue[tuple[bool, Any]]] = []
        self.interrupted = False
        self.released = False

    def active(self) -> contextlib.AbstractContextManager[None]:
        """Sockets this thread connects or reads meanwhile belong to this request."""
        return _thread_setting("guard", self)

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
            waiters, self._waiters = self._waiters, []
        for sock in sockets:
            _shutdown(sock)
        for waiter in waiters:
            waiter.put((False, Stopped()))

    def release(self) -> None:
        with self._lock:
            self.released = True
            self._sockets.clear()

    def call(self, fn: Callable[[], T], discard: Callable[[T], None] | None = None) -> T:
        """`fn()` on a helper thread; raises Stopped as soon as Stop is pressed. The call then
        finishes on its own, and `discard` gets a result that nobody will read."""
        call = _Call()
        with self._lock:
            if self.interrupted:
                raise Stopped()
            self._waiters.append(call.box)

        def job() -> None:
            try:
                outcome = (True, fn())
            except BaseException as exc:  # delivered to the waiting caller
                outcome = (False, exc)
            with self._lock:
                if not call.abandoned:
                    call.box.put(outcome)
                    return
            if outcome[0] and discard is not None:
                discard(outcome[1])

        THREADS.run(job)
        ok, value = call.box.get()
        with self._lock:
            with contextlib.suppress(ValueError):
                self._waiters.remove(call.box)
            if isinstance(value, Stopped):
                call.abandoned = True
                late = [] if call.box.empty() else [call.box.get()]
            else:
                late = []
        for late_ok, late_value in late:
            if late_ok and discard is not None:
                discard(late_value)
        if not ok:
            raise value
        return value


class _Call:
    """One `RequestGuard.call`: its mailbox, and whether its caller left on Stop."""

    __slots__ = ("abandoned", "box")

    def __init__(self) -> None:
        self.box: SimpleQueue[tuple[bool, Any]] = SimpleQueue()
        self.abandoned = False


def current_guard() -> RequestGuard | None:
    return getattr(_local, "guard", None)


def _shutdown(sock: socket.socket) -> None:
    # The base-class call: SSLSocket.shutdown would also unhook the TLS object under a reader.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


# -- the network backend -----------------------------------------------------------------------
# The streams of open connections. An SDK client dropped without close() is freed by a cycle
# collection (its objects reference each other), whose finalizers run in no set order: a
# pooled socket finalized before the client's own finalizer closed it would warn. Held here,
# sockets stay out of that garbage, and the client's finalizer closes them (and drops them).
_OPEN: set[_Stream] = set()


class _Stream(httpcore2.NetworkStream):
    """A connection's stream that attaches its socket to the active guard on each read/write:
    a pooled connection is reused without connecting, and a guard still needs its socket."""

    __slots__ = ("_inner", "_sock")

    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner
        self._sock: socket.socket | None = inner.get_extra_info("socket")
        _OPEN.add(self)

    def _attach(self) -> None:
        guard = getattr(_local, "guard", None)
        if guard is not None and self._sock is not None:
            guard.attach(self._sock)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._attach()
        cap = getattr(_local, "cap", None)
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
        self._attach()
        _OPEN.discard(self)  # the TLS stream takes the socket over (or closes it on failure)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore2.NetworkBackend):
    """`SyncBackend` whose connects Stop can interrupt when a guard is active."""

    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        guard = current_guard()
        if guard is None:
            stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
            return _Stream(stream)
        try:
            sock = _connect(guard, host, port, timeout, local_address, socket_options or ())
        except TimeoutError as exc:
            raise httpcore2.ConnectTimeout(str(exc)) from exc
        except (OSError, Stopped) as exc:
            raise httpcore2.ConnectError(str(exc) or "connection stopped") from exc
        return _Stream(SyncStream(sock))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _connect(
    guard: RequestGuard,
    host: str,
    port: int,
    timeout: float | None,
    local_address: str | None,
    socket_options: Iterable[Any],
) -> socket.socket:
    """`socket.create_connection`, with the name resolved where Stop need not wait for it and
    each socket attached to the guard while it connects."""
    if _is_ip(host):
        infos = socket.getaddrinfo(host.strip("[]"), port, 0, socket.SOCK_STREAM)
    else:
        infos = guard.call(lambda: socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
    error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            guard.attach(sock)
            if local_address is not None:
                sock.bind((local_address, 0))
            _connect_socket(sock, address, timeout, guard)
            sock.settimeout(timeout)
            for option in socket_options:
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except (OSError, Stopped) as exc:
            sock.close()
            if guard.interrupted:
                raise Stopped() from exc
            if not isinstance(exc, OSError):
                raise
            error = exc
    raise error or OSError(f"no address found for {host}")


def _connect_socket(
    sock: socket.socket, address: Any, timeout: float | None, guard: RequestGuard
) -> None:
    """A non-blocking connect, waited for in short slices: a Stop that lands before the
    connect starts (when shutting the socket down does nothing) is still seen within 0.1 s."""
    sock.setblocking(False)
    code = sock.connect_ex(address)
    deadline = None if timeout is None else time.monotonic() + timeout
    while code in _IN_PROGRESS:
        if guard.interrupted:
            raise Stopped()
        wait = _POLL if deadline is None else min(_POLL, deadline - time.monotonic())
        if wait <= 0:
            raise TimeoutError("timed out connecting")
        _, writable, failed = select.select([], [sock], [sock], wait)
        if writable or failed:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if code:
        raise OSError(code, os.strerror(code))


_POLL = 0.1
_IN_PROGRESS = {
    errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, getattr(errno, "WSAEWOULDBLOCK", -1)
}


# -- the client ----------------------------------------------------------------------------------
def adapt(transport: Any) -> bool:
    """Make the connections of an httpx transport through `_Backend`; False if it has no
    connection pool this module knows how to reach."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:
        return False
    if not isinstance(backend, _Backend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return True


def mark_interruptible(client: httpx2.Client) -> None:
    """Record that every transport of `client` was adapted."""
    _INTERRUPTIBLE.add(client)


def capped_reads(seconds: float) -> contextlib.AbstractContextManager[None]:
    """Reads on this thread meanwhile wait at most `seconds` for data."""
    return _thread_setting("cap", seconds)


@contextlib.contextmanager
def _thread_setting(name: str, value: object) -> Iterator[None]:
    previous = getattr(_local, name, None)
    setattr(_local, name, value)
    try:
        yield
    finally:
        setattr(_local, name, previous)


def is_interruptible(client: object) -> bool:
    """Whether Stop can interrupt this SDK client's requests (or this HTTP client's) from
    another thread."""
    http_client = getattr(client, "_client", client)  # the openai client's HTTP client
    try:
        return http_client in _INTERRUPTIBLE
    except TypeError:
        return False
