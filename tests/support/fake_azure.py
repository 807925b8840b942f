"""A local fake of Azure OpenAI chat-completions that speaks the real wire format.

Tests and benchmarks point the real ``openai`` client at it over real sockets, so every
byte that leaves here mimics what Azure sends: the Azure-only filter annotations, the
empty-``choices`` first stream chunk, error bodies, ``retry-after`` headers and so on.
It only ever binds 127.0.0.1.

    with FakeAzure() as srv:
        srv.enqueue(Reply("Hi", delay=0.01), Fail.rate_limited(retry_after_ms=1500))
        client = openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key")

Run standalone with ``python -m tests.support.fake_azure --port 8765 [--delay 0.05]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import socket
import socketserver
import ssl
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeAlias
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.fake_responses import (
    API_VERSION_ROUTE,
    RESPONSES_ROUTES,
    Failed,
    ResponsesWire,
    Stored,
)

CATEGORIES: tuple[str, ...] = ("hate", "self_harm", "sexual", "violence")

UNAUTHORIZED_MESSAGE = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
    "provide a valid key for an active subscription and use a correct regional API "
    "endpoint for your resource."
)
DEPLOYMENT_NOT_FOUND_MESSAGE = (
    "The API deployment for this resource does not exist. If you created the deployment "
    "within the last 5 minutes, please wait a moment and try again."
)
CONTENT_FILTER_MESSAGE = (
    "The response was filtered due to the prompt triggering Azure OpenAI's content "
    "management policy. Please modify your prompt and retry. To learn more about our "
    "content filtering policies please read our documentation: "
    "https://go.microsoft.com/fwlink/?linkid=2198766"
)
RATE_LIMIT_MESSAGE = (
    "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
    "2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. "
    "Please retry after {seconds} seconds."
)
FORBIDDEN_MESSAGE = (
    "The principal `{principal}` lacks the required data action "
    "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to "
    "perform `POST /openai/deployments/{{deployment-id}}/chat/completions` operation."
)
SPECIAL_TOKENS_MESSAGE = "Failed to generate output due to special tokens in the input."
INVALID_UNICODE_MESSAGE = (
    "Failed to create completion as the model generated invalid Unicode output"
)
_SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: ("InternalServerError", "The server had an error while processing your request."),
    502: ("BadGateway", "Bad gateway."),
    503: (
        "ServiceUnavailable",
        "The service is temporarily unable to process your request. Please try again later.",
    ),
    504: ("Timeout", "The operation was timeout."),
}

INVALID_REQUEST = "invalid_request_error"
_DEPLOYMENT_ROUTE = re.compile(r"^/openai/deployments/([^/]+)/chat/completions/?$")
_V1_ROUTES = ("/openai/v1/chat/completions", "/v1/chat/completions")
_MODELS_ROUTES = ("/v1/models", "/openai/v1/models")
_SYSTEM_FINGERPRINT = "fp_fakeazure01"


def content_filter_results(flagged: dict[str, str] | None = None) -> dict[str, Any]:
    """Azure's per-category annotation; ``filtered`` is true only for severity "high"."""
    flagged = flagged or {}
    names = list(CATEGORIES) + [c for c in flagged if c not in CATEGORIES]
    return {
        c: {"filtered": flagged.get(c, "safe") == "high", "severity": flagged.get(c, "safe")}
        for c in names
    }


# --------------------------------------------------------------------------- behaviours


@dataclass
class Reply:
    """A successful completion. ``text=None`` echoes "You said: <last user message>".

    One ``chunk_size`` piece counts as one completion token (``max_tokens`` truncates to
    that many pieces with finish_reason "length"). ``drop_after=N`` hangs up after N
    content chunks mid chunked body: the openai SDK raises ``APIConnectionError``
    (``RemoteProtocolError: incomplete chunked read``) while iterating, after having
    yielded those N chunks, never a finish_reason.
    """

    text: str | None = None
    chunk_size: int = 8
    finish_reason: str | None = "stop"
    delay: float = 0.0
    first_byte_delay: float = 0.0
    flagged: dict[str, str] | None = None
    completion_tokens: int | None = None
    drop_after: int | None = None
    prompt_tokens: int | None = None
    linger_after_done: float = 0.0  # seconds before the body's end follows [DONE]
    # A reasoning model's silence: headers and the prompt-filter chunk, then nothing for
    # `think` seconds before the first content chunk (first_byte_delay waits before headers).
    think: float = 0.0
    reasoning_tokens: int = 0  # reported in usage.completion_tokens_details
    cached_tokens: int = 0  # reported in usage.prompt_tokens_details
    # The finish chunk's delta as Azure may send it: {} (default), None, or ABSENT (no key).
    finish_delta: Any = field(default_factory=dict)
    # Choice objects sent after the finish chunk, such as the asynchronous content filter's
    # annotation-only chunks (no delta): see `annotation_choice`.
    after_finish: list[dict[str, Any]] = field(default_factory=list)
    plain_json: bool = False  # answer a streaming request with one chat.completion JSON body
    # Tool calls the reply asks for ({"id", "type", "function": {"name", "arguments"}}), streamed
    # as Azure does: a first delta with id and name per call, then pieces of the arguments.
    tool_calls: list[dict[str, Any]] | None = None
    # Responses API: the reasoning summary's parts, sent when the request asks for a summary.
    summary: list[str] | None = None


ABSENT: Any = object()  # a JSON key left out altogether


def annotation_choice(
    flagged: dict[str, str] | None = None, start: int = 0, end: int = 0
) -> dict[str, Any]:
    """An asynchronous content filter's annotation: a choice with no delta, only the verdict
    and the offsets of the text it covers (Azure sends these after the text, even after the
    finish_reason, when the filter runs in asynchronous mode)."""
    return {
        "content_filter_offsets": {"check_offset": start, "start_offset": start, "end_offset": end},
        "content_filter_results": content_filter_results(flagged),
        "finish_reason": None,
        "index": 0,
    }


@dataclass
class Fail:
    """An HTTP error with Azure's ``{"error": {...}}`` body."""

    status: int
    code: str | None
    message: str
    headers: dict[str, str] | None = None
    innererror: dict[str, Any] | None = None
    param: str | None = None
    type: str | None = None  # "invalid_request_error" for the model-capability 400s

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {}
        if self.type is not None:  # Azure's OpenAI-style body: message, type, param, code
            return {
                "error": {
                    "message": self.message,
                    "type": self.type,
                    "param": self.param,
                    "code": self.code,
                }
            }
        if self.code is not None:
            err["code"] = self.code
        err["message"] = self.message
        if self.param is not None:
            err["param"] = self.param
            err["type"] = None
            err["status"] = self.status
        if self.innererror is not None:
            err["innererror"] = self.innererror
        return {"error": err}

    # -- what a model rejects, in Azure's exact words
    @classmethod
    def unsupported_parameter(cls, param: str, instead: str | None = None) -> Fail:
        message = f"Unsupported parameter: '{param}' is not supported with this model."
        if instead:
            message += f" Use '{instead}' instead."
        return cls(400, "unsupported_parameter", message, param=param, type=INVALID_REQUEST)

    @classmethod
    def unsupported_value(cls, param: str, value: Any, supported: str | None = None) -> Fail:
        shown = json.dumps(value) if not isinstance(value, str) else f"'{value}'"
        message = f"Unsupported value: '{param}' does not support {shown} with this model."
        if supported:
            message += f" {supported}"
        return cls(400, "unsupported_value", message, param=param, type=INVALID_REQUEST)

    @classmethod
    def unauthorized(cls) -> Fail:
        return cls(401, "401", UNAUTHORIZED_MESSAGE)

    @classmethod
    def forbidden(cls, principal: str = "00000000-0000-0000-0000-000000000000") -> Fail:
        return cls(403, "PermissionDenied", FORBIDDEN_MESSAGE.format(principal=principal))

    @classmethod
    def deployment_not_found(cls) -> Fail:
        return cls(404, "DeploymentNotFound", DEPLOYMENT_NOT_FOUND_MESSAGE)

    @classmethod
    def rate_limited(cls, retry_after_ms: int = 1000) -> Fail:
        seconds = math.ceil(retry_after_ms / 1000)
        return cls(
            429,
            "429",
            RATE_LIMIT_MESSAGE.format(seconds=seconds),
            headers={"retry-after": str(seconds), "retry-after-ms": str(retry_after_ms)},
        )

    @classmethod
    def content_filter(cls, categories: dict[str, str] | None = None) -> Fail:
        results = content_filter_results(categories or {"violence": "high"})
        return cls(
            400,
            "content_filter",
            CONTENT_FILTER_MESSAGE,
            innererror={
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": results,
            },
            param="prompt",
        )

    @classmethod
    def special_tokens(cls) -> Fail:
        return cls(400, None, SPECIAL_TOKENS_MESSAGE)

    @classmethod
    def invalid_unicode(cls) -> Fail:
        return cls(500, None, INVALID_UNICODE_MESSAGE)

    @classmethod
    def server_error(cls, status: int = 503) -> Fail:
        code, message = _SERVER_ERRORS.get(status, (str(status), "Internal server error."))
        return cls(status, code, message)


@dataclass
class Drop:
    """Read the request, then close the connection without any response."""


@dataclass
class Hang:
    """Read the request and send nothing until ``seconds`` pass, ``release()`` or ``stop()``.

    Afterwards the connection is closed, or ``then`` is served if given (not after stop()).
    """

    seconds: float = 30.0
    then: Behaviour | None = None


@dataclass
class Malformed:
    """200 with a body the client cannot parse; for streams one garbage SSE event.

    The openai SDK lets ``json.JSONDecodeError`` escape for both (not an ``APIError``).
    """

    body: str = '{"id": "chatcmpl-trunc'
    content_type: str = "application/json"


@dataclass
class Trickle:
    """200 with stream headers, then one SSE comment byte pair (``:\\n``) every ``interval``
    seconds, never an answer: no read timeout ever fires. Ends at ``stop()`` or after
    ``seconds``."""

    interval: float = 2.0
    seconds: float = 60.0


@dataclass
class AzureModel:
    """What a deployment's model accepts; a request it does not is answered with Azure's 400
    (one problem at a time, in the order Azure checks them) before any behaviour is taken.

    The presets below are the models the reasoning-models issue names.
    """

    unsupported: dict[str, str | None] = field(default_factory=dict)  # param -> "use X instead"
    fixed_sampling: bool = False  # temperature/top_p other than 1: unsupported_value
    roles: frozenset[str] = frozenset({"system", "developer", "user", "assistant", "tool"})
    streaming: bool = True
    reasoning_efforts: tuple[str, ...] | None = None  # None: no reasoning_effort at all
    vision: bool = True  # takes image_url content parts

    @classmethod
    def gpt35_turbo(cls) -> AzureModel:
        """A chat model without image input."""
        return cls(vision=False)

    @classmethod
    def o1_mini(cls) -> AzureModel:
        return cls(
            unsupported={"max_tokens": "max_completion_tokens", "temperature": None},
            roles=frozenset({"user", "assistant"}),
        )

    @classmethod
    def o1(cls) -> AzureModel:
        return cls(
            unsupported={"max_tokens": "max_completion_tokens", "temperature": None},
            # o1 takes a system message as a developer one; o1-mini takes neither.
            streaming=False,
            reasoning_efforts=("low", "medium", "high"),
        )

    @classmethod
    def gpt5(cls) -> AzureModel:
        return cls(
            unsupported={"max_tokens": "max_completion_tokens"},
            fixed_sampling=True,
            reasoning_efforts=("minimal", "low", "medium", "high"),
        )

    def check(self, body: dict[str, Any]) -> Fail | None:
        """The 400 this model answers `body` with, or None when it accepts it."""
        for param, instead in self.unsupported.items():
            if param in body:
                return Fail.unsupported_parameter(param, instead)
        if self.fixed_sampling:
            for param in ("temperature", "top_p"):
                if param in body and body[param] != 1:
                    return Fail.unsupported_value(
                        param, body[param], "Only the default (1) value is supported."
                    )
        effort = body.get("reasoning_effort")
        if effort is not None:
            if self.reasoning_efforts is None:
                return Fail.unsupported_parameter("reasoning_effort")
            if effort not in self.reasoning_efforts:
                names = ", ".join(f"'{e}'" for e in self.reasoning_efforts)
                return Fail.unsupported_value(
                    "reasoning_effort", effort, f"Supported values are: {names}."
                )
        for i, message in enumerate(body.get("messages") or []):
            role = message.get("role") if isinstance(message, dict) else None
            if role is not None and role not in self.roles:
                return Fail.unsupported_value(f"messages[{i}].role", role)
        if body.get("stream") and not self.streaming:
            return Fail.unsupported_value("stream", True, "Supported values are: false.")
        if not self.vision:
            for i, j, _ in image_parts(body.get("messages")):
                return Fail(
                    400, None,
                    "Invalid content type. image_url is only supported by certain models.",
                    param=f"messages.[{i}].content.[{j}].type", type=INVALID_REQUEST,
                )  # fmt: skip
        return None


# Azure's image limits (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/
# gpt-with-vision): 20 MB an image, 10 images a request; PNG, JPEG, GIF, WebP.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGES = 10
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def image_parts(messages: Any) -> list[tuple[int, int, dict[str, Any]]]:
    """(message index, part index, the part's image_url object) of each image_url part."""
    found = []
    for i, message in enumerate(messages if isinstance(messages, list) else []):
        content = message.get("content") if isinstance(message, dict) else None
        for j, part in enumerate(content if isinstance(content, list) else []):
            if isinstance(part, dict) and part.get("type") == "image_url":
                image = part.get("image_url")
                found.append((i, j, image if isinstance(image, dict) else {"url": image}))
    return found


def image_problem(messages: Any) -> Fail | None:
    """The 400 any deployment answers for images it cannot take: too many, an undecodable or
    unsupported data URL, one over the size limit. Remote URLs pass (this fake fetches none)."""
    import base64
    import binascii

    parts = image_parts(messages)
    if len(parts) > MAX_IMAGES:
        return Fail(
            400, None, f"Too many images in request. Max is {MAX_IMAGES}.",
            type=INVALID_REQUEST,
        )  # fmt: skip
    for i, j, image in parts:
        url = str(image.get("url", ""))
        if not url.startswith("data:"):
            continue
        head, _, encoded = url.partition(",")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            data = b""
        ok = head.endswith(";base64") and (
            data.startswith(_IMAGE_SIGNATURES) or data[8:12] == b"WEBP"
        )
        if not ok:
            return Fail(
                400, "invalid_image_format",
                "You uploaded an unsupported image. Please make sure your image has of one the "
                "following formats: ['png', 'jpeg', 'gif', 'webp'].",
                param=f"messages.[{i}].content.[{j}].image_url", type=INVALID_REQUEST,
            )  # fmt: skip
        if len(data) > MAX_IMAGE_BYTES:
            return Fail(
                400, "image_too_large", "Image size exceeds the limit of 20 MB.",
                param=f"messages.[{i}].content.[{j}].image_url", type=INVALID_REQUEST,
            )  # fmt: skip
    return None


def tool_turn_problem(messages: list[Any]) -> Fail | None:
    """Azure's 400 for a split tool turn: a `tool` message not right after the assistant message
    (or its sibling results) carrying its `tool_call_id`, or a tool call left without a result.
    Azure answers these whatever the model; the wording is the service's own."""
    open_calls: list[str] | None = None  # ids still unanswered of the turn being answered
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            if open_calls is None or message.get("tool_call_id") not in open_calls:
                return Fail(
                    400, None,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{i}].role", type=INVALID_REQUEST,
                )  # fmt: skip
            open_calls.remove(message.get("tool_call_id"))
            continue
        if open_calls:
            return _unanswered(open_calls, i - 1)
        calls = message.get("tool_calls") if role == "assistant" else None
        open_calls = [c.get("id") for c in calls] if calls else None
    return _unanswered(open_calls, len(messages) - 1) if open_calls else None


def _unanswered(ids: list[str], index: int) -> Fail:
    return Fail(
        400, None,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(ids),
        param=f"messages.[{index}].role", type=INVALID_REQUEST,
    )  # fmt: skip


Behaviour: TypeAlias = "Reply | Fail | Drop | Hang | Malformed | Trickle | Failed"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any | None
    auth_kind: str | None  # which credential was presented: "api-key", "bearer" or None
    authorized: bool = False
    time: float = field(default_factory=time.monotonic)
    header_lines: list[tuple[str, str]] = field(default_factory=list)  # as sent, repeats kept


# --------------------------------------------------------------------------- helpers


def _text_of(content: Any) -> str:
    """Message content may be a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def _word_count(messages: list[dict]) -> int:
    return sum(len(_text_of(m.get("content")).split()) for m in messages if isinstance(m, dict))


def _echo(messages: list[dict]) -> str:
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            return "You said: " + _text_of(m.get("content"))
    return "You said: "


APIM_MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key when "
    "making requests to an API."
)


@dataclass
class Gateway:
    """An API Management-like gateway: serves the API under `prefix` instead of /openai and
    refuses requests without `required` headers, in JSON as APIM does or as an HTML page."""

    prefix: str = "/openai"
    required: dict[str, str] = field(default_factory=dict)
    html: bool = False

    def route(self, path: str) -> str:
        if path.startswith(self.prefix + "/"):
            return "/openai" + path[len(self.prefix) :]
        return "/not-served-by-the-gateway" + path

    def refusal(self, headers: dict[str, str]) -> tuple[int, str, bytes] | None:
        for name, value in self.required.items():
            if headers.get(name.lower()) != value:
                if self.html:
                    page = (
                        "<html><head><title>401</title><style>p{}</style></head><body>"
                        "<h1>Unauthorized</h1><p>Contoso gateway: sign-in header "
                        f"{name} missing.</p></body></html>"
                    )
                    return 401, "text/html", page.encode()
                body = {"statusCode": 401, "message": APIM_MISSING_KEY}
                return 401, "application/json", json.dumps(body).encode()
        return None


class _AbortConnection(Exception):
    """Raised inside a handler to close the connection abruptly."""


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


class _Handler(BaseHTTPRequestHandler):
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

    def do_POST(self) -> None:
        try:
            self._handle()
        except _AbortConnection:
            self._abort()
        except OSError:
            self.close_connection = True

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

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

    # -- request handling

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        auth_kind, authorized = fake._authenticate(headers)
        fake._record(
            RecordedRequest(
                self.command,
                url.path,
                query,
                headers,
                body,
                auth_kind,
                authorized,
                header_lines=list(self.headers.items()),
            )
        )
        gateway = fake.gateway
        if gateway is not None:
            path = gateway.route(url.path)
            refusal = gateway.refusal(headers)
            if refusal is not None:
                status, content_type, data = refusal
                return self._send_json(status, None, {"content-type": content_type}, raw=data)
            url = url._replace(path=path)

        if url.path in RESPONSES_ROUTES or (
            url.path == API_VERSION_ROUTE and "api-version" in query
        ):
            return self._responses(body, authorized)
        not_found = {"error": {"code": "404", "message": "Resource not found"}}
        if self.command == "GET" and url.path in _MODELS_ROUTES:
            return self._list_models(authorized, not_found)
        match = _DEPLOYMENT_ROUTE.match(url.path)
        if self.command != "POST" or not (match or url.path in _V1_ROUTES):
            return self._send_json(404, not_found)
        if match and "api-version" not in query:
            return self._send_json(404, not_found)
        if not authorized:
            return self._send_fail(Fail.unauthorized())
        if not isinstance(body, dict):
            return self._send_json(
                400, {"error": {"code": "BadRequest", "message": "Invalid JSON body."}}
            )
        deployment = unquote(match.group(1)) if match else str(body.get("model", ""))
        if fake.deployments is not None and deployment not in fake.deployments:
            return self._send_fail(Fail.deployment_not_found())
        model = fake.models.get(deployment)
        rejection = model.check(body) if model is not None and isinstance(body, dict) else None
        if rejection is not None:
            return self._send_fail(rejection)
        if not isinstance(body.get("messages"), list):
            return self._send_json(
                400,
                {
                    "error": {
                        "message": "'messages' is a required property",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
        rejection = tool_turn_problem(body["messages"]) or image_problem(body["messages"])
        if rejection is not None:
            return self._send_fail(rejection)
        if fake.blocked_words and any(
            word in _text_of(m.get("content")) for m in body["messages"] if isinstance(m, dict)
            for word in fake.blocked_words
        ):  # Azure's prompt filter reads the whole prompt: history blocks as the question does
            return self._send_fail(Fail.content_filter())
        return self._run(fake._next_behaviour(), body, deployment)

    def _list_models(self, authorized: bool, not_found: dict) -> None:
        """GET /v1/models as an OpenAI-compatible server answers it (the models it serves,
        https://platform.openai.com/docs/api-reference/models/list); 404 where not listed."""
        listed = self.server.fake.listed_models
        if listed is None:
            return self._send_json(404, not_found)
        if not authorized:
            return self._send_fail(Fail.unauthorized())
        data = [{"id": name, "object": "model", "created": 1715367049, "owned_by": "system"}
                for name in listed]  # fmt: skip
        return self._send_json(200, {"object": "list", "data": data})

    def _responses(self, body: Any, authorized: bool) -> None:
        """The Responses API (tests/support/fake_responses.py)."""
        fake = self.server.fake
        if self.command != "POST":
            return self._send_json(404, {"error": {"code": "404", "message": "Resource not found"}})
        if not authorized:
            return self._send_fail(Fail.unauthorized())
        if not isinstance(body, dict):
            return self._send_json(
                400, {"error": {"code": "BadRequest", "message": "Invalid JSON body."}}
            )
        deployment = str(body.get("model", ""))
        if fake.deployments is not None and deployment not in fake.deployments:
            return self._send_fail(Fail.deployment_not_found())
        model = fake.models.get(deployment)
        wire = ResponsesWire(self, body, deployment)
        rejection = (model.check(body) if model is not None else None) or wire.refusal()
        if rejection is not None:
            return self._send_fail(rejection)
        return self._run(fake._next_behaviour(), body, deployment, wire)

    def _run(
        self, behaviour: Behaviour, body: dict, deployment: str, wire: ResponsesWire | None = None
    ) -> None:
        fake = self.server.fake
        if isinstance(behaviour, Fail):
            self._send_fail(behaviour)
        elif isinstance(behaviour, Drop):
            raise _AbortConnection
        elif isinstance(behaviour, Hang):
            if fake._hang(behaviour.seconds) and behaviour.then is not None:
                self._run(behaviour.then, body, deployment, wire)
            else:
                raise _AbortConnection
        elif isinstance(behaviour, Malformed):
            self._malformed(behaviour, bool(body.get("stream")))
        elif isinstance(behaviour, Trickle):
            self._trickle(behaviour)
        elif wire is not None:
            wire.serve(behaviour)
        elif body.get("stream") and not behaviour.plain_json:
            self._stream(behaviour, body, deployment)
        else:
            self._complete(behaviour, body, deployment)

    def _send_fail(self, fail: Fail) -> None:
        self._send_json(fail.status, fail.body(), dict(fail.headers or {}))

    def _trickle(self, t: Trickle) -> None:
        self._start(200, "text/event-stream; charset=utf-8", {"Transfer-Encoding": "chunked"})
        self.end_headers()
        ends = time.monotonic() + t.seconds
        while time.monotonic() < ends:
            self._chunk(b":\n")
            self._pause(t.interval)
        raise _AbortConnection

    def _malformed(self, m: Malformed, stream: bool) -> None:
        if not stream:
            return self._send_json(200, None, {"content-type": m.content_type}, m.body.encode())
        self._start(200, "text/event-stream; charset=utf-8", {"Transfer-Encoding": "chunked"})
        self.end_headers()
        self._event({"choices": [], "created": 0, "id": "", "model": "", "object": ""})
        self._chunk(b"data: {this is not json\n\n")
        self._event("[DONE]")
        self._chunk(b"")
        return None

    def _plan(self, reply: Reply, body: dict) -> tuple[list[str], str | None, int, int]:
        """Content pieces, finish_reason, prompt and completion token counts."""
        fake = self.server.fake
        messages = body.get("messages") or []
        text = reply.text if reply.text is not None else _echo(messages)
        size = max(1, reply.chunk_size)
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        finish = reply.finish_reason
        # Treat one piece as one token so max_tokens truncates like the real service.
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and limit > 0 and len(pieces) > limit:
            pieces, finish = pieces[:limit], "length"
        if fake.prompt_counter is not None:
            prompt = fake.prompt_counter(messages)
        elif reply.prompt_tokens is not None:
            prompt = reply.prompt_tokens
        else:
            prompt = _word_count(messages)
        completion = reply.completion_tokens if reply.completion_tokens is not None else len(pieces)
        return pieces, finish, prompt, completion

    @staticmethod
    def _usage(prompt: int, completion: int, reply: Reply | None = None) -> dict[str, Any]:
        reasoning = reply.reasoning_tokens if reply is not None else 0
        cached = reply.cached_tokens if reply is not None else 0
        return {
            "completion_tokens": completion,
            "completion_tokens_details": {
                "accepted_prediction_tokens": 0,
                "audio_tokens": 0,
                "reasoning_tokens": reasoning,
                "rejected_prediction_tokens": 0,
            },
            "prompt_tokens": prompt,
            "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": cached},
            "total_tokens": prompt + completion,
        }

    def _ok_headers(self, prompt: int, completion: int) -> dict[str, str]:
        return {
            "x-ratelimit-remaining-requests": "99",
            "x-ratelimit-remaining-tokens": str(max(0, 100_000 - prompt - completion)),
        }

    def _complete(self, reply: Reply, body: dict, deployment: str) -> None:
        fake = self.server.fake
        pieces, finish, prompt, completion = self._plan(reply, body)
        self._pause(reply.first_byte_delay + reply.think)  # no stream: silence before headers
        obj = {
            "choices": [
                {
                    "content_filter_results": content_filter_results(reply.flagged),
                    "finish_reason": finish,
                    "index": 0,
                    "logprobs": None,
                    "message": {
                        "annotations": [],
                        "content": "".join(pieces) if pieces or not reply.tool_calls else None,
                        "refusal": None,
                        "role": "assistant",
                        **({"tool_calls": reply.tool_calls} if reply.tool_calls else {}),
                    },
                }
            ],
            "created": int(time.time()),
            "id": _completion_id(),
            "model": fake.model_name or deployment,
            "object": "chat.completion",
            "prompt_filter_results": [
                {"prompt_index": 0, "content_filter_results": content_filter_results()}
            ],
            "system_fingerprint": _SYSTEM_FINGERPRINT,
            "usage": self._usage(prompt, completion, reply),
        }
        data = json.dumps(obj).encode()
        if reply.drop_after is None:
            return self._send_json(200, None, self._ok_headers(prompt, completion), data)
        # A non-streamed "drop": promise the full length, deliver half, hang up.
        self._start(200, "application/json", self._ok_headers(prompt, completion))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        raise _AbortConnection

    def _stream(self, reply: Reply, body: dict, deployment: str) -> None:
        fake = self.server.fake
        pieces, finish, prompt, completion = self._plan(reply, body)
        self._pause(reply.first_byte_delay)
        extra = {"Cache-Control": "no-cache", "Transfer-Encoding": "chunked"}
        extra.update(self._ok_headers(prompt, completion))
        self._start(200, "text/event-stream; charset=utf-8", extra)
        self.end_headers()

        # Azure opens with an anonymous chunk carrying only the prompt's filter results.
        self._event(
            {
                "choices": [],
                "created": 0,
                "id": "",
                "model": "",
                "object": "",
                "prompt_filter_results": [
                    {"prompt_index": 0, "content_filter_results": content_filter_results()}
                ],
            }
        )
        base = {
            "created": int(time.time()),
            "id": _completion_id(),
            "model": fake.model_name or deployment,
            "object": "chat.completion.chunk",
            "system_fingerprint": _SYSTEM_FINGERPRINT,
        }

        def chunk(delta: dict, cfr: dict, finish_reason: str | None = None) -> dict[str, Any]:
            choice = {
                "content_filter_results": cfr,
                "delta": delta,
                "finish_reason": finish_reason,
                "index": 0,
                "logprobs": None,
            }
            return {"choices": [choice], **base}

        self._pause(reply.think)
        self._event(chunk({"content": "", "refusal": None, "role": "assistant"}, {}))
        # Only below-"high" annotations ride on content; the filtering hit ends the stream.
        mild = {k: v for k, v in (reply.flagged or {}).items() if v != "high"}
        for i, piece in enumerate(pieces):
            if reply.drop_after is not None and i >= reply.drop_after:
                raise _AbortConnection
            if i:
                self._pause(reply.delay)
            self._event(chunk({"content": piece}, content_filter_results(mild)))
        if reply.drop_after is not None and len(pieces) >= reply.drop_after:
            raise _AbortConnection
        for index, call in enumerate(reply.tool_calls or []):
            function = call["function"]
            opening = {"index": index, "id": call["id"], "type": call.get("type", "function"),
                       "function": {"name": function["name"], "arguments": ""}}  # fmt: skip
            self._event(chunk({"tool_calls": [opening]}, {}))
            arguments = function["arguments"]
            for at in range(0, len(arguments), reply.chunk_size):
                piece = {"arguments": arguments[at : at + reply.chunk_size]}
                self._event(chunk({"tool_calls": [{"index": index, "function": piece}]}, {}))
        self._pause(reply.delay if pieces else 0.0)
        last = chunk(reply.finish_delta, content_filter_results(reply.flagged), finish)
        if reply.finish_delta is ABSENT:
            del last["choices"][0]["delta"]
        self._event(last)
        for choice in reply.after_finish:  # Azure's annotation chunks are anonymous
            self._event({"choices": [choice], "created": 0, "id": "", "model": "", "object": ""})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": self._usage(prompt, completion, reply)})
        self._event("[DONE]")
        self._pause(reply.linger_after_done)
        self._chunk(b"")


def _completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:29]


# --------------------------------------------------------------------------- server


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


# --------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Azure OpenAI chat-completions server")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--deployment", action="append", help="accept only these (repeatable)")
    parser.add_argument("--model-name", default=None)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--close-connections", action="store_true", help="end every connection after its response"
    )
    args = parser.parse_args(argv)
    srv = FakeAzure(
        api_key=args.api_key,
        deployments=set(args.deployment) if args.deployment else None,
        port=args.port,
        model_name=args.model_name,
        verbose=not args.quiet,
    )
    srv.default = Reply(delay=args.delay)
    srv.close_connections = args.close_connections
    with srv:
        print(f"FakeAzure listening on {srv.url}  (api key: {args.api_key})")
        print(f"  Azure v1 base_url:      {srv.v1_base_url}")
        print(f"  AzureOpenAI endpoint:   {srv.azure_endpoint}")
        print(f"  OpenAI-compatible base: {srv.openai_base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
