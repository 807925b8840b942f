"""ChatService reuses SDK clients across requests (building one costs ~17 ms per reply)."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService
from chatdesk.service.client import Auth, Credentials, make_client
from chatdesk.service.events import ReplyResult
from chatdesk.service.retry import NO_RETRY
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure, Reply

KEY = "test-key-0123456789"


class CountingFactory:
    def __init__(self) -> None:
        self.built = []
        self.closed = 0

    def __call__(self, profile: ConnectionProfile, auth: Auth):
        client = make_client(profile, auth)
        original = client.close

        def close() -> None:
            self.closed += 1
            original()

        client.close = close
        self.built.append((profile.name, auth.mode))
        return client


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def make_service(store: MemorySecretStore, factory: CountingFactory) -> ChatService:
    return ChatService(Credentials(store, env={}), client_factory=factory, retry=NO_RETRY)


def reply(service: ChatService, profile: ConnectionProfile) -> ReplyResult:
    conv = Conversation(history=[Message("user", "hello")])
    events = list(service.stream(service.prepare(conv, profile)))
    result = events[-1]
    assert isinstance(result, ReplyResult)
    return result


def test_requests_of_one_profile_share_a_client(srv):
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    factory = CountingFactory()
    service = make_service(store, factory)
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    for _ in range(3):
        srv.enqueue(Reply("Hi there"))
        assert reply(service, profile).content == "Hi there"
    assert len(factory.built) == 1
    assert factory.closed == 0  # kept for the next request
    service.close()
    assert factory.closed == 1


def test_a_new_key_or_endpoint_gets_a_new_client(srv):
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    factory = CountingFactory()
    service = make_service(store, factory)
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    srv.enqueue(Reply("one"))
    reply(service, profile)
    srv.api_key = "rotated-key-0123456789"
    store.set("work", Secret("rotated-key-0123456789"))
    srv.enqueue(Reply("two"))
    assert reply(service, profile).content == "two"  # not the old key's client
    other = ConnectionProfile("work", "openai-compatible", srv.openai_base_url, "gpt-4o")
    srv.enqueue(Reply("three"))
    assert reply(service, other).content == "three"
    assert len(factory.built) == 3


def test_entra_clients_are_per_request_and_closed(srv):
    srv.bearer_tokens.add("entra-token")

    class Session:
        def token_provider(self):
            return lambda: "entra-token"

    factory = CountingFactory()
    service = ChatService(
        Credentials(MemorySecretStore(), env={}, entra=lambda _p: Session()),
        client_factory=factory, retry=NO_RETRY,
    )  # fmt: skip
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o", auth="entra")
    for _ in range(2):
        srv.enqueue(Reply("ok"))
        assert reply(service, profile).content == "ok"
    assert len(factory.built) == 2
    assert factory.closed == 2


def test_cache_key_holds_no_secret():
    profile = ConnectionProfile("work", "azure-v1", "https://x.openai.azure.com/", "gpt-4o")
    key = ChatService(Credentials(MemorySecretStore(), env={}))._clients.key(
        profile, Auth("key", key=Secret(KEY))
    )
    assert key is not None
    assert KEY not in repr(key)
