"""Sending a conversation: prepare the request, stream the reply, retry, stop on demand.

`ChatService.stream()` is a plain generator (no Qt): the window's worker runs it on a thread and
turns each event into a queued signal; the command line prints the deltas.

The request is sent and read on the caller's thread, so the first token costs no hand-off
between threads. Stop still lands at once whatever the request waits for: the request's
`RequestGuard` (`service/interrupt.py`) shuts its sockets down, which wakes a blocked connect
or read, and steps no signal wakes (a keyring read, an Entra token, name resolution) run on a
helper thread while the caller waits for their result or for Stop.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import parts_text
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.request import build_request, find_special_tokens, request_messages
from chatdesk.core.trimming import TrimPlan
from chatdesk.service.client import Auth, Credentials, auth_kind, make_client, require_usable
from chatdesk.service.errors import SEVERITY_ORDER, ErrorContext, map_error
from chatdesk.service.events import (
    CancelToken,
    ChatError,
    ReplyDelta,
    ReplyEvent,
    ReplyResult,
    RetryNotice,
)
from chatdesk.service.interrupt import RequestGuard, is_interruptible
from chatdesk.service.retry import NO_RETRY, RetryPolicy

ClientFactory = Callable[[ConnectionProfile, Auth], openai.OpenAI]

PING = "ping"


@dataclass
class PreparedRequest:
    """A request ready to send: the body for `chat.completions.create` and where it goes."""

    body: dict[str, Any]
    plan: TrimPlan | None  # None for the connection test's ping
    profile: ConnectionProfile
    url: str


@dataclass
class Diagnosis:
    """The outcome of `test_connection`: where it went, how it authenticated, what came back."""

    url: str
    auth_kind: str
    latency_ms: float | None
    ok: bool
    error: ChatError | None = None
    model: str | None = None


# -- requests in flight ---------------------------------------------------------------------
class _AuthHolder:
    """The auth of one `stream()` call: resolved once, on the first attempt, reused by retries."""

    __slots__ = ("auth",)

    def __init__(self) -> None:
        self.auth: Auth | None = None

    def secrets(self) -> list[str]:
        return list(self.auth.secrets()) if self.auth is not None else []


class _Opened:
    """A response whose headers arrived, with the client when it is the request's to close."""

    __slots__ = ("client", "response")

    def __init__(self, response: Any, client: Any) -> None:
        self.response = response
        self.client = client

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.response.close()
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()


def _response_socket(response: httpx2.Response) -> socket.socket | None:
    with contextlib.suppress(Exception):
        return response.extensions["network_stream"].get_extra_info("socket")
    return None


# -- clients --------------------------------------------------------------------------------
class _ClientCache:
    """SDK clients reused from one request to the next, per endpoint and key.

    Building an `openai.OpenAI` costs ~17 ms (httpx builds an SSL context), and a fresh client
    also means a fresh connection; a person waits for both before every reply. A client is
    thread-safe, so requests share it. Keyed by what the client is built from: the profile's
    kind, endpoint and api-version, and a digest of the key (never the key itself). Entra
    clients are not cached: each request's token provider records the token that error texts
    must scrub, so each request gets its own.
    """

    SIZE = 8

    def __init__(self, factory: ClientFactory) -> None:
        self._factory = factory
        self._clients: dict[tuple[str, ...], openai.OpenAI] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(profile: ConnectionProfile, auth: Auth) -> tuple[str, ...] | None:
        if auth.mode == "entra":
            return None
        secret = auth.key.reveal() if auth.key is not None else ""
        digest = hashlib.sha256(secret.encode()).hexdigest()
        return (profile.kind, profile.endpoint, profile.api_version or "", auth.mode, digest)

    def get(self, profile: ConnectionProfile, auth: Auth) -> tuple[openai.OpenAI, bool]:
        """A client for the request, and whether the caller owns it (and must close it)."""
        key = self.key(profile, auth)
        if key is None:
            return self._factory(profile, auth), True
        with self._lock:
            client = self._clients.pop(key, None)
            if client is not None:
                self._clients[key] = client  # the newest last
                return client, False
        client = self._factory(profile, auth)  # may raise ChatError: nothing is cached then
        with self._lock:
            self._clients.setdefault(key, client)
            while len(self._clients) > self.SIZE:  # dropped, not closed: it may be in use
                del self._clients[next(iter(self._clients))]
        return client, False

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()


# -- content filter annotations --------------------------------------------------------------
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


def _request_id(headers: httpx2.Headers | dict[str, str] | None) -> str | None:
    if not headers:
        return None
    return headers.get("x-request-id") or headers.get("apim-request-id")


# -- the service -----------------------------------------------------------------------------
class ChatService:
    """Prepares, sends and streams chat requests. No Qt. A request runs on the caller's thread
    and Stop (the `CancelToken`) ends it at once from any other thread."""

    def __init__(
        self,
        credentials: Credentials,
        client_factory: ClientFactory = make_client,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.client_factory = client_factory
        self._clients = _ClientCache(client_factory)
        self.retry = retry or RetryPolicy()
        self.clock = clock

    def close(self) -> None:
        """Close the SDK clients kept for reuse (their connections)."""
        self._clients.close()

    # -- prepare -----------------------------------------------------------------------------
    def prepare(
        self,
        conv: Conversation,
        profile: ConnectionProfile,
        *,
        budget: Budget | None = None,
        stream: bool = True,
    ) -> PreparedRequest:
        """The request for the conversation's next reply. No network; ChatError when the
        profile is unusable, the conversation does not fit, or it holds special tokens."""
        # openai-compatible servers may run keyless over http; make_client re-checks with the
        # actual credentials.
        require_usable(profile, sends_secret=profile.kind != "openai-compatible")
        own = budget is None
        if budget is None:
            budget = Budget(conv, match=profile.model_match(conv.model))
        try:
            plan = budget.plan()
            family = budget.family
        finally:
            if own:
                budget.close()  # the ledger listens to the conversation until closed
        if not plan.fits:
            raise ChatError(
                "The conversation does not fit",
                plan.error or "The messages and the reply's reserve exceed the model's limit.",
                "Shorten or remove messages, lower the reply's maximum tokens, or choose a "
                "trimming policy that drops the oldest messages.",
            )
        messages = request_messages(conv, plan)
        found = find_special_tokens([parts_text(m.get("content")) for m in messages])
        if found:
            index, token = found[0]
            raise ChatError(
                "Special tokens in the conversation",
                f"{_describe_sent(conv, plan, index)} contains the special token {token}.",
                "Don't use ChatML syntax or special tokens with the chat completion endpoint: "
                "remove it (legacy prompts often carry them) and send again.",
            )
        body = build_request(
            conv, plan, model=profile.deployment.strip(), family=family, stream=stream
        )
        return PreparedRequest(body, plan, profile, profile.resolved_url())

    # -- send --------------------------------------------------------------------------------
    def stream(
        self, prepared: PreparedRequest, cancel: CancelToken | None = None
    ) -> Iterator[ReplyEvent]:
        """`ReplyDelta`s as text arrives, a `RetryNotice` before each retry wait, and one final
        `ReplyResult` (incomplete=True when stopped or when no finish_reason came). Raises
        ChatError; one raised after text arrived carries that text in `partial`."""
        body = dict(prepared.body)
        body["stream"] = True
        return self._run(prepared, body, cancel or CancelToken(), self.retry, streaming=True)

    def complete(
        self,
        prepared: PreparedRequest,
        cancel: CancelToken | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> ReplyResult:
        """The whole reply in one response (no streaming); same errors, retries and Stop."""
        body = {k: v for k, v in prepared.body.items() if k not in ("stream", "stream_options")}
        events = self._run(prepared, body, cancel or CancelToken(), self.retry, streaming=False)
        for event in events:
            if isinstance(event, ReplyResult):
                return event
            if isinstance(event, RetryNotice) and on_retry is not None:
                on_retry(event)
        raise AssertionError("the request ended without a result")  # pragma: no cover

    def test_connection(
        self, profile: ConnectionProfile, cancel: CancelToken | None = None
    ) -> Diagnosis:
        """Send a one-token "ping" and report the URL, the auth used and what came back."""
        try:
            url = profile.resolved_url()
        except ValueError:
            url = profile.endpoint
        limit = profile.model_info().limit_param
        body = {
            "model": profile.deployment.strip(),
            "messages": [{"role": "user", "content": PING}],
            limit: 1,
        }
        prepared = PreparedRequest(body, None, profile, url)
        holder = _AuthHolder()
        start = self.clock()
        result: ReplyResult | None = None
        error: ChatError | None = None
        try:
            for event in self._run(
                prepared, body, cancel or CancelToken(), NO_RETRY, streaming=False, holder=holder
            ):
                if isinstance(event, ReplyResult):
                    result = event
        except ChatError as exc:
            error = exc
        latency = (self.clock() - start) * 1000.0
        return Diagnosis(
            url=url,
            auth_kind=auth_kind(profile, holder.auth),
            latency_ms=result.latency_ms if result is not None else latency,
            ok=error is None and result is not None and not _was_cancelled(result),
            error=error,
            model=result.model if result is not None else None,
        )

    # -- the engine --------------------------------------------------------------------------
    def _run(
        self,
        prepared: PreparedRequest,
        body: dict[str, Any],
        cancel: CancelToken,
        retry: RetryPolicy,
        *,
        streaming: bool,
        holder: _AuthHolder | None = None,
    ) -> Iterator[ReplyEvent]:
        profile = prepared.profile
        holder = holder or _AuthHolder()
        ctx = ErrorContext(
            profile=profile.name,
            kind=profile.kind,
            deployment=str(body.get("model", "")),
            url=prepared.url,
            auth=profile.auth,
            secrets=holder.secrets,
        )
        attempt = 0
        dropped_stream_options = False
        while True:
            attempt += 1
            state = _Reply(self.clock())
            if cancel.cancelled:  # Stop before the request left: nothing to show
                yield ReplyResult(incomplete=True)
                return
            guard = RequestGuard()
            cancel.on_cancel(guard.interrupt)
            try:
                opened = self._send(guard, profile, body, holder, streaming)
                try:
                    if streaming:
                        yield from self._read_stream(opened, guard, state, cancel)
                    else:
                        self._read_completion(opened.response, state)
                finally:
                    opened.close()
            except BaseException as exc:
                if isinstance(exc, GeneratorExit | KeyboardInterrupt | SystemExit):
                    raise
                if cancel.cancelled and not state.parts:
                    yield ReplyResult(incomplete=True)  # Stop won the race: not an error
                    return
                if cancel.cancelled:  # Stop shut the socket under the reader: keep the text
                    yield state.result(self.clock(), incomplete=True)
                    return
                error = map_error(exc, ctx)
                if state.parts:  # text was shown: keep it, and never retry (no duplicates)
                    error.partial = state.result(self.clock(), incomplete=True)
                    delay = None
                elif (
                    not dropped_stream_options
                    and "stream_options" in body
                    and error.status == 400
                    and "stream_options" in error.message
                ):
                    # Some OpenAI-compatible servers reject it; usage is then simply unknown.
                    body = {k: v for k, v in body.items() if k != "stream_options"}
                    dropped_stream_options = True
                    attempt -= 1
                    continue
                else:
                    delay = retry.delay(attempt, error)
                if delay is None:
                    raise error from None
                yield RetryNotice(attempt, delay, _reason(error))
                if retry.wait(cancel, delay):
                    yield ReplyResult(incomplete=True)
                    return
                continue
            finally:
                guard.release()
            # Stopped after the finish_reason arrived (only usage was pending): the text is whole.
            yield state.result(self.clock(), incomplete=state.finish_reason is None)
            return

    def _send(
        self,
        guard: RequestGuard,
        profile: ConnectionProfile,
        body: dict[str, Any],
        holder: _AuthHolder,
        streaming: bool,
    ) -> _Opened:
        """Send the request from this thread, until the response's headers arrived: the SDK
        stream, or the raw response of a completion (read whole)."""
        if holder.auth is None:
            if self.credentials.instant(profile):
                holder.auth = self.credentials.resolve(profile)
            else:  # a keyring or an Entra session may block
                holder.auth = guard.call(lambda: self.credentials.resolve(profile))
        auth = holder.auth
        client, owned = self._clients.get(profile, auth)
        completions = client.chat.completions
        create = completions.create if streaming else completions.with_raw_response.create
        try:
            if auth.mode != "entra" and is_interruptible(client):
                with guard.active():
                    response = create(**body)
            else:
                # The SDK fetches an Entra token inside `create`, which no Stop interrupts.
                def send() -> Any:
                    with guard.active():
                        return create(**body)

                response = guard.call(send, discard=_close_response)
        except BaseException:
            if owned:
                client.close()
            raise
        return _Opened(response, client if owned else None)

    def _read_stream(
        self, opened: _Opened, guard: RequestGuard, state: _Reply, cancel: CancelToken
    ) -> Iterator[ReplyDelta]:
        http_response = opened.response.response
        sock = _response_socket(http_response)
        if sock is not None:  # Stop wakes the reads below by shutting it down
            guard.attach(sock)
        state.request_id = _request_id(http_response.headers)
        yield from self._read_chunks(opened.response, state, cancel)

    def _read_chunks(self, stream: Any, state: _Reply, cancel: CancelToken) -> Iterator[ReplyDelta]:
        """Yield the text of the stream's chunks, recording the rest in `state`. Kept lean: it
        runs once per chunk."""
        parts = state.parts
        clock = self.clock
        for item in stream:
            if cancel.cancelled:
                state.cancelled = True
                return
            if type(item) is ChatCompletionChunk:
                choices = item.choices
                if choices:
                    choice = choices[0]
                    text = choice.delta.content
                    if text:
                        if cancel.cancelled:  # chunks queued behind Stop are not shown
                            state.cancelled = True
                            return
                        if not parts:
                            state.first_token = clock()
                            state.model = item.model or None
                            state.chunk_id = item.id or None
                        parts.append(text)
                        yield ReplyDelta(text)
                    if choice.finish_reason:
                        state.finish_reason = choice.finish_reason
                        if item.usage is not None:  # some servers put usage on this chunk
                            state.usage = item.usage.model_dump(exclude_none=True)
                    extra = choice.model_extra
                    if extra:
                        results = extra.get("content_filter_results")
                        if results and results != state.last_filter:
                            state.last_filter = results
                            merge_filter(state.content_filter, results)
                else:
                    state.header_chunk(item)
        state.end = clock()

    def _read_completion(self, raw: Any, state: _Reply) -> None:
        completion = raw.parse()
        state.end = self.clock()
        state.request_id = _request_id(raw.headers)
        state.read_completion(completion)


def _close_response(response: Any) -> None:
    """Close a response nobody will read (Stop came while it was on its way)."""
    close = getattr(response, "close", None) or response.http_response.close
    with contextlib.suppress(Exception):
        close()


class _Reply:
    """What one attempt has gathered so far."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.request_id: str | None = None
        self.chunk_id: str | None = None
        self.content_filter: dict[str, Any] = {}
        self.last_filter: dict[str, Any] | None = None
        self.prompt_filter: list[Any] | None = None
        self.first_token: float | None = None
        self.end: float | None = None
        self.cancelled = False

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

    def read_completion(self, completion: ChatCompletion) -> None:
        if completion.choices:
            choice = completion.choices[0]
            if choice.message.content:
                self.parts.append(choice.message.content)
            self.finish_reason = choice.finish_reason
            results = (choice.model_extra or {}).get("content_filter_results")
            if results:
                merge_filter(self.content_filter, results)
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
        )


def _was_cancelled(result: ReplyResult) -> bool:
    return result.incomplete and result.finish_reason is None and not result.content


def _reason(error: ChatError) -> str:
    return f"{error.title} ({error.status})" if error.status else error.title


def _describe_sent(conv: Conversation, plan: TrimPlan, index: int) -> str:
    """Which message the `index`-th sent message is, in words."""
    system = conv.system_message()
    pinned = len(conv.pinned())
    if index < pinned:
        if system is not None and index == 0:
            return "The system prompt"
        return f"Example message {index + (0 if system is None else -1) + 1}"
    position = plan.sent[index - pinned]
    message = conv[position]
    return f"Message {position + 1} ({message.role})"
