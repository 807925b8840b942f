"""Chat completions as Azure answers them: one `chat.completion` body, or the stream of
`chat.completion.chunk` events (the anonymous prompt-filter chunk first, content pieces with
their filter annotations, tool call deltas, the finish chunk, usage, `[DONE]`)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from tests.support.fake_azure_behaviours import ABSENT, Reply
from tests.support.fake_azure_filters import content_filter_results
from tests.support.fake_azure_wire import WireHandler, _AbortConnection

_SYSTEM_FINGERPRINT = "fp_fakeazure01"


def text_of(content: Any) -> str:
    """Message content may be a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def word_count(messages: list[dict]) -> int:
    return sum(len(text_of(m.get("content")).split()) for m in messages if isinstance(m, dict))


def echo(messages: list[dict]) -> str:
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            return "You said: " + text_of(m.get("content"))
    return "You said: "


def _completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:29]


class ChatCompletionsHandler(WireHandler):
    """Answers a chat-completions request's `Reply`, streamed or not."""

    def _plan(self, reply: Reply, body: dict) -> tuple[list[str], str | None, int, int]:
        """Content pieces, finish_reason, prompt and completion token counts."""
        fake = self.server.fake
        messages = body.get("messages") or []
        text = reply.text if reply.text is not None else echo(messages)
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
            prompt = word_count(messages)
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

    def _stream(self, reply: Reply, body: dict, deployment: str, failed: Any = None) -> None:
        """The chunks of `reply`; with `failed` (a `Failed`), its text and then the `error`
        event a Chat Completions stream ends with when the service fails the reply."""
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
        if failed is not None:
            error = {"code": failed.code, "message": failed.message, "type": "server_error"}
            self._event({"error": error})
            self._chunk(b"")
            return
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
