"""Retry timing: Azure's retry-after headers, backoff, what is never retried, Stop in a wait."""

from __future__ import annotations

import threading
import time
from email.utils import formatdate

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService
from chatdesk.service.client import Credentials
from chatdesk.service.events import CancelToken, ChatError, ReplyResult, RetryNotice
from chatdesk.service.retry import RetryPolicy, parse_retry_after
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import Drop, Fail, FakeAzure, Reply

KEY = "test-key"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def run(srv, policy: RetryPolicy | None = None, cancel: CancelToken | None = None):
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    chat = ChatService(Credentials(store), retry=policy or RetryPolicy(base_delay=0.01))
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    prepared = chat.prepare(Conversation(history=[Message("user", "hello")]), profile)
    return chat.stream(prepared, cancel)


# -- headers and policy ----------------------------------------------------------------------
def test_parse_retry_after_prefers_milliseconds():
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "3"}) == 0.25
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "soon", "retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "whenever"}) is None
    assert parse_retry_after({}) is None
    assert parse_retry_after(None) is None


def test_parse_retry_after_http_date():
    now = 1_700_000_000.0
    header = {"retry-after": formatdate(now + 7, usegmt=True)}
    assert parse_retry_after(header, now=lambda: now) == pytest.approx(7.0)
    past = {"retry-after": formatdate(now - 60, usegmt=True)}
    assert parse_retry_after(past, now=lambda: now) == 0.0


def retryable(retry_after: float | None = None) -> ChatError:
    error = ChatError("Busy", "try later", retryable=True)
    error.retry_after = retry_after
    return error


def test_backoff_grows_with_bounded_jitter_and_stops_after_attempts():
    low = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.2, rng=lambda: 0.0)
    high = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.2, rng=lambda: 1.0)
    assert [low.delay(n, retryable()) for n in (1, 2, 3)] == pytest.approx([0.8, 1.6, 3.2])
    assert [high.delay(n, retryable()) for n in (1, 2, 3)] == pytest.approx([1.2, 2.4, 4.8])
    assert low.delay(4, retryable()) is None  # 4 attempts in all
    capped = RetryPolicy(attempts=20, base_delay=1.0, max_delay=5.0, rng=lambda: 1.0)
    assert capped.delay(10, retryable()) == 5.0


def test_server_wait_is_honoured_and_too_long_a_wait_gives_up():
    policy = RetryPolicy(max_delay=30.0)
    assert policy.delay(1, retryable(retry_after=2.5)) == 2.5
    assert policy.delay(1, retryable(retry_after=90.0)) is None
    assert policy.delay(1, ChatError("Wrong key", "401")) is None


# -- against the fake ------------------------------------------------------------------------
def test_429_waits_what_retry_after_ms_says(srv):
    srv.enqueue(Fail.rate_limited(retry_after_ms=300), Reply("done"))
    events = list(run(srv, RetryPolicy(base_delay=5.0)))  # the header wins over backoff
    notice = events[0]
    assert isinstance(notice, RetryNotice)
    assert notice.attempt == 1
    assert notice.delay == pytest.approx(0.3)
    assert "429" in notice.reason
    assert isinstance(events[-1], ReplyResult)
    assert events[-1].content == "done"
    first, second = srv.requests
    assert 0.28 <= second.time - first.time < 1.0


@pytest.mark.parametrize(
    "failure",
    [
        Fail(400, "BadRequest", "Bad request."),
        Fail.unauthorized(),
        Fail.forbidden(),
        Fail.deployment_not_found(),
        Fail.content_filter(),
    ],
    ids=["400", "401", "403", "404", "content_filter"],
)
def test_client_errors_are_never_retried(srv, failure):
    srv.enqueue(failure, Reply("must not be reached"))
    with pytest.raises(ChatError) as info:
        list(run(srv))
    assert info.value.status == failure.status
    assert not info.value.retryable
    assert len(srv.requests) == 1


def test_invalid_unicode_500_is_retried_then_succeeds(srv):
    srv.enqueue(Fail.invalid_unicode(), Reply("fine now"))
    events = list(run(srv))
    notices = [e for e in events if isinstance(e, RetryNotice)]
    assert len(notices) == 1
    assert "invalid text" in notices[0].reason
    assert events[-1].content == "fine now"
    assert not events[-1].incomplete
    assert len(srv.requests) == 2


def test_connection_dropped_after_the_request_was_sent_is_not_sent_again(srv):
    # The service may have accepted (and will bill) the request: re-sending is the user's call.
    srv.enqueue(Drop(), Reply("must not be reached"))
    with pytest.raises(ChatError) as info:
        list(run(srv))
    assert info.value.title == "The connection broke"
    assert not info.value.retryable
    assert "Send it again to try once more" in info.value.action
    assert len(srv.requests) == 1


def test_gives_up_after_the_last_attempt(srv):
    srv.enqueue(*[Fail.server_error(503)] * 3)
    with pytest.raises(ChatError) as info:
        list(run(srv, RetryPolicy(attempts=3, base_delay=0.01)))
    assert info.value.status == 503
    assert len(srv.requests) == 3


def test_cancel_during_a_retry_wait_returns_at_once(srv):
    srv.enqueue(Fail.rate_limited(retry_after_ms=20_000))
    cancel = CancelToken()
    events = run(srv, cancel=cancel)
    assert isinstance(next(events), RetryNotice)
    threading.Timer(0.1, cancel.cancel).start()
    started = time.monotonic()
    rest = list(events)
    assert time.monotonic() - started < 0.5
    assert len(rest) == 1
    assert rest[0].incomplete
    assert rest[0].finish_reason is None
    assert len(srv.requests) == 1


def test_a_retry_notice_names_the_status_once(srv):
    # Tester: `chatdesk send` said "Service error (500) (500). Retrying in 2 s…": the title
    # held the status already and the notice added it again.
    srv.enqueue(Fail.server_error(500), Fail.rate_limited(retry_after_ms=10), Reply("done"))
    notices = [e for e in run(srv, RetryPolicy(base_delay=0.01)) if isinstance(e, RetryNotice)]
    assert [n.reason for n in notices] == ["Service error (500)", "Rate limit reached (429)"]
