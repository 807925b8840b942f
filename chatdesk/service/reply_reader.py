"""Reading a reply as Azure sends it: stream chunks of every shape, or one completion.

Azure's streams carry more than text deltas
(https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter#streaming):
an opening chunk with no choices and only the prompt's filter results; chunks whose `delta`
is null or absent; with the asynchronous content filter, annotation-only chunks (a choice with
`content_filter_results` and `content_filter_offsets`, no delta) that may come after the
`finish_reason`; and a last chunk with no choices and only `usage`. A server may also answer a
streaming request with one plain JSON completion. Every one of these ends in the same
`ReplyResult`: a complete reply is saved complete, with every annotation that came.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import openai
import pydantic
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from chatdesk.core.text_policy import replace_surrogates
from chatdesk.service.errors import SEVERITY_ORDER
from chatdesk.service.events import CancelToken, ReplyDelta, ReplyResult


def merge_filter(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold one chunk's content_filter_results into `into`: the worst severity and any
    filtered/detected flag per category win."""
    for category, verdict in new.items():
        old = into.get(category)
        if old == verdict:
            continue
        if not (isinstance(old, dict) and isinstance(verdict, dict)):
            into[category] = verdict
            continue
        merged = dict(old)
        for key, value in verdict.items():
            if key == "severity":
                if SEVERITY_ORDER.get(str(value), 0) >= SEVERITY_ORDER.get(str(old.get(key)), 0):
                    merged[key] = value
            elif isinstance(value, bool):
                merged[key] = bool(old.get(key)) or value
            else:
                merged[key] = value
        into[category] = merged


def request_id(headers: httpx2.Headers | dict[str, str] | None) -> str | None:
    if not headers:
        return None
    return headers.get("x-request-id") or headers.get("apim-request-id")


def is_event_stream(response: httpx2.Response) -> bool:
    """Whether the answer is Server-Sent Events (else: one JSON document, read whole)."""
    return response.headers.get("content-type", "").startswith("text/event-stream")


class ReplyState:
    """What one attempt has gathered so far."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.parts: list[str] = []
        self.replaced = 0  # lone surrogates replaced with U+FFFD
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.request_id: str | None = None
        self.chunk_id: str | None = None
        self.content_filter: dict[str, Any] = {}
        self.last_filter: dict[str, Any] | None = None
        self.filter_offsets: dict[str, Any] | None = None
        self.prompt_filter: list[Any] | None = None
        self.annotations: list[Any] = []
        self.tool_calls: list[dict[str, Any]] = []  # by the stream's tool call index
        self.first_token: float | None = None
        self.end: float | None = None
        self.cancelled = False
        self.headers_at: float | None = None  # when the response's headers arrived
        # Responses API: the response's id, whether it was stored, the reasoning summary parts.
        self.response_id: str | None = None
        self.stored = False
        self.reasoning: list[str] = []

    def header_chunk(self, chunk: ChatCompletionChunk) -> None:
        """A chunk without choices: Azure's opening prompt-filter chunk, or the usage one."""
        if chunk.usage is not None:
            self.usage = chunk.usage.model_dump(exclude_none=True)
        extra = chunk.model_extra
        if extra and extra.get("prompt_filter_results"):
            self.prompt_filter = extra["prompt_filter_results"]
        if chunk.model and self.model is None:
            self.model = chunk.model
        if chunk.id and self.chunk_id is None:
            self.chunk_id = chunk.id

    def annotate(self, extra: dict[str, Any]) -> None:
        """A choice's Azure annotations: filter verdicts (merged) and their offsets."""
        results = extra.get("content_filter_results")
        if results and results != self.last_filter:
            self.last_filter = results
            merge_filter(self.content_filter, results)
        offsets = extra.get("content_filter_offsets")
        if isinstance(offsets, dict):
            self.filter_offsets = offsets

    def add_tool_call_deltas(self, deltas: Any) -> None:
        """Streamed tool calls: the first delta of each has its id, type and name; later ones
        add pieces of the arguments."""
        calls = self.tool_calls
        for delta in deltas:
            index = delta.index if delta.index is not None else len(calls) - 1
            while len(calls) <= index:
                calls.append(
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
                )
            call = calls[index]
            if delta.id:
                call["id"] = delta.id
            if delta.type:
                call["type"] = delta.type
            function = delta.function
            if function is not None:
                if function.name:
                    call["function"]["name"] += function.name
                if function.arguments:
                    call["function"]["arguments"] += function.arguments

    def read_completion(self, completion: ChatCompletion) -> None:
        if completion.choices:
            choice = completion.choices[0]
            message = choice.message
            if message is not None:
                if message.content:
                    text, self.replaced = replace_surrogates(message.content)
                    self.parts.append(text)
                if getattr(message, "annotations", None):
                    self.annotations.extend(a.model_dump() for a in message.annotations or [])
                if message.tool_calls:
                    self.tool_calls = [c.model_dump(exclude_none=True) for c in message.tool_calls]
            self.finish_reason = choice.finish_reason
            if choice.model_extra:
                self.annotate(choice.model_extra)
        if completion.usage is not None:
            self.usage = completion.usage.model_dump(exclude_none=True)
        self.prompt_filter = (completion.model_extra or {}).get("prompt_filter_results")
        self.model = completion.model or None
        self.chunk_id = completion.id or None

    def result(self, now: float, *, incomplete: bool) -> ReplyResult:
        end = self.end if self.end is not None else now
        return ReplyResult(
            content="".join(self.parts),
            finish_reason=self.finish_reason,
            usage=self.usage,
            model=self.model,
            request_id=self.request_id or self.chunk_id,
            content_filter=self.content_filter or None,
            prompt_filter=self.prompt_filter,
            latency_ms=(end - self.start) * 1000.0,
            first_token_ms=(
                (self.first_token - self.start) * 1000.0 if self.first_token is not None else None
            ),
            incomplete=incomplete,
            annotations=list(self.annotations) or None,
            tool_calls=[dict(c) for c in self.tool_calls] or None,
            filter_offsets=self.filter_offsets,
            replaced=self.replaced,
            response_id=self.response_id,
            stored=self.stored,
            reasoning_summary=list(self.reasoning) or None,
        )


def read_chunks(
    stream: Any, state: ReplyState, cancel: CancelToken, clock: Callable[[], float]
) -> Iterator[ReplyDelta]:
    """Yield the text of the stream's chunks, recording the rest in `state`. Kept lean: it
    runs once per chunk."""
    parts = state.parts
    for item in stream:
        if cancel.cancelled:
            state.cancelled = True
            return
        if type(item) is not ChatCompletionChunk:
            continue
        choices = item.choices
        if not choices:
            state.header_chunk(item)
            continue
        choice = choices[0]
        delta = choice.delta  # null or absent in Azure's annotation-only chunks
        if delta is not None:
            text = delta.content
            if text:
                if not text.isascii():  # a lone surrogate becomes U+FFFD (text_policy)
                    text, replaced = replace_surrogates(text)
                    state.replaced += replaced
                if cancel.cancelled:  # chunks queued behind Stop are not shown
                    state.cancelled = True
                    return
                if not parts:
                    state.first_token = clock()
                    state.model = item.model or None
                    state.chunk_id = item.id or None
                parts.append(text)
                yield ReplyDelta(text)
            if delta.tool_calls:
                state.add_tool_call_deltas(delta.tool_calls)
            annotations = getattr(delta, "annotations", None) or (delta.model_extra or {}).get(
                "annotations"
            )
            if annotations:
                state.annotations.extend(
                    a if isinstance(a, dict) else a.model_dump() for a in annotations
                )
        if choice.finish_reason:
            state.finish_reason = choice.finish_reason
        if item.usage is not None:  # some servers put usage on a chunk with choices
            state.usage = item.usage.model_dump(exclude_none=True)
        extra = choice.model_extra
        if extra:
            state.annotate(extra)
    state.end = clock()


def read_json_answer(
    response: httpx2.Response, state: ReplyState, clock: Callable[[], float]
) -> None:
    """A plain JSON completion where a stream was asked for: read it as the whole reply.
    Raises json.JSONDecodeError or pydantic's ValidationError when it is not one."""
    data = json.loads(response.read())
    state.end = clock()
    try:
        completion = ChatCompletion.model_validate(data)
    except pydantic.ValidationError:
        raise openai.APIResponseValidationError(response, data) from None
    state.read_completion(completion)
