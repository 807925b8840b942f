"""What the chat service hands its callers: streamed events, the final reply, mapped errors.

Plain values with no Qt, so the window's worker can pass them through queued signals and the
command line can print them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from chatdesk.core.deployments import DeploymentNote
    from chatdesk.core.messages import Message


class ReplyDelta(msgspec.Struct, frozen=True):
    """A piece of the reply's text, as it arrives."""

    text: str


class ReasoningDelta(msgspec.Struct, frozen=True):
    """A piece of the reply's reasoning summary (Responses API), as it arrives. `new_part`:
    another summary part starts here (shown after a blank line); its text follows."""

    text: str
    new_part: bool = False


class RetryNotice(msgspec.Struct, frozen=True):
    """The request failed in a way worth retrying; the service waits `delay` seconds first."""

    attempt: int  # the attempt that failed, from 1
    delay: float
    reason: str  # a person-readable cause, e.g. "The service is busy (429)"


def retry_wait_text(seconds: float) -> str:
    """"Retrying in 3 s…" for a wait of `seconds` (rounded up, so it never says 0 while it
    still waits): the reply's card counting down, the status bar and `chatdesk send` alike."""
    return f"Retrying in {max(1, math.ceil(seconds))} s…"


class Adjusted(msgspec.Struct, frozen=True):
    """The service answered 400 that something is unsupported; the request was changed as
    `said` (one line for the user) and is sent once more. `note` is what the service now
    remembers for the deployment under `key` in the settings' `deployments` (None: this
    request only); the caller saves the settings to keep it. `said` "": no change to tell,
    only a note to keep (a change taken back because the service refused it too)."""

    said: str
    key: str
    note: DeploymentNote | None = None


class ReplyResult(msgspec.Struct):
    """The reply as a whole: the last event of a successful stream, and a failed one's partial."""

    content: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None
    request_id: str | None = None
    content_filter: dict[str, Any] | None = None
    prompt_filter: list[Any] | None = None
    latency_ms: float | None = None  # request start to the last byte
    first_token_ms: float | None = None
    incomplete: bool = False  # no finish_reason arrived: the text is partial
    # Message annotations that came with the reply (url_citation and the like), in order.
    annotations: list[Any] | None = None
    # The tool calls the reply asks for, as the API's message holds them (never run here).
    tool_calls: list[dict[str, Any]] | None = None
    # The content filter's offsets of the last annotation that came (asynchronous filter).
    filter_offsets: dict[str, Any] | None = None
    # Lone surrogates in the reply's text, replaced with U+FFFD (core/text_policy.py).
    replaced: int = 0
    # Responses API: the response's id, whether the service stored it (a later request may
    # continue from it), and its reasoning summary, one text per part.
    response_id: str | None = None
    stored: bool = False
    reasoning_summary: list[str] | None = None

    def record(
        self, message: Message, error: ChatError | None = None, *, stopped: bool = False
    ) -> None:
        """Make `message` (the reply, its text already there) this reply as it is saved: its
        metadata (finish_reason, usage, filters, model, request id, latency in ms rounded to
        0.1, whether it is incomplete, the error it ended with, whether Stop ended it, and the
        Responses API's response id, `store` and reasoning summary), the annotations that
        came with it and the tool calls it asks for. One rule for the window and
        `chatdesk send`; `stopped` counts only for an incomplete reply that did not fail.

        A reply continued (Continue) already holds its earlier parts' usage: the usage saved
        is then every request's added up (what the reply cost in all), `usage_parts` lists
        each request's own, in order, and `part_sources` where each was made; its latency is
        then every request's added up too, and how its earlier parts ended stays in
        `continued` (core/endings.py `begin_continue`)."""
        meta = message.meta
        meta.pending = False
        meta.writing = None  # a mark read from its file (Continue of a reply cut off there)
        meta.finish_reason = self.finish_reason
        if meta.usage and self.usage:  # Continue: the reply's earlier part was billed too
            from chatdesk.core.usage import added_usage

            meta.usage_parts = [*(meta.usage_parts or [meta.usage]), self.usage]
            meta.usage = added_usage(meta.usage, self.usage)
            # Where this part was made (`PreparedRequest.record_source` set it), after the
            # earlier parts' (recorded when it started; else made where this one was).
            made = {"profile": meta.profile, "deployment": meta.deployment}
            earlier = meta.part_sources or []
            earlier += [dict(made)] * (len(meta.usage_parts) - 1 - len(earlier))
            meta.part_sources = [*earlier[: len(meta.usage_parts) - 1], made]
        elif self.usage or not meta.usage:  # a continuation that reported none keeps its own
            meta.usage = self.usage
        meta.content_filter = self.content_filter
        meta.prompt_filter = self.prompt_filter
        meta.model = self.model or meta.model
        meta.request_id = self.request_id
        latency = self.latency_ms
        if (meta.continued or meta.usage_parts) and meta.latency_ms is not None:
            # Continue: the time of every request, as the usage (a stopped part reported no
            # usage, but it took its time); a part that did not time itself adds nothing.
            latency = meta.latency_ms + (latency or 0.0)
        meta.latency_ms = round(latency, 1) if latency is not None else None
        meta.incomplete = self.incomplete
        meta.error = error.text if error is not None else None
        meta.error_code = error.code if error is not None else None
        meta.stopped = stopped and error is None and self.incomplete
        meta.service_failed = error is not None and error.service_failed and self.incomplete
        meta.response_id = self.response_id
        meta.store = self.stored
        meta.reasoning_summary = self.reasoning_summary
        if self.annotations:  # url citations and the like: kept with the message, as sent
            message.extra = {**message.extra, "annotations": self.annotations}
        if self.tool_calls:  # shown as cards, never run
            message.set_tool_calls(self.tool_calls)

    def message(self, error: ChatError | None = None, *, stopped: bool = False) -> Message:
        """A new assistant message holding this reply (`record`), created now."""
        from chatdesk.core.messages import Message, MessageMeta, now_iso

        message = Message("assistant", self.content, meta=MessageMeta(created_at=now_iso()))
        self.record(message, error, stopped=stopped)
        return message

    @property
    def reasoning_tokens(self) -> int | None:
        """usage.completion_tokens_details.reasoning_tokens, when the service reported it."""
        from chatdesk.core.usage import reasoning_tokens

        return reasoning_tokens(self.usage)

    @property
    def reasoning_exhausted(self) -> int | None:
        """The completion tokens all spent on reasoning, when that is why the reply is empty."""
        from chatdesk.core.usage import spent_on_reasoning

        return spent_on_reasoning(self.content, self.finish_reason, self.usage)

    @property
    def flagged(self) -> dict[str, str]:
        """Content-filter categories that were flagged or filtered: {category: severity}."""
        found: dict[str, str] = {}
        results = [self.content_filter or {}]
        results += [(p or {}).get("content_filter_results") or {} for p in self.prompt_filter or []]
        for result in results:
            for category, verdict in result.items():
                if isinstance(verdict, dict) and (
                    verdict.get("filtered") or verdict.get("detected")
                    or verdict.get("severity") not in (None, "safe")
                ):  # fmt: skip
                    found[category] = str(verdict.get("severity", "detected"))
        return found


ReplyEvent = ReplyDelta | ReasoningDelta | RetryNotice | Adjusted | ReplyResult


class ChatError(Exception):
    """A failure in words a person understands, with what to do about it.

    The text never holds a key or token. `partial` is what arrived before a stream broke.
    Written out rather than a dataclass: Python 3.11 compiles a dataclass's generated methods
    at import, and this module is on the first frame's path.
    """

    def __init__(
        self,
        title: str,  # short: "Wrong key or token"
        message: str,  # what happened
        action: str = "",  # what to do
        status: int | None = None,
        code: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        partial: ReplyResult | None = None,
        service_failed: bool = False,
    ) -> None:
        self.title = title
        self.message = message
        self.action = action
        self.status = status
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after
        self.partial = partial
        # The service accepted the request and then failed the reply itself, over an intact
        # stream (`response.failed`, an `error` event): not a dropped connection.
        self.service_failed = service_failed
        super().__init__(self.text)

    def _fields(self) -> tuple[object, ...]:  # what equality compares: all but `partial`
        return (self.title, self.message, self.action, self.status, self.code,
                self.retryable, self.retry_after, self.service_failed)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ChatError)
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # compared by value, as the dataclass was

    def __repr__(self) -> str:
        fields = ("title", "message", "action", "status", "code", "retryable", "retry_after",
                  "service_failed")
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in fields)
        return f"{type(self).__name__}({shown}, partial={self.partial!r})"

    @property
    def text(self) -> str:
        # The service's own sentences may end without a full stop; the action follows one.
        message = self.message
        if self.action and message and message[-1] not in ".!?…)":
            message += "."
        return f"{self.title}: {message}" + (f" {self.action}" if self.action else "")

    @property
    def reason(self) -> str:
        """The title with the HTTP status, once ("Service error (500)" holds it already)."""
        said = f"({self.status})"
        return f"{self.title} {said}" if self.status and said not in self.title else self.title

    def __str__(self) -> str:
        return self.text


class CancelToken:
    """Stop requested by the user. Waits on it wake at once, so a retry pause stops too."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if cancelled meanwhile."""
        return self._event.wait(seconds)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run `callback` when cancelled (at once if already)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()
