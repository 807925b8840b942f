"""Sending a conversation: prepare the request, stream the reply, retry, stop on demand.

`ChatService.stream()` is a plain generator (no Qt): the window's worker runs it on a thread and
turns each event into a queued signal; the command line prints the deltas.

Stop must work while the socket is blocked waiting for the next byte, and closing an httpx
response from another thread does not wake a blocked `recv` on Linux. So each request runs on a
daemon "pump" thread that feeds a queue; the generator blocks on that queue, and Stop puts a
sentinel into it, so the generator returns at once with what arrived. The abandoned pump's
socket is shut down (which does wake `recv`); one still waiting for response headers ends on
its own at the server's next byte or the read timeout, and closes its client then.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation
from chatdesk.core.models import resolve_model
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


# -- the pump --------------------------------------------------------------------------------
class _End:
    """Queue sentinel: the request finished."""


class _Cancelled:
    """Queue sentinel: Stop was pressed."""


_END = _End()
_CANCELLED = _Cancelled()


class _AuthHolder:
    """The auth of one `stream()` call: resolved once, on the first pump, reused by retries."""

    __slots__ = ("auth",)

    def __init__(self) -> None:
        self.auth: Auth | None = None

    def secrets(self) -> list[str]:
        return list(self.auth.secrets()) if self.auth is not None else []


class _Threads:
    """Daemon threads reused from one request to the next.

    Starting a thread makes the caller wait for it to be scheduled, on every request. Idle
    threads wait for the next job instead; a pump abandoned on Stop (still blocked on its
    socket) is not idle, so it is never handed a new job. Daemon: a blocked pump never holds
    up the app's exit.
    """

    def __init__(self, keep: int = 4) -> None:
        self._idle: list[SimpleQueue[Callable[[], None]]] = []
        self._lock = threading.Lock()
        self._keep = keep

    def run(self, job: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = SimpleQueue()
            threading.Thread(
                target=self._loop, args=(inbox,), name="chatdesk-request", daemon=True
            ).start()
        inbox.put(job)

    def _loop(self, inbox: SimpleQueue[Callable[[], None]]) -> None:
        while True:
            inbox.get()()  # the job reports its own failures through its queue
            with self._lock:
                if len(self._idle) >= self._keep:
                    return
                self._idle.append(inbox)


_THREADS = _Threads()


class _Opened:
    """A stream whose headers arrived, handed from the pump to the reader with its client
    (when the client is the reader's to close)."""

    __slots__ = ("client", "stream")

    def __init__(self, stream: Any, client: Any) -> None:
        self.stream = stream
        self.client = client

    def close(self) -> None:
        self.stream.close()
        if self.client is not None:
            self.client.close()


class _Pump:
    """Runs one SDK request on a daemon thread. The queue receives, in order: the
    `httpx2.Response` once headers arrived (streams), then chunks or one `(completion, headers)`,
    then `_END` or the exception; `_CANCELLED` may arrive at any point."""

    __slots__ = ("_lock", "abandoned", "queue", "response")

    def __init__(self, work: Callable[[_Pump], None]) -> None:
        self.queue: SimpleQueue[Any] = SimpleQueue()
        self.abandoned = False
        self.response: httpx2.Response | None = None
        self._lock = threading.Lock()
        _THREADS.run(lambda: self._run(work))

    def _run(self, work: Callable[[_Pump], None]) -> None:
        try:
            work(self)
        except BaseException as exc:
            self.queue.put(exc)
        else:
            self.queue.put(_END)

    def hand_over(self, opened: _Opened) -> bool:
        """Give the opened stream to the reader; False once abandoned (the pump closes it)."""
        with self._lock:
            if self.abandoned:
                return False
            self.response = opened.stream.response
            self.queue.put(opened)
            return True

    def close_unread(self) -> None:
        """Close a stream handed over that the reader never took (Stop came first)."""
        while True:
            try:
                item = self.queue.get_nowait()
            except Empty:
                return
            if type(item) is _Opened:
                item.close()

    def abandon(self) -> None:
        """Stop reading: wake a read blocked on the socket; no stream is handed over after."""
        with self._lock:
            self.abandoned = True
            response = self.response
        if response is None or response.is_closed:
            return
        # shutdown(), unlike close(), wakes a recv blocked in the pump. The base-class call
        # skips SSLSocket.shutdown, which would also unhook the TLS object under the reader.
        with contextlib.suppress(Exception):
            sock = response.extensions["network_stream"].get_extra_info("socket")
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


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
    """Prepares, sends and streams chat requests. No Qt; every blocking call runs on a pump
    thread, so the caller's thread only ever waits on a queue that Stop can wake."""

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
            model = conv.model or profile.model or profile.deployment
            budget = Budget(conv, model=model, fallback_family=profile.model_family)
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
        found = find_special_tokens([m["content"] for m in messages])
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
        family = resolve_model(profile.model or profile.deployment, profile.model_family).family
        limit = "max_completion_tokens" if family.uses_max_completion_tokens else "max_tokens"
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
            start = self.clock()
            pump = _Pump(self._work(profile, body, holder, streaming))
            cancel.on_cancel(functools.partial(pump.queue.put, _CANCELLED))
            cancel.on_cancel(pump.abandon)
            state = _Reply(start)
            try:
                if streaming:
                    yield from self._read_stream(pump, state, cancel)
                else:
                    self._read_completion(pump, state)
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
                    raise error from None
                if (
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
                delay = retry.delay(attempt, error)
                if delay is None:
                    raise error from None
                yield RetryNotice(attempt, delay, _reason(error))
                if retry.wait(cancel, delay):
                    yield ReplyResult(incomplete=True)
                    return
                continue
            finally:
                pump.abandon()
                pump.close_unread()
            # Stopped after the finish_reason arrived (only usage was pending): the text is whole.
            yield state.result(self.clock(), incomplete=state.finish_reason is None)
            return

    def _work(
        self, profile: ConnectionProfile, body: dict[str, Any], holder: _AuthHolder, streaming: bool
    ) -> Callable[[_Pump], None]:
        """What the pump thread does: every blocking step, so Stop never waits on one."""
        clients = self._clients

        def work(pump: _Pump) -> None:
            if holder.auth is None:
                holder.auth = self.credentials.resolve(profile)
            client, owned = clients.get(profile, holder.auth)
            handed_over = False
            try:
                if not streaming:
                    raw = client.chat.completions.with_raw_response.create(**body)
                    pump.queue.put((raw.parse(), raw.headers))
                    return
                stream = client.chat.completions.create(**body)
                # The reader iterates the stream on its own thread from here: no hand-off per
                # chunk. Stop still wakes it, by shutting the socket down (`_Pump.abandon`).
                handed_over = pump.hand_over(_Opened(stream, client if owned else None))
                if not handed_over:  # Stop came while waiting for the headers
                    stream.close()
            finally:
                if owned and not handed_over:
                    client.close()

        return work

    def _read_stream(self, pump: _Pump, state: _Reply, cancel: CancelToken) -> Iterator[ReplyDelta]:
        """Yield the text of the pump's chunks, recording the rest in `state`. Kept lean: it
        runs once per chunk."""
        get = pump.queue.get
        while True:  # until the stream is open: the pump may still be connecting
            item = get()
            if type(item) is _Opened:
                break
            if item is _CANCELLED:
                state.cancelled = True
                return
            if isinstance(item, BaseException):
                raise item
            if item is _END:  # pragma: no cover - the pump always opens or raises
                raise RuntimeError("the stream ended before it opened")
        opened: _Opened = item
        state.request_id = _request_id(opened.stream.response.headers)
        try:
            yield from self._read_chunks(opened.stream, state, cancel)
        finally:
            opened.close()

    def _read_chunks(self, stream: Any, state: _Reply, cancel: CancelToken) -> Iterator[ReplyDelta]:
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

    def _read_completion(self, pump: _Pump, state: _Reply) -> None:
        item = pump.queue.get()
        if item is _CANCELLED:
            state.cancelled = True
            return
        if isinstance(item, BaseException):
            raise item
        completion, headers = item
        state.end = self.clock()
        state.request_id = _request_id(headers)
        state.read_completion(completion)


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
