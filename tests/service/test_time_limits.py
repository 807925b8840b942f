"""Time limits that fit reasoning models, and never double-billing (issue 11 item 6, issue 12
item 3), against FakeAzure over real sockets with scaled-down clocks: a 1.3 s think stands
for the reported 65 s one, a 1 s read timeout for the old 60 s.

A request whose body was sent may have been accepted (and billed): after a read timeout or a
dropped connection it is never sent again by itself. The request log proves it.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

import chatdesk.core.deployments as deployments
from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import DeploymentNote, DeploymentNotes
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService, note_key
from chatdesk.service.client import Credentials
from chatdesk.service.events import CancelToken, ChatError, ReplyDelta, ReplyResult, RetryNotice
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure, Hang, Reply, Trickle

KEY = "test-key"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.fixture
def scaled(monkeypatch):
    """The model defaults scaled down 60x: 1 s for chat models, 2 s for reasoning models."""
    monkeypatch.setattr(deployments, "READ_TIMEOUT", 1.0)
    monkeypatch.setattr(deployments, "REASONING_READ_TIMEOUT", 2.0)


def make_service(notes=None, deadline: float = 30.0) -> ChatService:
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return ChatService(
        Credentials(store, env={}),
        retry=RetryPolicy(base_delay=0.01),
        notes=notes,
        deadline=deadline,
    )


def profile(srv: FakeAzure, deployment: str = "gpt-4o") -> ConnectionProfile:
    return ConnectionProfile("work", "azure-v1", srv.v1_base_url, deployment)


def run(service: ChatService, prof: ConnectionProfile, cancel: CancelToken | None = None):
    conv = Conversation(history=[Message("user", "Think hard.")])
    return list(service.stream(service.prepare(conv, prof), cancel))


@pytest.mark.parametrize("where", ["before headers", "after headers"])
def test_a_think_past_the_read_timeout_is_never_sent_again(srv, scaled, where):
    think = {"first_byte_delay": 1.3} if where == "before headers" else {"think": 1.3}
    srv.enqueue(Reply("late", **think), Reply("a second, billed request"))
    started = time.monotonic()
    with pytest.raises(ChatError) as info:
        run(make_service(), profile(srv))
    assert time.monotonic() - started < 6  # one timeout, not four (generous: a loaded CI)
    assert info.value.title == "No answer in time"
    assert "sent nothing for 1 s" in info.value.message
    assert "Send it again to try once more" in info.value.action
    assert len(srv.requests) == 1  # was 4 before: four billed requests


def test_a_reasoning_model_gets_the_time_to_think(srv, scaled):
    # Longer than the chat models' read timeout, within the reasoning models' one.
    srv.enqueue(Reply("Thought it through.", think=1.3))
    events = run(make_service(), profile(srv, "o3"))
    assert events[-1].content == "Thought it through."
    assert not events[-1].incomplete
    assert len(srv.requests) == 1


def test_the_deployments_read_timeout_setting_wins(srv, scaled):
    prof = profile(srv, "chat-prod")  # a neutral name: the chat models' default applies
    notes = DeploymentNotes({note_key(prof): DeploymentNote(read_timeout=3)})
    srv.enqueue(Reply("Thought it through.", first_byte_delay=1.3))
    events = run(make_service(notes), prof)
    assert events[-1].content == "Thought it through."
    assert len(srv.requests) == 1


def test_a_black_hole_ends_at_the_deadline(srv):
    srv.enqueue(Hang(30))  # accepts the request, never answers
    started = time.monotonic()
    with pytest.raises(ChatError) as info:
        run(make_service(deadline=1.0), profile(srv, "o3"))
    elapsed = time.monotonic() - started
    srv.release()
    assert 0.9 < elapsed < 5
    assert info.value.title == "No complete answer in time"
    assert "deadline of 1 s" in info.value.message
    assert len(srv.requests) == 1


def test_a_trickling_server_ends_at_the_deadline(srv, scaled):
    # A byte every 100 ms: no read timeout ever fires (1 s here); the deadline does.
    srv.enqueue(Trickle(interval=0.1, seconds=30))
    started = time.monotonic()
    with pytest.raises(ChatError) as info:
        run(make_service(deadline=1.5), profile(srv))
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 5
    assert info.value.title == "No complete answer in time"
    assert len(srv.requests) == 1


def test_a_slow_but_live_stream_past_the_deadline_keeps_its_text(srv):
    srv.enqueue(Reply("abcdefghijklmnopqrstuvwxyz", chunk_size=1, delay=0.1))
    with pytest.raises(ChatError) as info:
        run(make_service(deadline=1.0), profile(srv))
    partial = info.value.partial
    assert partial is not None
    assert partial.incomplete
    assert 3 < len(partial.content) < 26
    assert len(srv.requests) == 1


def test_stop_ends_a_long_think_at_once(srv):
    srv.enqueue(Reply("never shown", think=30))
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    events = run(make_service(), profile(srv, "o3"), cancel)
    assert time.monotonic() - started < 3
    assert isinstance(events[-1], ReplyResult)
    assert events[-1].incomplete
    assert not [e for e in events if isinstance(e, ReplyDelta)]
    assert len(srv.requests) == 1
    srv.release()


def test_a_failure_before_the_body_left_is_still_retried():
    with socket.socket() as s:  # a port nobody listens on: refused at connect
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prof = ConnectionProfile("work", "azure-v1", f"http://127.0.0.1:{port}/openai/v1/", "gpt-4o")
    service = make_service()
    service.retry = RetryPolicy(attempts=2, base_delay=0.01)
    events: list = []
    stream = service.stream(service.prepare(Conversation(history=[Message("user", "hi")]), prof))
    with pytest.raises(ChatError) as info:
        events.extend(stream)
    assert [type(e) for e in events] == [RetryNotice]
    assert info.value.retryable
