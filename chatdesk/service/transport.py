"""The SDK's HTTP client as chatdesk builds it: Stop can interrupt it, and streamed replies
leave their connection open for the next one. Public interfaces only: the SDK's
`http_client=`, an httpx transport of our own over httpcore's connection pools, and httpcore's
`network_backend=` (https://www.encode.io/httpcore/network-backends/).

`ChatTransport` does what `httpx.HTTPTransport` does (an httpcore pool per proxy, requests and
errors translated), with `GuardedBackend` (`service/interrupt.py`) making its connections, so
that Stop reaches their sockets. It chooses each host's proxy itself, with the rule that
`network.proxy_url` states for the whole app (loopback direct, NO_PROXY, the app's setting or
the environment's; httpx leaves a given transport unproxied).

The synchronous openai SDK stops reading a stream at its `data: [DONE]` event and closes the
response before the body's last bytes (the chunked encoding's terminator) are read, so the
connection cannot be reused: every reply opens a new one, which against Azure is a TCP and TLS
handshake before each first token. Here a stream's `[DONE]` chunk is held back until the body's
end has been read (it follows at once), so the connection goes back to the pool. A server that
keeps the body open after `[DONE]` costs at most `FINISH_WAIT`, and then that connection is
closed, as before.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import httpcore2
import httpx2
import openai

from chatdesk.service.interrupt import GuardedBackend, GuardedStream

if TYPE_CHECKING:
    from chatdesk.service.network import Network

_UNKNOWN = object()
FINISH_WAIT = 0.25  # seconds to wait for the body's end after [DONE]
_DONE = (b"data: [DONE]\n\n", b"data: [DONE]\r\n\r\n", b"data:[DONE]\n\n")


def http_client(**kwargs: Any) -> httpx2.Client:
    """An httpx client with the SDK's defaults (`openai.DefaultHttpxClient`), chatdesk's trust
    store and proxy (service/network.py), interruptible connections and reusable streams.
    `kwargs` go to `httpx.Client`; `verify` and `network` to the transport."""
    from chatdesk.service.network import http_client_options

    options = {**http_client_options(), **kwargs}
    transport = ChatTransport(
        verify=options.pop("verify", True),
        network=options.pop("network", None),
        limits=options.pop("limits", openai.DEFAULT_CONNECTION_LIMITS),
    )
    return _HttpClient(transport=transport, **options)


class _HttpClient(openai.DefaultHttpxClient):
    """Closed with its SDK client, or when garbage collected (as the SDK's own client is)."""

    def __del__(self) -> None:
        if not self.is_closed:
            with contextlib.suppress(Exception):
                self.close()


class ChatTransport(httpx2.BaseTransport):
    """httpx's transport over httpcore pools whose connections `GuardedBackend` makes.

    `network`: the choices each host's proxy is decided by (`network.proxy_url`); None: those in
    force when a host is first asked for. Raises ValueError for a proxy scheme httpcore has no
    pool for."""

    def __init__(
        self,
        verify: ssl.SSLContext | str | bool = True,
        network: Network | None = None,
        limits: httpx2.Limits = openai.DEFAULT_CONNECTION_LIMITS,
    ) -> None:
        self._ssl_context = httpx2.create_ssl_context(verify=verify)
        self._network = network
        self._limits = limits
        self._backend = GuardedBackend()
        self._pools: dict[str | None, httpcore2.ConnectionPool] = {}
        self._routes: dict[tuple[str, str, int | None], Any] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        core_request = httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            core = self._pool_for(request.url).handle_request(core_request)
        stream: httpx2.SyncByteStream = _Body(core.stream)  # type: ignore[arg-type]
        headers = httpx2.Headers(core.headers)
        if headers.get("content-type", "").startswith("text/event-stream"):
            stream = _FinishedAtDone(stream, core.extensions.get("network_stream"))
        return httpx2.Response(
            status_code=core.status, headers=headers, stream=stream, extensions=core.extensions
        )

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def _pool_for(self, url: httpx2.URL) -> httpcore2.ConnectionPool:
        # A host's proxy is decided once per transport, as httpx decides it once per client:
        # reading the environment's proxies costs ~0.5 ms, too much before every reply.
        where = (url.scheme, url.host, url.port)
        proxy = self._routes.get(where, _UNKNOWN)
        if proxy is _UNKNOWN:
            from chatdesk.service.network import proxy_url

            proxy = proxy_url(str(url), network=self._network)
            self._routes[where] = proxy
        with self._lock:
            pool = self._pools.get(proxy)
            if pool is None:
                pool = self._pools[proxy] = self._new_pool(proxy)
            return pool

    def _new_pool(self, proxy_url: str | None) -> httpcore2.ConnectionPool:
        common: dict[str, Any] = {
            "ssl_context": self._ssl_context,
            "max_connections": self._limits.max_connections,
            "max_keepalive_connections": self._limits.max_keepalive_connections,
            "keepalive_expiry": self._limits.keepalive_expiry,
            "network_backend": self._backend,
        }
        if proxy_url is None:
            return httpcore2.ConnectionPool(**common)
        proxy = httpx2.Proxy(proxy_url)
        where = httpcore2.URL(
            scheme=proxy.url.raw_scheme,
            host=proxy.url.raw_host,
            port=proxy.url.port,
            target=proxy.url.raw_path,
        )
        if proxy.url.scheme in ("http", "https"):
            return httpcore2.HTTPProxy(
                proxy_url=where,
                proxy_auth=proxy.raw_auth,
                proxy_headers=proxy.headers.raw,
                proxy_ssl_context=proxy.ssl_context,
                **common,
            )
        if proxy.url.scheme in ("socks5", "socks5h"):
            return httpcore2.SOCKSProxy(proxy_url=where, proxy_auth=proxy.raw_auth, **common)
        raise ValueError(f"Unsupported proxy scheme {proxy.url.scheme!r}: use http or socks5.")


# httpcore's errors as httpx's (which the SDK and service/errors.py know), most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx2.HTTPError]], ...] = (
    (httpcore2.ConnectTimeout, httpx2.ConnectTimeout),
    (httpcore2.ReadTimeout, httpx2.ReadTimeout),
    (httpcore2.WriteTimeout, httpx2.WriteTimeout),
    (httpcore2.PoolTimeout, httpx2.PoolTimeout),
    (httpcore2.TimeoutException, httpx2.TimeoutException),
    (httpcore2.ConnectError, httpx2.ConnectError),
    (httpcore2.ReadError, httpx2.ReadError),
    (httpcore2.WriteError, httpx2.WriteError),
    (httpcore2.NetworkError, httpx2.NetworkError),
    (httpcore2.ProxyError, httpx2.ProxyError),
    (httpcore2.UnsupportedProtocol, httpx2.UnsupportedProtocol),
    (httpcore2.LocalProtocolError, httpx2.LocalProtocolError),
    (httpcore2.RemoteProtocolError, httpx2.RemoteProtocolError),
    (httpcore2.ProtocolError, httpx2.ProtocolError),
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _ERRORS:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc)) from exc
        raise


class _Body(httpx2.SyncByteStream):
    """A response body from httpcore, its errors as httpx's."""

    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            with _httpx_errors():
                close()


class _FinishedAtDone(httpx2.SyncByteStream):
    """A stream's bytes, with the `[DONE]` chunk delivered only after the body's end was read."""

    def __init__(self, inner: httpx2.SyncByteStream, network_stream: Any) -> None:
        self._inner = inner
        self._network_stream = network_stream

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        for chunk in chunks:
            if chunk.endswith(_DONE):
                yield chunk + self._rest(chunks)
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()

    def _rest(self, chunks: Iterator[bytes]) -> bytes:
        """What follows `[DONE]`: normally nothing but the body's end. Without a stream of
        ours to cap its reads, the wait is not bounded: the connection is left to close."""
        stream = self._network_stream
        if not isinstance(stream, GuardedStream):
            return b""
        rest: list[bytes] = []
        stream.read_cap = FINISH_WAIT
        try:
            rest.extend(chunks)
        except httpx2.TransportError:  # the end did not come in time: the connection is closed
            pass
        finally:
            stream.read_cap = None
        return b"".join(rest)
