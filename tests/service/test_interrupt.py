"""Requests run on the caller's thread, and Stop still ends them at once, whatever they wait
for: a connect that gets no answer, a slow name lookup, a keyring read, a stalled response.

Real sockets throughout: a loopback listener whose backlog is full never completes a connect,
as a firewalled endpoint does.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service import blocking
from chatdesk.service.chat import ChatService
from chatdesk.service.client import Auth, Credentials, make_client
from chatdesk.service.events import CancelToken, ReplyDelta, ReplyResult
from chatdesk.service.interrupt import RequestGuard, Stopped, is_interruptible
from chatdesk.service.retry import NO_RETRY
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure, Reply

KEY = "test-key"


@pytest.fixture
def srv() -> Iterator[FakeAzure]:
    with FakeAzure(api_key=KEY) as server:
        yield server


def service_with(store: object) -> ChatService:
    return ChatService(Credentials(store, env={}), retry=NO_RETRY)  # type: ignore[arg-type]


def memory_service() -> ChatService:
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return service_with(store)


def prepared(service: ChatService, endpoint: str):
    conv = Conversation(system_prompt="Be brief.", history=[Message("user", "Hi")])
    return service.prepare(conv, ConnectionProfile("work", "azure-v1", endpoint, "gpt-4o"))


def stop_after(cancel: CancelToken, seconds: float) -> None:
    threading.Timer(seconds, cancel.cancel).start()


@pytest.fixture
def unanswered() -> Iterator[str]:
    """An endpoint whose connects hang: a listener with a full backlog drops new SYNs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/"
    for sock in [*fillers, listener]:
        sock.close()


def test_a_reply_is_read_on_the_callers_thread_without_helpers(srv, monkeypatch):
    service = memory_service()
    srv.enqueue(Reply("Hi"))
    *_, first = service.stream(prepared(service, srv.v1_base_url))  # connects (on a helper)
    assert first.content == "Hi"
    jobs: list[object] = []
    monkeypatch.setattr(blocking.THREADS, "run", lambda job: jobs.append(job))
    srv.enqueue(Reply("Paris", chunk_size=2))
    events = list(service.stream(prepared(service, srv.v1_base_url)))
    assert "".join(e.text for e in events if isinstance(e, ReplyDelta)) == "Paris"
    assert jobs == []  # a key in memory and an open connection: nothing waits elsewhere
    assert srv.connections == 1


def test_stop_while_connecting_returns_at_once(unanswered):
    service = memory_service()
    cancel = CancelToken()
    stop_after(cancel, 0.2)
    started = time.monotonic()
    events = list(service.stream(prepared(service, unanswered), cancel))
    assert time.monotonic() - started < 0.7
    assert events == [ReplyResult(incomplete=True, latency_ms=events[0].latency_ms)]


def test_stop_during_a_slow_name_lookup_returns_at_once(srv, monkeypatch):
    release = threading.Event()
    real = socket.getaddrinfo

    def slow(host, *args, **kwargs):
        if host == "localhost":
            release.wait(5)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    service = memory_service()
    cancel = CancelToken()
    stop_after(cancel, 0.2)
    started = time.monotonic()
    url = srv.v1_base_url.replace("127.0.0.1", "localhost")
    (result,) = service.stream(prepared(service, url), cancel)
    assert time.monotonic() - started < 0.7
    assert result.incomplete
    release.set()
    assert srv.requests == []


class SlowStore:
    """A keyring whose read takes its time (a locked keyring prompting for a password)."""

    is_secure = True
    instant = False
    description = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()

    def get(self, profile: str) -> Secret | None:
        self.release.wait(5)
        return Secret(KEY)


def test_stop_during_a_slow_keyring_read_returns_at_once(srv):
    store = SlowStore()
    service = service_with(store)
    cancel = CancelToken()
    stop_after(cancel, 0.2)
    started = time.monotonic()
    (result,) = service.stream(prepared(service, srv.v1_base_url), cancel)
    assert time.monotonic() - started < 0.7
    assert result.incomplete
    store.release.set()


def test_a_slow_keyring_read_still_sends_the_request(srv):
    store = SlowStore()
    store.release.set()
    service = service_with(store)
    srv.enqueue(Reply("ok"))
    *_, result = service.stream(prepared(service, srv.v1_base_url))
    assert result.content == "ok"
    assert not result.incomplete


@pytest.mark.parametrize(
    ("kind", "endpoint"),
    [
        ("azure-v1", "https://r.openai.azure.com/openai/v1/"),
        ("azure-api-version", "https://r.openai.azure.com/"),
        ("openai-compatible", "http://127.0.0.1:1234/v1"),
    ],
)
def test_every_client_chatdesk_builds_can_be_interrupted(kind, endpoint):
    profile = ConnectionProfile("work", kind, endpoint, "gpt-4o", api_version="2024-10-21")  # type: ignore[arg-type]
    for auth in (Auth("key", key=Secret(KEY)), Auth("entra", token_provider=lambda: "t")):
        client = make_client(profile, auth)
        try:
            assert is_interruptible(client)
        finally:
            client.close()


def test_guard_shuts_down_sockets_attached_before_and_after_stop():
    guard = RequestGuard()
    a, b = socket.socketpair()
    c, d = socket.socketpair()
    try:
        guard.attach(a)
        guard.interrupt()
        assert a.recv(1) == b""  # woken: shut down
        guard.attach(c)  # a connect racing with Stop
        assert c.recv(1) == b""
    finally:
        for sock in (a, b, c, d):
            sock.close()


def test_stop_after_release_leaves_the_pooled_connection_alone():
    guard = RequestGuard()
    a, b = socket.socketpair()
    try:
        guard.attach(a)
        guard.release()
        guard.interrupt()
        b.sendall(b"x")
        assert a.recv(1) == b"x"
    finally:
        a.close()
        b.close()


def test_guard_call_discards_a_result_that_came_after_stop():
    guard = RequestGuard()
    started, release = threading.Event(), threading.Event()
    discarded: list[str] = []
    done = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "late"

    def discard(value: str) -> None:
        discarded.append(value)
        done.set()

    threading.Timer(0.1, guard.interrupt).start()
    with pytest.raises(Stopped):
        guard.call(slow, discard=discard)
    release.set()
    assert done.wait(5)
    assert discarded == ["late"]


def test_guard_call_passes_results_and_errors_through():
    guard = RequestGuard()
    assert guard.call(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        guard.call(lambda: 1 / 0)
    guard.interrupt()
    with pytest.raises(Stopped):
        guard.call(lambda: 1)


def test_streamed_replies_reuse_one_connection(srv):
    service = memory_service()
    for text in ("one", "two", "three"):
        srv.enqueue(Reply(text))
        *_, result = service.stream(prepared(service, srv.v1_base_url))
        assert result.content == text
        assert not result.incomplete
    assert srv.connections == 1  # the SDK alone opens one per reply


def test_a_stopped_reply_does_not_spoil_the_next_one(srv):
    service = memory_service()
    srv.enqueue(Reply("x" * 40, chunk_size=1, delay=2.0), Reply("fine"))
    cancel = CancelToken()
    events = service.stream(prepared(service, srv.v1_base_url), cancel)
    assert next(events) == ReplyDelta("x")
    cancel.cancel()
    (result,) = list(events)
    assert result.incomplete
    *_, result = service.stream(prepared(service, srv.v1_base_url))
    assert result.content == "fine"
    assert not result.incomplete


def test_a_body_left_open_after_done_costs_a_moment_not_the_reply(srv):
    service = memory_service()
    srv.enqueue(Reply("slow end", linger_after_done=3.0), Reply("next"))
    started = time.monotonic()
    *_, result = service.stream(prepared(service, srv.v1_base_url))
    assert time.monotonic() - started < 1.0
    assert result.content == "slow end"
    assert not result.incomplete
    *_, result = service.stream(prepared(service, srv.v1_base_url))
    assert result.content == "next"
    srv.release()


def test_clients_behind_a_proxy_from_the_environment_can_be_interrupted(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "localhost")
    profile = ConnectionProfile("work", "azure-v1", "https://r.openai.azure.com/", "gpt-4o")
    client = make_client(profile, Auth("key", key=Secret(KEY)))
    try:
        assert is_interruptible(client)
    finally:
        client.close()
