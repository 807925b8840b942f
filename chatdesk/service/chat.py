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

import time
from collections.abc import Callable, Iterator
from typing import Any

import openai

from chatdesk.core.budget import Budget
from chatdesk.core.choices import Api, HistoryKeeper
from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import (
    LIMIT_PARAMS,
    READ_TIMEOUT,
    REQUEST_DEADLINE,
    DeploymentNotes,
    note_key,
    read_timeout_for,
)
from chatdesk.core.image_input import reading_rule
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.request import CONTINUE_PROMPT
from chatdesk.core.responses_request import api_of, default_api, request_bodies
from chatdesk.core.sending import CONTEXT_LENGTH_EXCEEDED
from chatdesk.service.client import (
    Credentials,
    auth_kind,
    make_client,
    require_usable,
)
from chatdesk.service.client_cache import (
    AuthHolder,
    ClientCache,
    ClientFactory,
    Opened,
    close_response,
    response_socket,
)
from chatdesk.service.deadline import Deadline
from chatdesk.service.errors import (
    ErrorContext,
    deadline_error,
    map_error,
    rejection_of,
    stored_response_gone,
)
from chatdesk.service.events import (
    Adjusted,
    CancelToken,
    ChatError,
    ReasoningDelta,
    ReplyDelta,
    ReplyEvent,
    ReplyResult,
    RetryNotice,
)
from chatdesk.service.image_prep import fit_input, fit_messages
from chatdesk.service.interrupt import RequestGuard, is_interruptible
from chatdesk.service.learning import Learning, both_limits_refused
from chatdesk.service.network import CONNECT_TIMEOUT, Network, proxy_for, trying
from chatdesk.service.prepared import Diagnosis, PreparedRequest
from chatdesk.service.reply_reader import (
    ReplyState,
    is_event_stream,
    merge_filter,
    read_chunks,
    read_json_answer,
    request_id,
)
from chatdesk.service.responses_reader import read_events, read_json_response
from chatdesk.service.retry import NO_RETRY, RetryPolicy
from chatdesk.service.sdk_calls import create_call, sdk_arguments
from chatdesk.service.send_checks import check_history, check_not_in_flight, check_size

__all__ = ["ChatService", "Diagnosis", "PreparedRequest", "merge_filter", "sdk_arguments"]

PING = "ping"


# -- the service -----------------------------------------------------------------------------
class ChatService:
    """Prepares, sends and streams chat requests. No Qt. A request runs on the caller's thread
    and Stop (the `CancelToken`) ends it at once from any other thread.

    `notes` is what was learned per deployment (the settings' `deployments`, shared: the
    service adds to it); `deadline` the seconds a whole request may take, or a callable that
    reads the setting when a request starts."""

    def __init__(
        self,
        credentials: Credentials,
        client_factory: ClientFactory = make_client,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        notes: DeploymentNotes | None = None,
        deadline: float | Callable[[], float] = REQUEST_DEADLINE,
    ) -> None:
        self.credentials = credentials
        self.client_factory = client_factory
        self._clients = ClientCache(client_factory)
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.notes = notes if notes is not None else DeploymentNotes()
        self.deadline = deadline

    def close(self) -> None:
        """Close the SDK clients kept for reuse (their connections)."""
        self._clients.close()

    def _deadline_seconds(self) -> float:
        return float(self.deadline() if callable(self.deadline) else self.deadline)

    # -- prepare -----------------------------------------------------------------------------
    def prepare(
        self,
        conv: Conversation,
        profile: ConnectionProfile,
        *,
        budget: Budget | None = None,
        stream: bool = True,
        continuing: bool = False,
    ) -> PreparedRequest:
        """The request for the conversation's next reply, as the deployment is known to take
        it. `continuing`: Continue's request, which ends with `CONTINUE_PROMPT` as one more
        user message, counted and fitted with the rest (`Budget.plan`). No network;
        ChatError when the profile is unusable, the conversation does not fit, or it holds
        special tokens."""
        # make_client re-checks with the actual credentials.
        require_usable(profile, sends_secret=not profile.may_go_keyless)
        check_not_in_flight(conv)  # a reply another chatdesk is writing: nothing to build on
        own = budget is None
        if budget is None:
            budget = Budget(conv, match=profile.model_match(conv.model))
        try:
            plan = budget.plan(continuing=continuing)
            family = budget.family
            exact = budget.match.exact
        finally:
            if own:
                budget.close()  # the ledger listens to the conversation until closed
        api = api_of(conv, profile.api, family)
        # A service that keeps the history fits it to the model itself (truncation "auto").
        service_keeps = api == Api.RESPONSES and conv.history_keeper == HistoryKeeper.SERVICE
        if not plan.fits and not service_keeps:
            # plan.error says what would make it fit under the conversation's policy, once.
            raise ChatError(
                "Not sent",  # plan.error says it does not fit: the title does not say it again
                plan.error or "The messages and the reply's reserve exceed the model's limit.",
                code=CONTEXT_LENGTH_EXCEEDED,
            )
        check_history(conv, plan, family, exact)  # named now, not in a 400 after a round trip
        given: dict[str, Any] = {"model": profile.deployment.strip(), "family": family}
        rule = reading_rule(family, exact)  # images no larger than the model reads them
        # `fallback` (Responses): the history, for when the stored response is gone.
        body, fallback = request_bodies(api, conv, plan, stream=stream, exact=exact, **given)
        if rule is not None:
            if api == Api.RESPONSES:
                for each in (body, fallback):
                    if each is not None and isinstance(each.get("input"), list):
                        each["input"] = fit_input(each["input"], rule)
            else:
                body["messages"] = fit_messages(body["messages"], rule)
        check_size(conv, plan, body)  # after the fitting above: the limit is on what goes
        key = note_key(profile)
        note = self.notes.get(key)
        prepared = PreparedRequest(
            note.apply(body),
            plan,
            profile,
            profile.resolved_url(),
            read_timeout_for(profile, note, conv.model),
            key,
            conv.params.stream and family.streaming,  # the catalog: o1 and o3-pro take none
            api,
            fallback,
        )
        if continuing:
            prepared.add_user_message(CONTINUE_PROMPT)
            prepared.continuing = True
        return prepared

    # -- send --------------------------------------------------------------------------------
    def stream(
        self, prepared: PreparedRequest, cancel: CancelToken | None = None
    ) -> Iterator[ReplyEvent]:
        """`ReplyDelta`s as text arrives, a `RetryNotice` before each retry wait, an `Adjusted`
        before a request changed after a 400, and one final `ReplyResult` (incomplete=True
        when stopped or when no finish_reason came). A deployment known not to stream is
        asked for the whole reply, which comes as one `ReplyDelta`. Raises ChatError; one
        raised after text arrived carries that text in `partial`."""
        body = dict(prepared.body)
        if prepared.conversation_streams:
            body["stream"] = True
            if prepared.api == Api.CHAT:  # a Responses stream always ends with usage
                body.setdefault("stream_options", {"include_usage": True})
        return self._run(prepared, body, cancel or CancelToken(), self.retry, deltas=True)

    def complete(
        self,
        prepared: PreparedRequest,
        cancel: CancelToken | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        on_adjusted: Callable[[Adjusted], None] | None = None,
    ) -> ReplyResult:
        """The whole reply in one response (no streaming); same errors, retries and Stop."""
        body = {k: v for k, v in prepared.body.items() if k not in ("stream", "stream_options")}
        events = self._run(prepared, body, cancel or CancelToken(), self.retry, deltas=False)
        for event in events:
            if isinstance(event, ReplyResult):
                return event
            if isinstance(event, RetryNotice) and on_retry is not None:
                on_retry(event)
            if isinstance(event, Adjusted) and on_adjusted is not None:
                on_adjusted(event)
        raise AssertionError("the request ended without a result")  # pragma: no cover

    def test_connection(
        self,
        profile: ConnectionProfile,
        cancel: CancelToken | None = None,
        *,
        network: Network | None = None,
    ) -> Diagnosis:
        """Send a one-token "ping" through the API the deployment's conversations use (Chat
        Completions, or Responses for a Responses-only model such as gpt-5-codex or o3-pro, or
        a profile whose default is Responses) and report the URL, proxy, auth and what came
        back. `network`: choices tried instead of the app's (a proxy typed, not yet saved)."""
        with trying(network):
            try:
                url = profile.resolved_url()
            except ValueError:
                url = profile.endpoint
            family = profile.model_info()
            api = default_api(profile.api, family)
            body: dict[str, Any] = {"model": profile.deployment.strip()}
            if api == Api.RESPONSES:
                # Responses refuses max_output_tokens below 16; `store: false`: not kept there.
                body |= {"input": PING, "max_output_tokens": 16, "store": False}
            else:
                body |= {"messages": [{"role": "user", "content": PING}], family.limit_param: 1}
            try:
                key = note_key(profile)
            except ValueError:
                key = ""
            note = self.notes.get(key)
            # A one-token ping needs no minutes of thinking: a silent endpoint is reported soon.
            read_timeout = min(read_timeout_for(profile, note, None), READ_TIMEOUT)
            prepared = PreparedRequest(body, None, profile, url, read_timeout, key, api=api)
            holder = AuthHolder()
            start = self.clock()
            result: ReplyResult | None = None
            error: ChatError | None = None
            cancel = cancel or CancelToken()
            try:
                events = self._run(prepared, body, cancel, NO_RETRY, deltas=False, holder=holder)
                for event in events:
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
                proxy=proxy_for(url),
            )

    # -- the engine --------------------------------------------------------------------------
    def _run(
        self,
        prepared: PreparedRequest,
        body: dict[str, Any],
        cancel: CancelToken,
        retry: RetryPolicy,
        *,
        deltas: bool,
        holder: AuthHolder | None = None,
    ) -> Iterator[ReplyEvent]:
        """Send `body` until it succeeds, fails for good, is stopped or runs out of time.

        Retried: failures before the request's body left (connect, DNS, TLS), 429 and 5xx, as
        `retry` allows. A 400 naming something the deployment does not take is answered by
        one adjustment each (`core.deployments.adjust`). Never retried: a request the service
        may already have accepted (a read timeout, a dropped connection, a broken stream):
        sending it again would bill it again, so that is the user's choice (Retry)."""
        profile = prepared.profile
        holder = holder or AuthHolder()
        deployment = str(body.get("model", ""))
        ctx = ErrorContext(
            profile=profile.name,
            kind=profile.kind,
            deployment=deployment,
            url=prepared.url,
            auth=profile.auth,
            secrets=holder.secrets,
            read_timeout=prepared.read_timeout,
            auth_header=profile.auth_override() or "",
        )
        learning = Learning(self.notes, prepared.note_key, deployment)
        body = learning.note.apply(body)
        timeout = openai.Timeout(prepared.read_timeout, connect=CONNECT_TIMEOUT)
        deadline = Deadline(self._deadline_seconds())
        attempt = 0
        try:
            while True:
                attempt += 1
                state = ReplyState(self.clock())
                if cancel.cancelled:  # Stop before the request left: nothing to show
                    yield ReplyResult(incomplete=True)
                    return
                guard = RequestGuard()
                cancel.on_cancel(guard.interrupt)
                deadline.token.on_cancel(guard.interrupt)
                streaming = bool(body.get("stream"))
                try:
                    api = prepared.api
                    opened = self._send(guard, profile, body, holder, streaming, timeout, api)
                    try:
                        if streaming:
                            yield from self._read_stream(opened, guard, state, cancel, api)
                        else:
                            self._read_completion(opened.response, state, api)
                    finally:
                        opened.close()
                    if deadline.expired and state.finish_reason is None and not cancel.cancelled:
                        raise deadline_error(deadline.seconds)
                except BaseException as exc:
                    if isinstance(exc, GeneratorExit | KeyboardInterrupt | SystemExit):
                        raise
                    if cancel.cancelled and not state.parts:
                        yield ReplyResult(incomplete=True)  # Stop won the race: not an error
                        return
                    if cancel.cancelled:  # Stop shut the socket under the reader: keep the text
                        yield state.result(self.clock(), incomplete=True)
                        return
                    error = deadline_error(deadline.seconds) if deadline.expired else None
                    error = error or map_error(exc, ctx)
                    if state.parts:  # text was shown: keep it, never send again (no duplicates)
                        error.partial = state.result(self.clock(), incomplete=True)
                        raise error from None
                    fallback = prepared.fallback_body
                    if fallback is not None and stored_response_gone(exc, body):
                        # The service lost the stored response: send the history instead.
                        gone = body["previous_response_id"]
                        fallback = {k: v for k, v in fallback.items() if k != "stream"}
                        body = learning.note.apply(fallback)
                        if streaming:
                            body["stream"] = True
                        attempt -= 1
                        yield Adjusted(
                            f"The service no longer has the stored response {gone}: "
                            "sent the conversation's history instead.",
                            prepared.note_key,
                        )
                        continue
                    rejection = rejection_of(exc) if not deadline.expired else None
                    change = learning.answer(rejection, body) if rejection is not None else None
                    if change is not None:
                        attempt -= 1  # an adjustment is not a retry of the same request
                        body = learning.note.apply(body)
                        yield learning.adjusted(change)
                        continue
                    if rejection is not None and rejection.param in LIMIT_PARAMS:
                        both = learning.limits_refused()
                        if both is not None:  # said as it is; nothing wrong kept
                            error = both_limits_refused(error, deployment, *both)
                            unlearned = learning.unlearn_limit()
                            if unlearned is not None:
                                yield unlearned
                    delay = retry.delay(attempt, error)
                    if delay is None or delay >= deadline.remaining():
                        raise error from None
                    yield RetryNotice(attempt, delay, error.reason)
                    if retry.wait(cancel, delay):
                        yield ReplyResult(incomplete=True)
                        return
                    continue
                finally:
                    guard.release()
                if not streaming and deltas and state.parts:  # asked for a stream, got it whole
                    yield ReplyDelta("".join(state.parts))
                # Stopped after the finish_reason arrived (only usage was pending): it is whole.
                yield state.result(self.clock(), incomplete=state.finish_reason is None)
                return
        finally:
            deadline.cancel()

    def _send(
        self,
        guard: RequestGuard,
        profile: ConnectionProfile,
        body: dict[str, Any],
        holder: AuthHolder,
        streaming: bool,
        timeout: openai.Timeout,
        api: str = Api.CHAT,
    ) -> Opened:
        """Send the request from this thread, until the response's headers arrived: the SDK
        stream, or the raw response of a completion (read whole)."""
        if holder.auth is None:
            if self.credentials.instant(profile):
                holder.auth = self.credentials.resolve(profile)
            else:  # a keyring or an Entra session may block
                holder.auth = guard.call(lambda: self.credentials.resolve(profile))
        auth = holder.auth
        client, owned = self._clients.get(profile, auth)
        create = create_call(client, api, streaming)
        try:
            if auth.mode != "entra" and is_interruptible(client):
                with guard.active():
                    response = create(**sdk_arguments(body, api), timeout=timeout)
            else:
                # The SDK fetches an Entra token inside `create`, which no Stop interrupts.
                def send() -> Any:
                    with guard.active():
                        return create(**sdk_arguments(body, api), timeout=timeout)

                response = guard.call(send, discard=close_response)
        except BaseException:
            if owned:
                client.close()
            raise
        return Opened(response, client if owned else None)

    def _read_stream(
        self,
        opened: Opened,
        guard: RequestGuard,
        state: ReplyState,
        cancel: CancelToken,
        api: str = Api.CHAT,
    ) -> Iterator[ReplyDelta | ReasoningDelta]:
        http_response = opened.response.response
        sock = response_socket(http_response)
        if sock is not None:  # Stop wakes the reads below by shutting it down
            guard.attach(sock)
        state.request_id = request_id(http_response.headers)
        if not is_event_stream(http_response):
            # One plain JSON answer where a stream was asked for: the reply, whole.
            read_whole = read_json_response if api == Api.RESPONSES else read_json_answer
            read_whole(http_response, state, self.clock)
            if state.parts:
                yield ReplyDelta("".join(state.parts))
            return
        if api == Api.RESPONSES:
            yield from read_events(http_response, state, cancel, self.clock)
        else:
            yield from read_chunks(opened.response, state, cancel, self.clock)

    def _read_completion(self, raw: Any, state: ReplyState, api: str = Api.CHAT) -> None:
        state.request_id = request_id(raw.headers)
        if api == Api.RESPONSES:  # its JSON, not the SDK's models: see read_events
            read_json_response(raw.http_response, state, self.clock)
            return
        parsed = raw.parse()
        state.end = self.clock()
        state.read_completion(parsed)


def _was_cancelled(result: ReplyResult) -> bool:
    return result.incomplete and result.finish_reason is None and not result.content
