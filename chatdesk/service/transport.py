"""The SDK's HTTP client as chatdesk builds it: Stop can interrupt it, and streamed replies
leave their connection open for the next one.

The synchronous openai SDK stops reading a stream at its `data: [DONE]` event and closes the
response before the body's last bytes (the chunked encoding's terminator) are read, so the
connection cannot be reused: every reply opens a new one, which against Azure is a TCP and TLS
handshake before each first token. Here a stream's `[DONE]` chunk is held back until the body's
end has been read (it follows at once), so the connection goes back to the pool. A server that
keeps the body open after `[DONE]` costs at most `FINISH_WAIT`, and then that connection is
closed, as before.

Both adaptations reach into httpx internals (the client's transports and their connection
pools). What cannot be adapted is left as the SDK built it: correct, only without them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx2
import openai

from chatdesk.service.interrupt import adapt, capped_reads, mark_interruptible

FINISH_WAIT = 0.25  # seconds to wait for the body's end after [DONE]
_DONE = (b"data: [DONE]\n\n", b"data: [DONE]\r\n\r\n", b"data:[DONE]\n\n")


def http_client(**kwargs: Any) -> httpx2.Client:
    """`openai.DefaultHttpxClient(**kwargs)` (the SDK's defaults) with chatdesk's trust store and
    proxy (service/network.py), interruptible connections and reusable streams."""
    from chatdesk.service.network import http_client_options

    client = _HttpClient(**{**http_client_options(), **kwargs})
    client._transport, adapted = _adapted(client._transport)
    everything = adapted
    mounts: dict[Any, httpx2.BaseTransport | None] = {}
    for pattern, transport in client._mounts.items():
        if transport is not None:  # None: a proxy exception, served by the default transport
            transport, adapted = _adapted(transport)
            everything = everything and adapted
        mounts[pattern] = transport
    client._mounts = mounts
    if everything:
        mark_interruptible(client)
    return client


def _adapted(transport: httpx2.BaseTransport) -> tuple[httpx2.BaseTransport, bool]:
    """The transport with both adaptations, or as it was if its pool cannot be reached (the
    wait for a body's end is bounded only through the adapted connections)."""
    if not adapt(transport):
        return transport, False
    return _KeepAlive(transport), True


class _HttpClient(openai.DefaultHttpxClient):
    """Closed with its SDK client, or when garbage collected (as the SDK's own client is)."""

    def __del__(self) -> None:
        if not self.is_closed:
            with contextlib.suppress(Exception):
                self.close()


class _KeepAlive(httpx2.BaseTransport):
    """Hands event streams to the SDK through `_FinishedAtDone`."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            response.stream = _FinishedAtDone(response.stream)  # type: ignore[arg-type]
        return response

    def close(self) -> None:
        self._inner.close()


class _FinishedAtDone(httpx2.SyncByteStream):
    """A stream's bytes, with the `[DONE]` chunk delivered only after the body's end was read."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        for chunk in chunks:
            if chunk.endswith(_DONE):
                yield chunk + _rest(chunks)
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _rest(chunks: Iterator[bytes]) -> bytes:
    """What follows `[DONE]`: normally nothing but the body's end."""
    rest = []
    try:
        with capped_reads(FINISH_WAIT):
            rest.extend(chunks)
    except httpx2.TransportError:  # the end did not come in time: the connection is closed
        pass
    return b"".join(rest)
