"""FakeAzure's HTTP plumbing: reading a request body (chunked or not), writing Azure's
response headers, JSON bodies and Server-Sent Events, and cutting a connection abruptly."""

from __future__ import annotations

import contextlib
import json
import socket
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fake_azure_server import _Server


class _AbortConnection(Exception):
    """Raised inside a handler to close the connection abruptly."""


class WireHandler(BaseHTTPRequestHandler):
    """The HTTP plumbing every FakeAzure answer is written with: Azure's response headers,
    JSON bodies, chunked SSE events, pauses that end when the server stops."""

    protocol_version = "HTTP/1.1"  # keep-alive, like Azure; the client pools connections
    disable_nagle_algorithm = True  # small SSE chunks must leave immediately
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines etc.: answer in JSON like the rest instead of HTML.
        self.close_connection = True
        self._send_json(code, {"error": {"code": str(code), "message": message or ""}})

    # -- plumbing

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _start(self, status: int, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        rid = str(uuid.uuid4())
        self.send_header("apim-request-id", rid)
        self.send_header("x-request-id", rid)
        self.send_header("x-ms-region", "East US")
        self.send_header("Content-Type", content_type)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if self.server.fake.close_connections:
            self.send_header("Connection", "close")
            self.close_connection = True

    def _send_json(
        self, status: int, obj: Any, extra: dict[str, str] | None = None, raw: bytes | None = None
    ) -> None:
        data = raw if raw is not None else json.dumps(obj).encode()
        extra = dict(extra or {})
        self._start(status, extra.pop("content-type", "application/json"), extra)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _event(self, obj: Any) -> None:
        payload = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
        self._chunk(b"data: " + payload.encode() + b"\n\n")

    def _pause(self, seconds: float) -> None:
        if seconds > 0 and not self.server.fake._sleep(seconds):
            raise _AbortConnection
