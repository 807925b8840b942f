"""Which requests the proxy carries (session 12's tester): loopback always goes direct past the
app's proxy setting, NO_PROXY is honoured for it, the environment's user and password serve
the same proxy, and a plain-http refusal answered by the proxy names the proxy. Real sockets
on loopback: FakeAzure, and the CONNECT proxy of tests/support/netlab.py with its request log."""

from __future__ import annotations

import base64

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service import network
from chatdesk.service.chat import ChatService
from chatdesk.service.client import Credentials
from chatdesk.service.events import ChatError
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import FakeAzure
from tests.support.netlab import (
    COMPANY_HOST,
    ConnectProxy,
    TestCA,
    clear_proxy_env,
    dead_port,
    routes_to,
)

KEY = "test-key"
PASSWORD = "Pr0xy-s3cret-Pa55"  # a proxy password no message may show


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_proxy_env(monkeypatch)
    yield
    network.configure(None)


@pytest.fixture
def local():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.fixture
def far(tmp_path, monkeypatch):
    """A TLS endpoint only a proxy reaches (its name resolves nowhere else)."""
    ca = TestCA("Contoso Inspection Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "root.pem")))
    server = FakeAzure(api_key=KEY)
    server.ssl_context = ca.server_context(COMPANY_HOST)
    server.host = COMPANY_HOST
    with server:
        yield server


def chat() -> ChatService:
    secrets = MemorySecretStore()
    secrets.set("work", Secret(KEY))
    return ChatService(Credentials(secrets, env={}))


def send(profile: ConnectionProfile) -> str:
    """The reply's text; ChatError propagates."""
    service = chat()
    try:
        conv = Conversation(history=[Message("user", "hi")])
        *_, result = service.stream(service.prepare(conv, profile))
        return result.content
    finally:
        service.close()


def v1(endpoint: str) -> ConnectionProfile:
    return ConnectionProfile("work", "azure-v1", endpoint, "gpt-4o")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- loopback and NO_PROXY -------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_goes_direct_past_the_apps_proxy(local, host):
    """Tester: with Proxy http://127.0.0.1:44867 set, a profile http://127.0.0.1:8765/ sent
    `POST http://127.0.0.1:8765/openai/v1/chat/completions` with `authorization: Bearer
    test-key` to the proxy in clear text, and showed "Request failed (405)"."""
    with ConnectProxy() as proxy:
        network.configure(proxy.url)
        assert send(v1(f"http://{host}:{local.port}/")) == "You said: hi"
    assert proxy.requests == []  # nothing, the key least of all, reached the proxy
    assert local.last_request.path == "/openai/v1/chat/completions"
    assert network.proxy_for(f"http://{host}:{local.port}/openai/v1/") is None


def test_loopback_goes_direct_past_the_environments_proxy(local, monkeypatch):
    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert send(v1(f"http://127.0.0.1:{local.port}/")) == "You said: hi"
    assert proxy.requests == []


@pytest.mark.parametrize(
    "no_proxy",
    [COMPANY_HOST, ".contoso.test", "contoso.test", "*", "other.example, contoso.test",
     f"{COMPANY_HOST}:{{port}}"],
)  # fmt: skip
def test_no_proxy_is_honoured_for_the_apps_proxy(far, monkeypatch, no_proxy):
    monkeypatch.setenv("NO_PROXY", no_proxy.format(port=far.port))
    url = f"{far.url}/openai/v1/"
    with ConnectProxy(routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        assert network.proxy_for(url) is None
        diagnosis = chat().test_connection(v1(far.url + "/"))
        if no_proxy != "*":  # a host not listed still goes through the proxy
            assert network.proxy_for("https://elsewhere.example/") == proxy.url
    # Direct: the company host, which only the proxy knows, is not found; the proxy saw nothing.
    assert proxy.requests == []
    assert not diagnosis.ok
    assert diagnosis.proxy is None
    assert far.requests == []


def test_sign_in_goes_direct_to_loopback_past_the_apps_proxy(local):
    """Entra sign-in follows the same rule (a local authority, a test's or a developer's)."""
    from azure.core.pipeline import Pipeline
    from azure.core.rest import HttpRequest

    with ConnectProxy() as proxy:
        network.configure(proxy.url)
        with Pipeline(transport=network.identity_transport()) as pipeline:
            response = pipeline.run(HttpRequest("GET", local.url + "/common/v2.0/.well-known"))
        answered = network.identity_session().get(local.url + "/common/discovery")
    assert response.http_response.status_code == 404  # FakeAzure's, not the proxy's 405
    assert answered.status_code == 404
    assert proxy.requests == []


# -- a proxy that wants credentials ----------------------------------------------------------------
def test_the_environments_credentials_serve_the_same_proxy_as_the_setting(far, monkeypatch):
    """Tester: with the app's Proxy set, HTTPS_PROXY=http://USER:PASSWORD@… (as the 407
    advice says) was never used: the proxy saw CONNECT without proxy-authorization."""
    with ConnectProxy(credentials=("alice", PASSWORD), routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", f"http://alice:{PASSWORD}@"))
        assert send(v1(far.url + "/")) == "You said: hi"
        diagnosis = chat().test_connection(v1(far.url + "/"))
    assert proxy.requests[0][2]["proxy-authorization"] == basic("alice", PASSWORD)
    assert diagnosis.ok
    assert diagnosis.proxy == proxy.url  # named without the password
    assert network.proxy_for(far.url + "/") == proxy.url


def test_sign_in_uses_the_environments_credentials_for_the_same_proxy(far, monkeypatch):
    from azure.core.pipeline import Pipeline
    from azure.core.rest import HttpRequest

    with ConnectProxy(credentials=("alice", PASSWORD), routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", f"http://alice:{PASSWORD}@"))
        with Pipeline(transport=network.identity_transport()) as pipeline:
            response = pipeline.run(HttpRequest("GET", far.url + "/common/v2.0/.well-known"))
    assert response.http_response.status_code == 404  # reached FakeAzure through the proxy
    assert proxy.requests[0][2]["proxy-authorization"] == basic("alice", PASSWORD)


def test_credentials_for_another_proxy_are_not_sent_and_the_advice_says_what_works(
    far, monkeypatch
):
    other = f"http://alice:{PASSWORD}@127.0.0.1:{dead_port()}"
    with ConnectProxy(credentials=("alice", PASSWORD), routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", other)
        with pytest.raises(ChatError) as info:
            send(v1(far.url + "/"))
    error = info.value
    assert "proxy-authorization" not in proxy.requests[0][2]
    assert error.title == "The proxy needs a sign-in"
    assert f"The proxy {proxy.url} answered 407" in error.message
    where = proxy.url.removeprefix("http://")
    assert f"Set HTTPS_PROXY=http://USER:PASSWORD@{where} (the same proxy)" in error.action
    assert "Connections → Gateway & cloud → Proxy" in error.action
    assert "clear that field and set HTTPS_PROXY alone" in error.action
    assert PASSWORD not in error.text


def test_wrong_credentials_for_the_same_proxy_are_said_and_not_shown(far, monkeypatch):
    with ConnectProxy(credentials=("alice", "right"), routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", f"http://alice:{PASSWORD}@"))
        with pytest.raises(ChatError) as info:
            send(v1(far.url + "/"))
        diagnosis = chat().test_connection(v1(far.url + "/"))
    error = info.value
    assert proxy.requests[0][2]["proxy-authorization"] == basic("alice", PASSWORD)
    assert error.title == "The proxy needs a sign-in"
    assert "did not accept the user name and password given for it in HTTPS_PROXY" in error.action
    for text in (error.text, repr(error), str(diagnosis)):
        assert PASSWORD not in text


# -- a refusal answered by the proxy ---------------------------------------------------------------
def test_a_plain_http_refusal_by_the_proxy_names_the_proxy(local):
    """Tester: the card said only "Request failed (405): Error code: 405", nothing about the
    proxy that answered it. A plain-http request to a host that is not loopback goes through
    the proxy, which answers for itself (chat itself refuses plain http beyond loopback when a
    key would go, so the SDK is driven here through chatdesk's HTTP client, keyless)."""
    import openai

    from chatdesk.service.errors import ErrorContext, map_error
    from chatdesk.service.transport import http_client

    base = f"http://{COMPANY_HOST}:{local.port}/openai/v1/"
    with ConnectProxy() as proxy:  # CONNECT only: a plain-http request is refused (405)
        network.configure(proxy.url)
        client = openai.OpenAI(base_url=base, api_key="none", http_client=http_client(),
                               max_retries=0)  # fmt: skip
        with client, pytest.raises(openai.APIStatusError) as info:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
            )
        error = map_error(info.value, ErrorContext(url=base))
    assert [r[:2] for r in proxy.requests] == [("POST", f"{base}chat/completions")]
    assert error.title == "The proxy refused the request (405)"
    assert error.message == (
        f"The proxy {proxy.url} answered 405 Method Not Allowed instead of passing the request "
        f"on to {COMPANY_HOST}."
    )
    assert "Connections → Gateway & cloud → Proxy" in error.action
    assert "NO_PROXY" in error.action
    assert local.requests == []
