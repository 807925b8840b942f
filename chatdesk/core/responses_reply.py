"""A Responses API response read as the reply chatdesk keeps: text, reasoning summary, tool
calls, and the finish cases Chat Completions names.

A response (https://platform.openai.com/docs/api-reference/responses/object) holds `output`
items: `message` (its `output_text` and `refusal` parts), `reasoning` (its `summary` parts),
`function_call`. Its `status` and `incomplete_details.reason` map onto Chat Completions'
`finish_reason`, so the reply card, the command line and the file treat both APIs alike:

| Responses | finish_reason |
|---|---|
| `completed` | `stop` (`tool_calls` when it asks for function calls) |
| `incomplete`, reason `max_output_tokens` | `length` |
| `incomplete`, reason `content_filter` | `content_filter` |
| `incomplete`, another reason | that reason |
| `failed`, `cancelled`, `in_progress` | none (the reply is incomplete) |

`usage` is kept as the Responses API names it (`input_tokens`, `output_tokens`, ...);
`core/usage.py` reads both namings.
"""

from __future__ import annotations

from typing import Any

import msgspec

from chatdesk.core.choices import FinishReason

_INCOMPLETE_REASONS = {
    "max_output_tokens": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
}


def finish_reason(status: Any, incomplete_details: Any, calls: bool = False) -> str | None:
    """The Chat Completions `finish_reason` of a response's status (table above)."""
    if status == "completed":
        return FinishReason.TOOL_CALLS if calls else FinishReason.STOP
    if status == "incomplete":
        reason = incomplete_details.get("reason") if isinstance(incomplete_details, dict) else None
        if isinstance(reason, str) and reason:
            return _INCOMPLETE_REASONS.get(reason, reason)
        return FinishReason.LENGTH  # the documented default cause
    return None


class ResponseReply(msgspec.Struct):
    """What a response says, as plain values."""

    response_id: str | None = None
    model: str | None = None
    status: str | None = None
    text: str = ""
    refusal: str = ""
    reasoning_summary: list[str] = msgspec.field(default_factory=list)  # one text per summary part
    tool_calls: list[dict[str, Any]] = msgspec.field(default_factory=list)  # Chat Completions shape
    annotations: list[Any] = msgspec.field(default_factory=list)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    error: dict[str, Any] | None = None  # a failed response's `error` {code, message}


def function_call(item: dict[str, Any]) -> dict[str, Any]:
    """A `function_call` output item as a Chat Completions tool call (`call_id` is its id)."""
    return {
        "id": item.get("call_id") or item.get("id") or "",
        "type": "function",
        "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")},
    }


def read_response(data: dict[str, Any]) -> ResponseReply:
    """The reply a response object (its JSON) holds. Unknown output item and part types are
    skipped: they are shown neither as text nor as reasoning."""
    reply = ResponseReply(
        response_id=_str(data.get("id")),
        model=_str(data.get("model")),
        status=_str(data.get("status")),
    )
    texts: list[str] = []
    for item in data.get("output") or []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "output_text":
                    texts.append(str(part.get("text", "")))
                    reply.annotations.extend(part.get("annotations") or [])
                elif part.get("type") == "refusal":
                    reply.refusal += str(part.get("refusal", ""))
        elif kind == "reasoning":
            reply.reasoning_summary.extend(
                str(s.get("text", ""))
                for s in item.get("summary") or []
                if isinstance(s, dict) and s.get("text")
            )
        elif kind == "function_call":
            reply.tool_calls.append(function_call(item))
    reply.text = "".join(texts) or reply.refusal
    usage = data.get("usage")
    reply.usage = usage if isinstance(usage, dict) else None
    error = data.get("error")
    reply.error = error if isinstance(error, dict) else None
    reply.finish_reason = finish_reason(
        reply.status, data.get("incomplete_details"), bool(reply.tool_calls)
    )
    return reply


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
