"""What a profile's cloud, key header and extra headers put on the wire (issue 17, 1 and 3)."""

from __future__ import annotations

import time

import openai
import pytest
from azure.core.credentials import AccessToken

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.client import Credentials, auth_kind, header_secret_name, make_client
from chatdesk.service.connections import Connections
from chatdesk.service.entra import EntraSession
from chatdesk.service.events import ChatError
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure

KEY = "fedcba9876543210fedcba9876543210"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY, bearer_tokens={"gov-token"}) as server:
        yield server


def ask(client: openai.OpenAI) -> str:
    try:
        reply = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    finally:
        client.close()
    return reply.choices[0].message.content or ""


def store(**entries: str) -> MemorySecretStore:
    secrets = MemorySecretStore()
    for name, value in entries.items():
        secrets.set(name, Secret(value))
    return secrets


class RecordingFactory:
    """An EntraSession credential factory that records what it was built with."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.scopes: list[tuple[str, ...]] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        factory = self

        class Credential:
            def get_token(self, *scopes, **kw):
                factory.scopes.append(scopes)
                return AccessToken("gov-token", int(time.time()) + 3600)

        return Credential()


def test_a_us_government_endpoint_signs_in_to_its_cloud(srv, tmp_path, monkeypatch):
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))
    factory = RecordingFactory()

    def entra_factory(mode, **kwargs):
        return EntraSession(mode, credential_factory=factory, **kwargs)

    gov = ConnectionProfile(
        "gov",
        "azure-v1",
        "https://contoso.openai.azure.us/openai/v1/",
        "gpt-4o",
        auth="entra",
        entra_mode="default",
        tenant_id="contoso.onmicrosoft.us",
    )
    connections = Connections(Settings(profiles=[gov]), MemorySecretStore(), env={},
                              entra_factory=entra_factory)  # fmt: skip
    session = connections.entra_session(gov)
    assert session.scope == "https://cognitiveservices.azure.us/.default"
    session.sign_in()
    assert factory.calls[0]["authority"] == "login.microsoftonline.us"
    assert factory.calls[0]["tenant_id"] == "contoso.onmicrosoft.us"
    assert factory.scopes == [("https://cognitiveservices.azure.us/.default",)]
    # The same rule serves a request: the token goes out as Bearer to the (local) endpoint.
    local = ConnectionProfile(
        "gov", "azure-v1", srv.v1_base_url, "gpt-4o", auth="entra", entra_mode="default",
        cloud="usgovernment",
    )  # fmt: skip
    assert connections.entra_session(local).scope == "https://cognitiveservices.azure.us/.default"
    assert ask(make_client(local, connections.credentials)) == "You said: hi"
    assert srv.last_request.headers["authorization"] == "Bearer gov-token"


@pytest.mark.parametrize(
    ("kind", "key_header", "expected"),
    [
        ("azure-v1", "auto", "bearer"),
        ("azure-v1", "api-key", "api-key"),
        ("azure-api-version", "auto", "api-key"),
        ("azure-api-version", "bearer", "bearer"),
    ],
)
def test_the_key_mode_chooses_its_header(srv, kind, key_header, expected):
    endpoint = srv.v1_base_url if kind == "azure-v1" else srv.azure_endpoint
    p = ConnectionProfile("gw", kind, endpoint, "gpt-4o", key_header=key_header)
    credentials = Credentials(store(gw=KEY))
    assert ask(make_client(p, credentials)) == "You said: hi"
    request = srv.last_request
    assert request.auth_kind == expected
    assert request.authorized
    if expected == "api-key":
        assert "authorization" not in request.headers
    else:
        assert "api-key" not in request.headers
    assert auth_kind(p) == ("api-key" if expected == "api-key" else "bearer (key)")


def test_extra_headers_go_out_and_secret_ones_come_from_the_keyring(srv):
    p = ConnectionProfile(
        "gw",
        "azure-v1",
        srv.v1_base_url,
        "gpt-4o",
        headers={"X-Team": "blue"},
        secret_headers=["Ocp-Apim-Subscription-Key"],
    )
    secret_name = header_secret_name("gw", "Ocp-Apim-Subscription-Key")
    credentials = Credentials(store(gw=KEY, **{secret_name: "sub-123"}))
    ask(make_client(p, credentials))
    headers = srv.last_request.headers
    assert headers["x-team"] == "blue"
    assert headers["ocp-apim-subscription-key"] == "sub-123"
    assert "sub-123" in set(credentials.resolve(p).secrets())  # scrubbed from error texts


def test_a_gateway_can_authenticate_by_its_header_alone(srv):
    srv.api_key = None
    p = ConnectionProfile(
        "gw", "azure-v1", srv.v1_base_url, "gpt-4o", secret_headers=["Ocp-Apim-Subscription-Key"]
    )
    name = header_secret_name("gw", "Ocp-Apim-Subscription-Key")
    client = make_client(p, Credentials(store(**{name: "sub-123"})))
    with pytest.raises(openai.AuthenticationError):
        ask(client)
    headers = srv.last_request.headers
    assert "authorization" not in headers
    assert "api-key" not in headers
    assert headers["ocp-apim-subscription-key"] == "sub-123"


def test_a_missing_secret_header_value_is_named():
    p = ConnectionProfile(
        "gw", "azure-v1", "https://x.openai.azure.com/", "d", secret_headers=["X-Api-Token"]
    )
    with pytest.raises(ChatError, match="header X-Api-Token of profile 'gw'"):
        Credentials(store(gw=KEY)).resolve(p)
