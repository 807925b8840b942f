"""The SDK clients kept from one request to the next, and what one request holds open.

Split from `chat.py`, which sends requests through these.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
from collections.abc import Callable
from typing import Any, cast

import httpx2
import openai

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.client import Auth
from chatdesk.service.network import current

ClientFactory = Callable[[ConnectionProfile, Auth], openai.OpenAI]


# -- requests in flight ---------------------------------------------------------------------
class AuthHolder:
    """The auth of one `stream()` call: resolved once, on the first attempt, reused by retries."""

    __slots__ = ("auth",)

    def __init__(self) -> None:
        self.auth: Auth | None = None

    def secrets(self) -> list[str]:
        return list(self.auth.secrets()) if self.auth is not None else []


class Opened:
    """A response whose headers arrived, with the client when it is the request's to close."""

    __slots__ = ("client", "response")

    def __init__(self, response: Any, client: Any) -> None:
        self.response = response
        self.client = client

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.response.close()
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()


def response_socket(response: httpx2.Response) -> socket.socket | None:
    with contextlib.suppress(Exception):
        stream = response.extensions["network_stream"]
        return cast("socket.socket | None", stream.get_extra_info("socket"))
    return None


# -- clients --------------------------------------------------------------------------------
class ClientCache:
    """SDK clients reused from one request to the next, per endpoint and key.

    Building an `openai.OpenAI` costs ~17 ms (httpx builds an SSL context), and a fresh client
    also means a fresh connection; a person waits for both before every reply. A client is
    thread-safe, so requests share it. Keyed by what the client is built from: the profile's
    kind, endpoint and api-version, a digest of the key (never the key itself) and the proxy
    (`network.current()`: a client keeps the one it was built with). Entra
    clients are not cached: each request's token provider records the token that error texts
    must scrub, so each request gets its own.
    """

    SIZE = 8

    def __init__(self, factory: ClientFactory) -> None:
        self._factory = factory
        self._clients: dict[tuple[str, ...], openai.OpenAI] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(profile: ConnectionProfile, auth: Auth) -> tuple[str, ...] | None:
        if auth.mode == "entra":
            return None
        secret = auth.key.reveal() if auth.key is not None else ""
        digest = hashlib.sha256(secret.encode()).hexdigest()
        # The proxy too: a client keeps the one it was built with (service/network.py).
        proxy = current().proxy or ""
        return (profile.kind, profile.endpoint, profile.api_version or "", auth.mode, digest, proxy)

    def get(self, profile: ConnectionProfile, auth: Auth) -> tuple[openai.OpenAI, bool]:
        """A client for the request, and whether the caller owns it (and must close it)."""
        key = self.key(profile, auth)
        if key is None:
            return self._factory(profile, auth), True
        with self._lock:
            client = self._clients.pop(key, None)
            if client is not None:
                self._clients[key] = client  # the newest last
                return client, False
        client = self._factory(profile, auth)  # may raise ChatError: nothing is cached then
        with self._lock:
            self._clients.setdefault(key, client)
            while len(self._clients) > self.SIZE:  # dropped, not closed: it may be in use
                del self._clients[next(iter(self._clients))]
        return client, False

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()


def close_response(response: Any) -> None:
    """Close a response nobody will read (Stop came while it was on its way)."""
    close = getattr(response, "close", None) or response.http_response.close
    with contextlib.suppress(Exception):
        close()
