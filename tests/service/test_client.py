"""Building the SDK client per profile kind and auth mode; what reaches the wire."""

from __future__ import annotations

import time

import openai
import pytest
from azure.core.credentials import AccessToken

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService
from chatdesk.service.client import DEFAULT_TIMEOUT, Auth, Credentials, auth_kind, make_client
from chatdesk.service.entra import EntraSession, SignInRequired
from chatdesk.service.events import ChatError
from chatdesk.service.retry import NO_RETRY
from chatdesk.service.secrets import MemorySecretStore, Secret, SecretStoreError
from tests.support.fake_azure import FakeAzure

KEY = "fedcba9876543210fedcba9876543210"
TOKEN = "entra-token-abc123"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY, bearer_tokens={TOKEN}) as server:
        yield server


def keyed_store() -> MemorySecretStore:
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    return store


def profile(srv: FakeAzure, kind: str, **kw) -> ConnectionProfile:
    endpoint = {
        "azure-v1": srv.v1_base_url,
        "azure-api-version": srv.azure_endpoint,
        "openai-compatible": srv.openai_base_url,
    }[kind]
    return ConnectionProfile("work", kind, endpoint, "gpt-4o", **kw)  # type: ignore[arg-type]


def ask(client: openai.OpenAI) -> str:
    try:
        reply = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    finally:
        client.close()
    return reply.choices[0].message.content or ""


@pytest.mark.parametrize(
    ("kind", "path", "header"),
    [
        ("azure-v1", "/openai/v1/chat/completions", "authorization"),
        ("azure-api-version", "/openai/deployments/gpt-4o/chat/completions", "api-key"),
        ("openai-compatible", "/v1/chat/completions", "authorization"),
    ],
)
def test_key_auth_per_kind(srv, kind, path, header):
    client = make_client(profile(srv, kind), Credentials(keyed_store(), env={}))
    assert isinstance(client, openai.AzureOpenAI) == (kind == "azure-api-version")
    assert ask(client) == "You said: hi"
    request = srv.requests[-1]
    assert request.path == path
    assert request.authorized
    assert request.auth_kind == ("api-key" if header == "api-key" else "bearer")
    other = "authorization" if header == "api-key" else "api-key"
    assert other not in request.headers
    if kind == "azure-api-version":
        assert request.query == {"api-version": "2024-10-21"}
        assert request.headers["api-key"] == KEY
    else:
        assert request.headers["authorization"] == f"Bearer {KEY}"


def test_timeouts_are_set_and_the_sdk_never_retries(srv):
    client = make_client(profile(srv, "azure-v1"), Credentials(keyed_store()))
    try:
        assert client.max_retries == 0
        assert client.timeout == DEFAULT_TIMEOUT
        assert DEFAULT_TIMEOUT.read == 60.0
        assert DEFAULT_TIMEOUT.connect == 10.0
    finally:
        client.close()


def test_openai_compatible_without_key(srv):
    srv.api_key = "not-needed"  # a local server that takes anything, as llama.cpp does
    credentials = Credentials(MemorySecretStore(), env={})
    prof = ConnectionProfile("local", "openai-compatible", srv.openai_base_url, "llama")
    assert credentials.resolve(prof).mode == "none"
    assert ask(make_client(prof, credentials)) == "You said: hi"
    assert srv.requests[-1].headers["authorization"] == "Bearer not-needed"


def test_key_falls_back_to_the_environment_variable(srv):
    env = {"MY_AZURE_KEY": KEY}
    prof = profile(srv, "azure-api-version", key_env="MY_AZURE_KEY")
    ask(make_client(prof, Credentials(MemorySecretStore(), env=env)))
    assert srv.requests[-1].headers["api-key"] == KEY


def test_the_keyring_entry_wins_over_the_environment(srv):
    env = {"AZURE_OPENAI_API_KEY": "wrong-key-from-env"}
    prof = profile(srv, "azure-api-version", key_env="AZURE_OPENAI_API_KEY")
    ask(make_client(prof, Credentials(keyed_store(), env=env)))
    assert srv.requests[-1].headers["api-key"] == KEY


class KeyringStandIn(MemorySecretStore):
    """A secret store that says it is the protected system keyring."""

    is_secure = True


def test_no_key_is_a_clear_error(srv):
    prof = profile(srv, "azure-v1", key_env="AZURE_OPENAI_API_KEY")
    with pytest.raises(ChatError) as info:
        make_client(prof, Credentials(KeyringStandIn(), env={}))
    assert "Profile 'work' has no key in the system keyring" in info.value.message
    assert "AZURE_OPENAI_API_KEY" in info.value.message
    assert "keyring" in info.value.action
    assert srv.requests == []


def test_keyring_failure_is_mapped(srv):
    class LockedStore(MemorySecretStore):
        def get(self, profile: str) -> Secret | None:
            raise SecretStoreError("Could not read the key from the system keyring: it is locked.")

    with pytest.raises(ChatError) as info:
        make_client(profile(srv, "azure-v1"), Credentials(LockedStore()))
    assert info.value.title == "Cannot read the API key"
    assert "locked" in info.value.message


def test_a_profile_that_fails_its_check_never_builds_a_client():
    prof = ConnectionProfile("work", "azure-v1", "http://example.com/", "gpt-4o")
    with pytest.raises(ChatError) as info:
        make_client(prof, Auth("key", key=Secret(KEY)))
    assert "http://" in info.value.message
    assert "profile 'work'" in info.value.action


class FakeCredential:
    """A TokenCredential with a fixed token, as azure-identity's get_bearer_token_provider uses."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)


def entra_credentials(tmp_path, token: str = TOKEN) -> tuple[Credentials, FakeCredential]:
    credential = FakeCredential(token)
    session = EntraSession(
        "default", record_path=tmp_path / "record.json", credential_factory=lambda **kw: credential
    )
    return Credentials(MemorySecretStore(), entra=lambda p: session), credential


@pytest.mark.parametrize("kind", ["azure-v1", "azure-api-version"])
def test_entra_bearer_reaches_the_server(srv, tmp_path, kind):
    credentials, credential = entra_credentials(tmp_path)
    prof = profile(srv, kind, auth="entra", entra_mode="default")
    assert ask(make_client(prof, credentials)) == "You said: hi"
    request = srv.requests[-1]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "api-key" not in request.headers
    assert request.authorized
    assert credential.calls >= 1
    assert auth_kind(prof, credentials.resolve(prof)) == "bearer (Entra)"


def test_plain_callable_token_provider(srv):
    class Source:
        def token_provider(self):
            return lambda: TOKEN

    prof = profile(srv, "azure-v1", auth="entra")
    ask(make_client(prof, Credentials(entra=lambda p: Source())))
    assert srv.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_revoked_token_is_a_mapped_401(srv, tmp_path):
    credentials, _ = entra_credentials(tmp_path)
    chat = ChatService(credentials, retry=NO_RETRY)
    prof = profile(srv, "azure-v1", auth="entra", entra_mode="default")
    prepared = chat.prepare(Conversation(history=[Message("user", "hi")]), prof)
    srv.bearer_tokens.discard(TOKEN)
    with pytest.raises(ChatError) as info:
        list(chat.stream(prepared))
    error = info.value
    assert error.title == "Wrong key or token"
    assert error.status == 401
    assert "sign in again" in error.action
    assert TOKEN not in error.text


def test_sign_in_required_is_mapped(srv):
    class SignedOut:
        def token_provider(self):
            raise SignInRequired("Sign in with Microsoft Entra ID first.")

    chat = ChatService(Credentials(entra=lambda p: SignedOut()), retry=NO_RETRY)
    diagnosis = chat.test_connection(profile(srv, "azure-v1", auth="entra"))
    assert not diagnosis.ok
    assert diagnosis.auth_kind == "bearer (Entra)"
    assert diagnosis.error.title == "Sign-in needed"
    assert srv.requests == []


def test_auth_repr_hides_the_key():
    auth = Auth("key", key=Secret(KEY))
    assert KEY not in repr(auth)
    assert list(auth.secrets()) == [KEY]


def test_a_profile_without_a_key_uses_azure_openai_api_key_like_the_cli():
    # The tester's case: profile 'work' has no key in the keyring and no key_env; the window
    # was started with AZURE_OPENAI_API_KEY=test-key. The window's connection setup (the one
    # `chatdesk send --profile` shares) sends that key.
    from chatdesk.core.settings import Settings
    from chatdesk.service.connections import Connections

    with FakeAzure(api_key="test-key") as server:
        prof = profile(server, "azure-api-version")
        assert prof.key_env is None
        connections = Connections(
            Settings(profiles=[prof]), MemorySecretStore(), env={"AZURE_OPENAI_API_KEY": "test-key"}
        )
        assert ask(make_client(prof, connections.credentials)) == "You said: hi"
        assert server.requests[-1].headers["api-key"] == "test-key"


def test_no_key_message_does_not_repeat_its_title(srv):
    prof = profile(srv, "azure-api-version")  # no key_env: AZURE_OPENAI_API_KEY is looked at
    with pytest.raises(ChatError) as info:
        make_client(prof, Credentials(KeyringStandIn(), env={}))
    assert info.value.title == "No API key"
    assert info.value.message == (
        "Profile 'work' has no key in the system keyring, and the environment variable "
        "AZURE_OPENAI_API_KEY is not set."
    )
    assert "set AZURE_OPENAI_API_KEY" in info.value.action


def test_no_key_without_a_keyring_does_not_point_at_one(srv):
    # Tester: with no Secret Service, the error still said "chatdesk keeps it in the system
    # keyring". Keys typed in the window then live in memory for the session.
    prof = profile(srv, "azure-api-version")
    with pytest.raises(ChatError) as info:
        make_client(prof, Credentials(MemorySecretStore(), env={}))
    assert "keyring" not in info.value.message.replace("no secure keyring", "")
    assert "system keyring" not in info.value.action
    assert "in memory until it exits" in info.value.action


def test_a_keyless_server_on_the_network_can_be_used_but_a_key_never_goes_over_http():
    # Helper net, session 12: an openai-compatible profile with no key on plain http to a host
    # that is not this machine (Ollama on another machine) could not be used: the URL was
    # checked as if a key were sent, and Test connection said "Unexpected error: ProfileError:
    # chatdesk will not send a key over plain http…". Nothing is sent here (TEST-NET address).
    prof = ConnectionProfile("lan", "openai-compatible", "http://192.0.2.10:11434/v1", "llama3")
    assert prof.resolved_url() == "http://192.0.2.10:11434/v1/chat/completions"
    conv = Conversation()
    conv.append(Message("user", "hi"))
    prepared = ChatService(Credentials(MemorySecretStore(), env={})).prepare(conv, prof)
    assert prepared.url == "http://192.0.2.10:11434/v1/chat/completions"
    make_client(prof, Credentials(MemorySecretStore(), env={})).close()  # keyless: fine
    with pytest.raises(ChatError) as info:
        make_client(prof, Credentials(MemorySecretStore(), env={"OPENAI_API_KEY": KEY}))
    assert "plain http" in f"{info.value.message} {info.value.action}"
