"""Company networks on loopback: a TLS-inspecting CA, CONNECT proxies (with and without 407), a
dead proxy and an API Management-like gateway (issue 17, items 3 and 4)."""

from __future__ import annotations

import time

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service import network
from chatdesk.service.chat import ChatService
from chatdesk.service.client import Credentials, header_secret_name
from chatdesk.service.events import ChatError, RetryNotice
from chatdesk.service.network_errors import html_text
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.fake_azure import APIM_MISSING_KEY, FakeAzure, Gateway
from tests.support.netlab import COMPANY_HOST, ConnectProxy, TestCA, dead_port, routes_to

KEY = "fedcba9876543210fedcba9876543210"
ISSUER = "Contoso TLS Inspection Root"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY",
                 "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)  # fmt: skip
    yield
    network.configure(None)


@pytest.fixture(scope="module")
def ca():
    return TestCA(ISSUER)


@pytest.fixture
def tls(ca):
    server = FakeAzure(api_key=KEY)
    server.ssl_context = ca.server_context("localhost")
    server.host = "localhost"
    with server:
        yield server


@pytest.fixture
def far(ca):
    """A TLS endpoint only a proxy reaches (loopback goes direct past any proxy)."""
    server = FakeAzure(api_key=KEY)
    server.ssl_context = ca.server_context(COMPANY_HOST)
    server.host = COMPANY_HOST
    with server:
        yield server


def store(**entries: str) -> MemorySecretStore:
    secrets = MemorySecretStore()
    for name, value in entries.items():
        secrets.set(name, Secret(value))
    return secrets


def send(profile: ConnectionProfile, secrets: MemorySecretStore | None = None) -> list:
    """The events of one streamed reply; ChatError propagates."""
    chat = ChatService(Credentials(secrets or store(work=KEY), env={}))
    try:
        conv = Conversation(history=[Message("user", "hi")])
        return list(chat.stream(chat.prepare(conv, profile)))
    finally:
        chat.close()


def v1(srv: FakeAzure, **kw) -> ConnectionProfile:
    return ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o", **kw)


# -- certificates ----------------------------------------------------------------------------------
def test_an_untrusted_certificate_is_named_and_not_retried(tls):
    started = time.monotonic()
    with pytest.raises(ChatError) as info:
        send(v1(tls))
    error = info.value
    # Was: four retries over about 9 s. One connection for the request, one to read the
    # certificate it refused (the wall-clock bound is loose: the machine may be busy).
    assert tls.connections <= 2
    assert time.monotonic() - started < 8
    assert error.title == "Untrusted certificate"
    assert not error.retryable
    assert "The certificate of localhost is not trusted" in error.message
    assert f"issued to localhost by {ISSUER}" in error.message
    assert "SSL_CERT_FILE" in error.action
    assert tls.requests == []


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_a_company_ca_file_is_trusted(tls, ca, tmp_path, monkeypatch, variable):
    monkeypatch.setenv(variable, str(ca.write(tmp_path / "company-root.pem")))
    events = send(v1(tls))
    assert not any(isinstance(e, RetryNotice) for e in events)
    assert events[-1].content == "You said: hi"
    assert tls.last_request.authorized


def test_a_ca_file_that_cannot_be_read_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(network.NetworkSetupError, match=r"missing\.pem named by SSL_CERT_FILE"):
        network.ssl_context()


def test_sign_in_trusts_the_same_certificates(tls, ca, tmp_path, monkeypatch):
    """Entra sign-in goes through `identity_transport`: untrusted, then trusted via the env."""
    from azure.core.exceptions import AzureError
    from azure.core.pipeline import Pipeline
    from azure.core.rest import HttpRequest

    from chatdesk.service.entra import EntraMode, SignInError, sign_in_error

    def fetch():
        with Pipeline(transport=network.identity_transport()) as pipeline:
            return pipeline.run(HttpRequest("GET", tls.url + "/common/v2.0/.well-known"))

    with pytest.raises(AzureError) as info:
        fetch()
    authority = f"localhost:{tls.port}"
    error = sign_in_error(info.value, EntraMode.BROWSER, authority)
    assert isinstance(error, SignInError)
    assert "not trusted" in str(error)
    assert f"by {ISSUER}" in str(error)
    assert "internet connection" not in str(error)

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca.write(tmp_path / "company-root.pem")))
    assert fetch().http_response.status_code == 404  # reached the server: trusted


# -- proxies ---------------------------------------------------------------------------------------
def test_the_environment_proxy_carries_the_request(far, ca, tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "root.pem")))
    with ConnectProxy(routes=routes_to(far)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert send(v1(far))[-1].content == "You said: hi"
    assert proxy.tunnels >= 1
    assert proxy.requests[0][:2] == ("CONNECT", f"{COMPANY_HOST}:{far.port}")


def test_the_apps_proxy_setting_carries_the_request(far, ca, tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "root.pem")))
    with ConnectProxy(routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        assert send(v1(far))[-1].content == "You said: hi"
    assert proxy.tunnels >= 1


def test_a_proxy_wanting_credentials_is_explained_and_not_retried(far):
    with ConnectProxy(credentials=("alice", "pw"), routes=routes_to(far)) as proxy:
        network.configure(proxy.url)
        with pytest.raises(ChatError) as info:
            send(v1(far))
    error = info.value
    assert error.title == "The proxy needs a sign-in"
    assert proxy.url in error.message
    assert "407" in error.message
    assert not error.retryable
    assert len(proxy.requests) == 1  # never retried


def test_proxy_credentials_from_the_environment_work(far, ca, tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "root.pem")))
    with ConnectProxy(credentials=("alice", "pw"), routes=routes_to(far)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", "http://alice:pw@"))
        assert send(v1(far))[-1].content == "You said: hi"


def test_a_dead_proxy_is_named_as_the_proxy(far):
    dead = f"http://127.0.0.1:{dead_port()}"
    network.configure(dead)
    with pytest.raises(ChatError) as info:
        send(v1(far))  # retried like any unreachable server, then reported
    error = info.value
    assert error.title == "Cannot reach the proxy"
    assert dead in error.message
    assert far.host not in error.message.replace(dead, "")
    # Tester: "Check the proxy address in Settings → Network", a place the window lacks.
    assert error.action == (
        "Check the proxy address in Connections → Gateway & cloud → Proxy, and that the proxy "
        "is running."
    )


def test_the_proxy_setting_refuses_credentials():
    with pytest.raises(network.NetworkSetupError, match="must not hold a user name"):
        network.configure("http://bob:secret@proxy.example.com:8080")
    assert network.check_proxy("proxy.example.com") is not None


# -- gateways --------------------------------------------------------------------------------------
@pytest.fixture
def gateway():
    with FakeAzure(api_key=KEY) as server:
        server.gateway = Gateway("/aoai", {"Ocp-Apim-Subscription-Key": "sub-123"})
        yield server


def gateway_profile(srv: FakeAzure, **kw) -> ConnectionProfile:
    endpoint = srv.url + "/aoai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    from chatdesk.core.profiles import check_endpoint

    checked = check_endpoint("azure-api-version", endpoint)
    return ConnectionProfile("work", "azure-api-version", checked.url, "gpt-4o", **kw)


def test_a_gateway_shows_its_own_refusal(gateway):
    with pytest.raises(ChatError) as info:
        send(gateway_profile(gateway))
    error = info.value
    assert error.message == APIM_MISSING_KEY
    assert "same resource" not in error.text
    assert "Ocp-Apim-Subscription-Key" in error.action
    assert error.title == "Refused by 127.0.0.1 (401)"


def test_a_gateway_html_page_is_reduced_to_its_text(gateway):
    gateway.gateway = Gateway("/aoai", {"Ocp-Apim-Subscription-Key": "x"}, html=True)
    with pytest.raises(ChatError) as info:
        send(gateway_profile(gateway))
    assert info.value.message == (
        "Unauthorized Contoso gateway: sign-in header Ocp-Apim-Subscription-Key missing."
    )


def test_a_gateway_with_its_header_answers(gateway):
    profile = gateway_profile(gateway, secret_headers=["Ocp-Apim-Subscription-Key"])
    name = header_secret_name("work", "Ocp-Apim-Subscription-Key")
    secrets = store(work=KEY, **{name: "sub-123"})
    assert send(profile, secrets)[-1].content == "You said: hi"
    request = gateway.last_request
    assert request.path == "/aoai/deployments/gpt-4o/chat/completions"
    assert request.query == {"api-version": "2024-10-21"}
    assert request.auth_kind == "api-key"


def test_html_text_skips_scripts_and_styles():
    page = "<html><head><title>t</title></head><body><script>x()</script><p>Hello <b>you</b></p>"
    assert html_text(page) == "Hello you"
