"""The FakeAzure server: a threaded HTTP(S) server on 127.0.0.1, its scripted behaviour queue,
its request log, the credentials it accepts and a stop() that cuts every connection."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.support.fake_azure_behaviours import Behaviour, Reply
from tests.support.fake_azure_handler import _Handler
from tests.support.fake_azure_request_log import RecordedRequest

if TYPE_CHECKING:
    from tests.support.fake_azure_gateway import Gateway
    from tests.support.fake_azure_models import AzureModel
    from tests.support.fake_responses import Stored


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # lets the standalone runner restart on a fixed port

    def __init__(self, fake: FakeAzure, port: int) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        context = self.fake.ssl_context
        if context is not None:  # HTTPS: the handshake happens on the handler's thread
            sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that may stall.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered on the accept thread so stop() sees every connection without a race.
        t = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        self.fake._track(request, t)
        t.start()

    def shutdown_request(self, request: Any) -> None:
        self.fake._untrack(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up and stop() cutting sockets are normal here, not errors.
        if isinstance(sys.exc_info()[1], OSError) or self.fake._stopping:
            return
        super().handle_error(request, client_address)


class FakeAzure:
    """Threaded local HTTP server faking Azure OpenAI chat completions on 127.0.0.1."""

    def __init__(
        self,
        api_key: str | None = "test-key",
        bearer_tokens: set[str] | None = None,
        deployments: set[str] | None = None,
        prompt_counter: Callable[[list[dict]], int] | None = None,
        *,
        port: int = 0,
        model_name: str | None = None,
        verbose: bool = False,
    ) -> None:
        self.api_key = api_key
        # Kept mutable on purpose: tests revoke or add Entra tokens while running.
        self.bearer_tokens: set[str] = bearer_tokens if bearer_tokens is not None else set()
        self.deployments = deployments
        self.prompt_counter = prompt_counter
        # HTTPS with this server-side context (tests/support/netlab.py makes one with a test CA).
        self.ssl_context: ssl.SSLContext | None = None
        # An API Management-like gateway in front: its path and the headers it requires.
        self.gateway: Gateway | None = None
        self.model_name = model_name  # None: echo the deployment / body model
        self.verbose = verbose
        # True: every response ends its connection (Connection: close), so no client reuses one.
        self.close_connections = False
        self.default: Behaviour = Reply()
        # deployment -> what its model accepts (see AzureModel); others accept everything.
        self.models: dict[str, AzureModel] = {}
        # What GET /v1/models lists (an OpenAI-compatible server's models); None: 404.
        self.listed_models: list[str] | None = None
        # Words Azure's prompt filter blocks wherever they are in the messages (a 400
        # content_filter before any behaviour is taken).
        self.blocked_words: set[str] = set()
        # Responses API: the stored responses by id (a test may delete one: "expired").
        self.stored_responses: dict[str, Stored] = {}
        self._port = port
        self._queue: deque[Behaviour] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._requests_cond = threading.Condition(self._lock)
        self._wake = threading.Condition()  # wakes sleeps and hangs on stop()/release()
        self._release_gen = 0
        self._stopping = False
        self._conns: dict[socket.socket, threading.Thread] = {}
        self.connections = 0  # accepted so far: a client that reuses them opens few
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeAzure:
        if self._httpd is not None:
            return self
        self._stopping = False
        self._httpd = _Server(self, self._port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits for one poll at most
            name="FakeAzure",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut every open connection; returns within about a second."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        httpd.shutdown()
        with self._lock:
            conns = list(self._conns.items())
        for sock, _ in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 1.0
        for _, t in conns:
            t.join(max(0.0, deadline - time.monotonic()))
        httpd.server_close()
        thread.join(max(0.0, deadline - time.monotonic()))
        self._httpd = self._thread = None

    def __enter__(self) -> FakeAzure:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeAzure is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    host = "127.0.0.1"  # tests serving HTTPS for a name set "localhost"

    @property
    def v1_base_url(self) -> str:
        return self.url + "/openai/v1/"

    @property
    def azure_endpoint(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    # -- scripting

    def enqueue(self, *behaviours: Behaviour) -> None:
        """Queue behaviours; each request that passes routing/auth/deployment takes one."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def release(self) -> None:
        """End every current Hang (they then serve ``then`` or close)."""
        with self._wake:
            self._release_gen += 1
            self._wake.notify_all()

    # -- inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least ``n`` requests arrived; TimeoutError otherwise."""
        with self._requests_cond:
            if not self._requests_cond.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"got {len(self._requests)} of {n} requests in {timeout}s")
            return list(self._requests)

    # -- used by the handler

    def _track(self, sock: socket.socket, thread: threading.Thread) -> None:
        with self._lock:
            self._conns[sock] = thread
            self.connections += 1

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._conns.pop(sock, None)

    def _record(self, req: RecordedRequest) -> None:
        with self._requests_cond:
            self._requests.append(req)
            self._requests_cond.notify_all()

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def _authenticate(self, headers: dict[str, str]) -> tuple[str | None, bool]:
        key = headers.get("api-key")
        authz = headers.get("authorization", "")
        token = authz[7:].strip() if authz[:7].lower() == "bearer " else None
        if key is not None and self.api_key is not None and key == self.api_key:
            return "api-key", True
        if token is not None and (token == self.api_key or token in self.bearer_tokens):
            return "bearer", True
        if key is not None:
            return "api-key", False
        return ("bearer" if token is not None else None), False

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopped; False means the server is stopping."""
        with self._wake:
            return not self._wake.wait_for(lambda: self._stopping, seconds)

    def _hang(self, seconds: float) -> bool:
        """Wait out a Hang; False means stop() interrupted it."""
        with self._wake:
            gen = self._release_gen
            self._wake.wait_for(lambda: self._stopping or self._release_gen != gen, seconds)
            return not self._stopping
