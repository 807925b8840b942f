"""FakeAzure's request handler: records each request, then routes it (gateway, Responses API,
model listing, chat completions), checks the credential, deployment, model and messages as
Azure does, and plays the next scripted behaviour."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.fake_azure_behaviours import (
    Behaviour,
    Drop,
    Hang,
    Malformed,
    Reply,
    Trickle,
)
from tests.support.fake_azure_chat import ChatCompletionsHandler, text_of
from tests.support.fake_azure_errors import Fail
from tests.support.fake_azure_images import image_problem
from tests.support.fake_azure_request_log import RecordedRequest
from tests.support.fake_azure_tool_turns import tool_turn_problem
from tests.support.fake_azure_wire import _AbortConnection
from tests.support.fake_responses import (
    API_VERSION_ROUTE,
    RESPONSES_ROUTES,
    Failed,
    ResponsesWire,
)

_DEPLOYMENT_ROUTE = re.compile(r"^/openai/deployments/([^/]+)/chat/completions/?$")
_V1_ROUTES = ("/openai/v1/chat/completions", "/v1/chat/completions")
_MODELS_ROUTES = ("/v1/models", "/openai/v1/models")


class _Handler(ChatCompletionsHandler):
    def do_POST(self) -> None:
        try:
            self._handle()
        except _AbortConnection:
            self._abort()
        except OSError:
            self.close_connection = True

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

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
            word in text_of(m.get("content"))
            for m in body["messages"]
            if isinstance(m, dict)
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
        elif isinstance(behaviour, Failed):  # its text, then an `error` event in the stream
            self._stream(Reply(behaviour.text_before), body, deployment, failed=behaviour)
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
