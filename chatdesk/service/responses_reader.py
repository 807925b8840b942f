"""Reading a reply from the Responses API: its stream of `response.*` events, or one response.

The events read (https://platform.openai.com/docs/api-reference/responses-streaming):
`response.created` (the id), `response.output_text.delta` (text), `response.refusal.delta`
(a refusal, shown as the text), `response.reasoning_summary_part.added` and
`response.reasoning_summary_text.delta` (the reasoning summary), `response.output_item.done`
(a finished `function_call`), and one of `response.completed` / `response.incomplete` (the
whole response: status, `incomplete_details`, usage) or `response.failed` / `error` (raised
as `errors.service_failure`, with the text that arrived in `partial`). Every other event is skipped.
The response itself is read by `core/responses_reply.py`, so a streamed reply and a whole
one end in the same `ReplyResult`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx2

from chatdesk.core.responses_reply import function_call, read_response
from chatdesk.core.text_policy import replace_surrogates
from chatdesk.service.errors import service_failure
from chatdesk.service.events import CancelToken, ReasoningDelta, ReplyDelta
from chatdesk.service.reply_reader import ReplyState


def take_response(state: ReplyState, data: dict[str, Any]) -> None:
    """Record a whole response (a non-streamed answer, or the stream's last event) in
    `state`. Text, reasoning and tool calls that already streamed are kept as they came.
    Raises ChatError when the response failed."""
    reply = read_response(data)
    if reply.status == "failed":
        raise service_failure(reply.error)
    state.response_id = reply.response_id or state.response_id
    state.model = reply.model or state.model
    state.stored = data.get("store") is True
    state.finish_reason = reply.finish_reason
    state.usage = reply.usage
    if not state.parts and reply.text:
        text, replaced = replace_surrogates(reply.text)
        state.replaced += replaced
        state.parts.append(text)
    if not state.reasoning and reply.reasoning_summary:
        state.reasoning = list(reply.reasoning_summary)
    if not state.tool_calls and reply.tool_calls:
        state.tool_calls = reply.tool_calls
    if not state.annotations and reply.annotations:
        state.annotations = list(reply.annotations)


def server_sent_events(response: httpx2.Response) -> Iterator[dict[str, Any]]:
    """The JSON `data` of each event of a `text/event-stream` body, as they arrive. Lines as the
    event-stream format has them (https://html.spec.whatwg.org/multipage/server-sent-events.html
    #event-stream-interpretation): `data:` lines joined by a newline, an empty line ends an
    event, `:` starts a comment; other fields (`event:`, `id:`, `retry:`) are not needed — a
    Responses event names its type in its JSON. Raises json.JSONDecodeError for data that is
    not JSON (`[DONE]` ends the stream)."""
    data: list[str] = []
    for line in response.iter_lines():
        if line:
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value[1:] if value.startswith(" ") else value)
            continue
        if data:
            payload, data = "\n".join(data), []
            if payload == "[DONE]":
                return
            event = json.loads(payload)
            if isinstance(event, dict):
                yield event
    if data and (payload := "\n".join(data)) != "[DONE]":  # a last event with no blank line
        event = json.loads(payload)
        if isinstance(event, dict):
            yield event


def read_events(
    response: httpx2.Response, state: ReplyState, cancel: CancelToken, clock: Callable[[], float]
) -> Iterator[ReplyDelta | ReasoningDelta]:
    """Yield the text and reasoning-summary deltas of a Responses stream, recording the rest
    in `state`. Kept lean: it runs once per event. The events are read as JSON here, not as
    the SDK's models: the SDK builds its Responses event models' pydantic schemas on the first
    stream (3-7 s on this 2-core machine, the reply's text already shown and still "Writing…";
    tester, session 13), and the reply needs a few fields of each."""
    parts = state.parts
    reasoning = state.reasoning
    for event in server_sent_events(response):
        if cancel.cancelled:
            state.cancelled = True
            return
        kind = event.get("type")
        if kind == "response.output_text.delta" or kind == "response.refusal.delta":
            text = event.get("delta")
            if not text or not isinstance(text, str):
                continue
            if not text.isascii():  # a lone surrogate becomes U+FFFD (text_policy)
                text, replaced = replace_surrogates(text)
                state.replaced += replaced
            if not parts:
                state.first_token = clock()
            parts.append(text)
            yield ReplyDelta(text)
        elif kind == "response.reasoning_summary_text.delta":
            delta = str(event.get("delta") or "")
            if not reasoning:
                reasoning.append("")
            reasoning[-1] += delta
            yield ReasoningDelta(delta)
        elif kind == "response.reasoning_summary_part.added":
            if reasoning and reasoning[-1]:  # the next part follows a blank line
                reasoning.append("")
                yield ReasoningDelta("", new_part=True)
            elif not reasoning:
                reasoning.append("")
        elif kind == "response.output_item.done":
            item = event.get("item")
            if isinstance(item, dict) and item.get("type") == "function_call":
                state.tool_calls.append(function_call(item))
        elif kind == "response.created":
            created = event.get("response")
            if isinstance(created, dict):  # its id and model, read as a whole response's are
                opened = read_response(created)
                state.response_id, state.model = opened.response_id, opened.model
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            whole = event.get("response")
            take_response(state, whole if isinstance(whole, dict) else {})
        elif kind == "error":
            raise service_failure({"code": event.get("code"), "message": event.get("message")})
    while reasoning and not reasoning[-1]:  # a part opened that never got text
        reasoning.pop()
    state.end = clock()


def read_json_response(
    response: httpx2.Response, state: ReplyState, clock: Callable[[], float]
) -> None:
    """A plain JSON response where a stream was asked for: read it as the whole reply.
    Raises json.JSONDecodeError, or ValueError when it is not a response object."""
    data = json.loads(response.read())
    state.end = clock()
    if not isinstance(data, dict) or data.get("object") != "response":
        raise ValueError("the answer is not a response object")
    take_response(state, data)
