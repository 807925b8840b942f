"""FakeAzure's Responses API: `POST /openai/v1/responses` (and `/v1/responses`, and
`/openai/responses?api-version=...`) in Azure's wire format.

- Streamed: `event: <type>` / `data: {...}` Server-Sent Events, in the order Azure sends them:
  `response.created`, `response.in_progress`, a `reasoning` output item with its
  `response.reasoning_summary_part.added` / `response.reasoning_summary_text.delta` / ...done
  events (only when the request asks for `reasoning.summary`), the `message` item with
  `response.output_text.delta` events, `function_call` items, then one of
  `response.completed`, `response.incomplete` (`incomplete_details.reason`
  `max_output_tokens` or `content_filter`) or `response.failed`. No `[DONE]`: the body ends.
- Not streamed: the `response` object (status `completed`, `incomplete` or `failed`).
- `store` (Azure's default: true) keeps the response; `previous_response_id` continues from a
  stored one (its input, instructions excepted, and output count as this request's input
  tokens), and one the server does not hold is answered 404 `previous_response_not_found`.
- One `Reply.chunk_size` piece counts as one output token (`max_output_tokens` cuts there);
  input tokens are the words of the whole chain's input, instructions and outputs.

Test scripts: `Reply(text, summary=[...], reasoning_tokens=N, finish_reason="content_filter")`,
`Failed(code, message)`, and every other FakeAzure behaviour (Fail, Drop, Hang...).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fake_azure_behaviours import Reply
    from tests.support.fake_azure_handler import _Handler

RESPONSES_ROUTES = ("/openai/v1/responses", "/v1/responses")
API_VERSION_ROUTE = "/openai/responses"
GONE_MESSAGE = "Previous response with id '{id}' not found."


@dataclass
class Failed:
    """A response the service accepted and then failed: streamed, text pieces then
    `response.failed`; not streamed, the response object with status "failed". Served to a
    Chat Completions stream: its text, then an `error` event (`data: {"error": {...}}`)."""

    code: str = "server_error"
    message: str = "The model produced invalid content. Consider modifying your prompt."
    text_before: str = ""  # text streamed before the failure


@dataclass
class Stored:
    """What the server keeps of a stored response: the chain's words so far, its object."""

    words: int
    response: dict[str, Any]


def gone(response_id: str) -> Any:
    from tests.support.fake_azure_errors import INVALID_REQUEST, Fail

    return Fail(
        404,
        "previous_response_not_found",
        GONE_MESSAGE.format(id=response_id),
        param="previous_response_id",
        type=INVALID_REQUEST,
    )


def _words(value: Any) -> int:
    """Words of the text in an input value, instructions or output (strings at any depth,
    ids and types excepted)."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    if isinstance(value, dict):
        return sum(
            _words(v) for k, v in value.items() if k in ("content", "text", "output", "arguments")
        )
    return 0


def _last_user_text(items: Any) -> str:
    if isinstance(items, str):
        return items
    for item in reversed(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, str):
                return content
            return " ".join(
                str(p.get("text", "")) for p in content or [] if isinstance(p, dict)
            )
    return ""


class ResponsesWire:
    """Serves one Responses request on a FakeAzure handler."""

    def __init__(self, handler: _Handler, body: dict[str, Any], deployment: str) -> None:
        self.handler = handler
        self.fake = handler.server.fake
        self.body = body
        self.deployment = deployment
        self.id = "resp_" + uuid.uuid4().hex
        self.seq = 0

    # -- checks before any behaviour is taken
    def refusal(self) -> Any:
        """The 4xx this request is answered with before any behaviour, or None."""
        from tests.support.fake_azure_errors import Fail

        body = self.body
        if "input" not in body and "previous_response_id" not in body:
            return Fail(400, None, "Missing required parameter: 'input'.", param="input",
                        type="invalid_request_error")  # fmt: skip
        if "messages" in body:
            return Fail(400, "unknown_parameter", "Unknown parameter: 'messages'.",
                        param="messages", type="invalid_request_error")  # fmt: skip
        limit = body.get("max_output_tokens")
        if isinstance(limit, int) and limit < 16:
            return Fail(400, "integer_below_min_value",
                        "Invalid 'max_output_tokens': integer below minimum value. Expected a "
                        f"value >= 16, but got {limit} instead.", param="max_output_tokens",
                        type="invalid_request_error")  # fmt: skip
        previous = body.get("previous_response_id")
        if previous is not None and previous not in self.fake.stored_responses:
            return gone(str(previous))
        return None

    # -- the answer
    def serve(self, behaviour: Any) -> None:
        from tests.support.fake_azure_behaviours import Reply

        if isinstance(behaviour, Failed):
            reply = Reply(behaviour.text_before or "")
            return self._answer(reply, failed=behaviour)
        return self._answer(behaviour)

    def _plan(self, reply: Reply) -> tuple[list[str], str, str | None, int, int]:
        """Text pieces, status, incomplete reason, input and output tokens."""
        body = self.body
        text = reply.text if reply.text is not None else "You said: " + _last_user_text(
            body.get("input")
        )
        size = max(1, reply.chunk_size)
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        status, reason = "completed", None
        if reply.finish_reason == "content_filter":
            status, reason = "incomplete", "content_filter"
        limit = body.get("max_output_tokens")
        if isinstance(limit, int) and limit > 0 and len(pieces) + reply.reasoning_tokens > limit:
            pieces = pieces[: max(0, limit - reply.reasoning_tokens)]
            status, reason = "incomplete", "max_output_tokens"
        chain = 0
        previous = body.get("previous_response_id")
        if previous is not None:
            chain = self.fake.stored_responses[previous].words
        words = chain + _words(body.get("input")) + _words(body.get("instructions"))
        prompt = reply.prompt_tokens if reply.prompt_tokens is not None else words
        output = reply.completion_tokens
        if output is None:
            output = len(pieces) + reply.reasoning_tokens
        return pieces, status, reason, prompt, output

    def _response(
        self,
        status: str,
        output: list[dict[str, Any]],
        *,
        reason: str | None = None,
        usage: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = self.body
        return {
            "id": self.id,
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "background": False,
            "error": error,
            "incomplete_details": {"reason": reason} if reason else None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": self.fake.model_name or self.deployment,
            "output": output,
            "parallel_tool_calls": True,
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {
                "effort": (body.get("reasoning") or {}).get("effort"),
                "summary": (body.get("reasoning") or {}).get("summary"),
            },
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "top_p": body.get("top_p", 1.0),
            "truncation": body.get("truncation", "disabled"),
            "usage": usage,
            "user": body.get("user"),
            "metadata": body.get("metadata") or {},
        }

    @staticmethod
    def _usage(prompt: int, output: int, reply: Reply) -> dict[str, Any]:
        return {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": reply.cached_tokens},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
            "total_tokens": prompt + output,
        }

    def _items(
        self, reply: Reply, text: str, summary: list[str], message_status: str
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if summary or reply.reasoning_tokens:
            items.append({
                "id": "rs_" + uuid.uuid4().hex, "type": "reasoning",
                "summary": [{"type": "summary_text", "text": s} for s in summary],
            })  # fmt: skip
        if text or not reply.tool_calls:
            items.append({
                "id": "msg_" + uuid.uuid4().hex, "type": "message", "status": message_status,
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            })  # fmt: skip
        for call in reply.tool_calls or []:
            items.append({
                "id": "fc_" + uuid.uuid4().hex, "type": "function_call", "status": "completed",
                "call_id": call["id"], "name": call["function"]["name"],
                "arguments": call["function"]["arguments"],
            })  # fmt: skip
        return items

    def _answer(self, reply: Reply, failed: Failed | None = None) -> None:
        handler = self.handler
        pieces, status, reason, prompt, output = self._plan(reply)
        wants_summary = (self.body.get("reasoning") or {}).get("summary") is not None
        summary = list(reply.summary or []) if wants_summary else []
        text = "".join(pieces)
        usage = self._usage(prompt, output, reply)
        error = None
        if failed is not None:
            status, reason, usage = "failed", None, None
            error = {"code": failed.code, "message": failed.message}
        message_status = "completed" if status == "completed" else "incomplete"
        items = self._items(reply, text, summary, message_status)
        final = self._response(status, items, reason=reason, usage=usage, error=error)
        if final["store"] and failed is None:
            # The chain: this input and output; instructions are not carried over.
            chain = prompt - _words(self.body.get("instructions")) + _words(items)
            self.fake.stored_responses[self.id] = Stored(chain, final)
        if self.body.get("stream") and not reply.plain_json:
            self._stream(reply, pieces, summary, items, final)
        else:
            handler._pause(reply.first_byte_delay + reply.think)
            handler._send_json(200, final)

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        payload = {"type": kind, "sequence_number": self.seq, **data}
        self.seq += 1
        line = json.dumps(payload, separators=(",", ":"))
        self.handler._chunk(f"event: {kind}\ndata: {line}\n\n".encode())

    def _stream(
        self,
        reply: Reply,
        pieces: list[str],
        summary: list[str],
        items: list[dict[str, Any]],
        final: dict[str, Any],
    ) -> None:
        handler = self.handler
        handler._pause(reply.first_byte_delay)
        extra = {"Cache-Control": "no-cache", "Transfer-Encoding": "chunked"}
        handler._start(200, "text/event-stream; charset=utf-8", extra)
        handler.end_headers()
        opening = {**final, "status": "in_progress", "output": [], "usage": None}
        opening.update(incomplete_details=None, error=None)
        self._event("response.created", {"response": opening})
        self._event("response.in_progress", {"response": opening})
        handler._pause(reply.think)
        for index, item in enumerate(items):
            empty = {"summary": [], "content": []}
            started = {**item, "status": "in_progress"}
            started.update({k: v for k, v in empty.items() if k in item})
            self._event("response.output_item.added", {"output_index": index, "item": started})
            if item["type"] == "reasoning":
                self._summary(reply, item, index, summary)
            elif item["type"] == "message":
                self._text(reply, item, index, pieces)
            elif item["type"] == "function_call":
                where = {"item_id": item["id"], "output_index": index}
                self._event("response.function_call_arguments.delta",
                            {**where, "delta": item["arguments"]})  # fmt: skip
            self._event("response.output_item.done", {"output_index": index, "item": item})
        ending = "response." + {"completed": "completed", "incomplete": "incomplete",
                                "failed": "failed"}[final["status"]]  # fmt: skip
        self._event(ending, {"response": final})
        handler._pause(reply.linger_after_done)
        handler._chunk(b"")

    def _summary(self, reply: Reply, item: dict[str, Any], index: int, parts: list[str]) -> None:
        for at, part in enumerate(parts):
            where = {"item_id": item["id"], "output_index": index, "summary_index": at}
            empty = {"type": "summary_text", "text": ""}
            self._event("response.reasoning_summary_part.added", {**where, "part": empty})
            for start in range(0, len(part), max(1, reply.chunk_size)):
                self.handler._pause(reply.delay)
                piece = part[start : start + max(1, reply.chunk_size)]
                self._event("response.reasoning_summary_text.delta", {**where, "delta": piece})
            self._event("response.reasoning_summary_text.done", {**where, "text": part})
            done = {"type": "summary_text", "text": part}
            self._event("response.reasoning_summary_part.done", {**where, "part": done})

    def _text(self, reply: Reply, item: dict[str, Any], index: int, pieces: list[str]) -> None:
        from tests.support.fake_azure_wire import _AbortConnection

        where = {"item_id": item["id"], "output_index": index, "content_index": 0}
        empty = {"type": "output_text", "text": "", "annotations": []}
        self._event("response.content_part.added", {**where, "part": empty})
        for i, piece in enumerate(pieces):
            if reply.drop_after is not None and i >= reply.drop_after:
                raise _AbortConnection
            if i:
                self.handler._pause(reply.delay)
            self._event("response.output_text.delta", {**where, "delta": piece, "logprobs": []})
        if reply.drop_after is not None and len(pieces) >= reply.drop_after:
            raise _AbortConnection
        text = "".join(pieces)
        self._event("response.output_text.done", {**where, "text": text, "logprobs": []})
        self._event("response.content_part.done", {**where, "part": item["content"][0]})
