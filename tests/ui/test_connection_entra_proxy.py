"""Entra ID sign-in from the Connections dialog goes through the proxy typed on the Gateway tab
and not saved, as Test connection does; a dead proxy fails at once, named, with where to
correct it, and keeps what was typed.

The real sign-in stack (azure-identity / MSAL; under .ci/with-keyring.sh MSAL over the Secret
Service) against a local Entra ID that answers as login.microsoftonline.com only through a
loopback CONNECT proxy's route (a test CA signs its certificate). The environment names a dead
proxy, so a request that ignores the typed one fails and nothing leaves the machine."""

from __future__ import annotations

import time

import pytest

from chatdesk.core.settings import Settings
from chatdesk.service import network
from chatdesk.service.connections import Connections
from chatdesk.service.secrets import MemorySecretStore
from chatdesk.ui.worker import jobs_running
from tests.support.connection_dialog import Harness, azure, on_auth_tab, retype
from tests.support.fake_azure import FakeAzure
from tests.support.fake_entra import FakeEntra
from tests.support.netlab import (
    COMPANY_HOST,
    ConnectProxy,
    TestCA,
    clear_proxy_env,
    dead_port,
    routes_to,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

AUTHORITY = "login.microsoftonline.com"
PLACE = "Connections → Gateway & cloud → Proxy"
# A sign-in through a proxy that refuses fails this soon (it took 6-12 s: azure-core retried).
FAST = 3.0


@pytest.fixture
def ca(tmp_path, monkeypatch):
    ca = TestCA("Contoso Inspection Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "ca.pem")))
    return ca


@pytest.fixture
def company(ca, monkeypatch):
    clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead_port()}")
    with (
        FakeEntra(ca.server_context(AUTHORITY), host=AUTHORITY) as entra,
        ConnectProxy(routes={f"{AUTHORITY}:443": ("127.0.0.1", entra.port)}) as proxy,
    ):
        yield entra, proxy
    network.configure(None)


@pytest.fixture
def developer(monkeypatch):
    """A developer credential in the environment (EnvironmentCredential: a client secret)."""
    monkeypatch.setenv("AZURE_TENANT_ID", "contoso")
    monkeypatch.setenv("AZURE_CLIENT_ID", "11111111-0000-0000-0000-000000000001")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")


@pytest.fixture
def open_dialog(qtbot):
    def make(mode: str, endpoint: str = "https://contoso.openai.azure.com/"):
        profile = azure(endpoint=endpoint, auth="entra", entra_mode=mode, tenant_id="contoso")
        connections = Connections(Settings(profiles=[profile]), MemorySecretStore(), env={})
        return Harness(qtbot, connections).dialog

    yield make
    qtbot.waitUntil(lambda: not jobs_running(), timeout=30_000)


def type_proxy(qtbot, d, url: str) -> None:
    d.tabs.setCurrentWidget(d.gateway)
    retype(qtbot, d.gateway.proxy_edit, url)
    on_auth_tab(d)


def test_device_code_sign_in_goes_through_the_typed_proxy(qtbot, company, open_dialog):
    entra, proxy = company
    d = open_dialog("device-code")
    type_proxy(qtbot, d, proxy.url)
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: not d.entra_panel.signing_in, timeout=30_000)
    assert d.entra_panel.entra_error.text() == ""
    signed_in = "Signed in as alice@contoso.com (tenant contoso-tid)"
    assert d.entra_panel.account_label.text() == signed_in
    assert ("CONNECT", f"{AUTHORITY}:443") in [r[:2] for r in proxy.requests]
    assert [r["grant_type"] for r in entra.token_requests] == [
        "urn:ietf:params:oauth:grant-type:device_code"
    ]
    assert network.current().proxy is None  # tried, not saved


def test_developer_sign_in_goes_through_the_typed_proxy(qtbot, company, developer, open_dialog):
    entra, proxy = company
    d = open_dialog("default")
    type_proxy(qtbot, d, proxy.url)
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: not d.entra_panel.signing_in, timeout=30_000)
    assert d.entra_panel.entra_error.text() == ""
    assert d.entra_panel.account_label.text().startswith("Signed in as")
    assert ("CONNECT", f"{AUTHORITY}:443") in [r[:2] for r in proxy.requests]
    assert [r["grant_type"] for r in entra.token_requests] == ["client_credentials"]
    assert network.current().proxy is None


@pytest.mark.parametrize("mode", ["device-code", "default"])
def test_a_dead_typed_proxy_fails_at_once_and_says_where_to_correct_it(
    qtbot, company, developer, open_dialog, mode
):
    entra, _proxy = company
    dead = f"http://127.0.0.1:{dead_port()}"
    d = open_dialog(mode)
    type_proxy(qtbot, d, dead)
    retype(qtbot, d.entra_panel.tenant_edit, "contoso.onmicrosoft.com")
    start = time.monotonic()
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: d.entra_panel.entra_error.text() != "", timeout=30_000)
    took = time.monotonic() - start
    text = d.entra_panel.entra_error.text()
    assert took < FAST, f"{took:.1f} s: {text}"
    assert text == (
        f"Sign-in to Microsoft Entra ID failed. The proxy {dead} did not accept the connection "
        f"(connection refused). Check the proxy address in {PLACE}, and that the proxy is running."
    )
    # The text is set as the sign-in fails, shown as it finishes (the next queued call): wait.
    qtbot.waitUntil(d.entra_panel.entra_error.isVisible, timeout=5_000)
    assert not d.entra_panel.account_label.text().startswith("Signed in")
    assert entra.token_requests == []
    # Nothing typed is lost: the proxy to correct, the tenant, and the sign-in can be retried.
    assert d.gateway.proxy_edit.text() == dead
    assert d.entra_panel.tenant_edit.text() == "contoso.onmicrosoft.com"
    qtbot.waitUntil(lambda: d.entra_panel.sign_in_btn.isEnabled())


def test_a_typed_proxy_refusing_the_way_to_entra_id_fails_at_once(qtbot, company, open_dialog):
    """The proxy answers, and cannot open a tunnel to Entra ID (502 Bad Gateway)."""
    entra, _proxy = company
    with ConnectProxy(routes={f"{AUTHORITY}:443": ("127.0.0.1", dead_port())}) as refusing:
        d = open_dialog("device-code")
        type_proxy(qtbot, d, refusing.url)
        start = time.monotonic()
        d.entra_panel.sign_in_btn.click()
        qtbot.waitUntil(lambda: d.entra_panel.entra_error.text() != "", timeout=30_000)
        took = time.monotonic() - start
    text = d.entra_panel.entra_error.text()
    assert took < FAST, f"{took:.1f} s: {text}"
    assert text == (
        f"Sign-in to Microsoft Entra ID failed. The proxy {refusing.url} would not connect to "
        f"{AUTHORITY}: 502 Bad Gateway. Check the proxy address in {PLACE}, or ask IT whether "
        "this address is allowed."
    )
    assert [r[:2] for r in refusing.requests] == [("CONNECT", f"{AUTHORITY}:443")]  # not retried
    assert entra.token_requests == []


def test_test_connection_fetches_its_entra_token_through_the_typed_proxy(
    qtbot, ca, company, developer, open_dialog
):
    """An Entra profile not signed in yet (developer credentials): Test connection fetches the
    token on a helper thread, which goes through the typed proxy as the request does."""
    entra, proxy = company
    server = FakeAzure(bearer_tokens={"access-token-1"})
    server.ssl_context = ca.server_context(COMPANY_HOST)  # only the proxy reaches it
    server.host = COMPANY_HOST
    with server:
        proxy.routes.update(routes_to(server))
        d = open_dialog("default", endpoint=server.url + "/")
        type_proxy(qtbot, d, proxy.url)
        d.test_panel.test_btn.click()
        qtbot.waitUntil(lambda: not d.test_panel.running, timeout=30_000)
        port = server.port
    assert d.test_panel.test_error.text() == ""
    assert d.test_panel.test_result.text().startswith("Connected")
    # Entra ID first (discovery, then the token: a tunnel each), then the request.
    tunnels = [r[:2] for r in proxy.requests]
    assert set(tunnels) == {("CONNECT", f"{AUTHORITY}:443"), ("CONNECT", f"{COMPANY_HOST}:{port}")}
    assert tunnels[-1] == ("CONNECT", f"{COMPANY_HOST}:{port}")
    assert [r["grant_type"] for r in entra.token_requests] == ["client_credentials"]
    assert len(server.requests) == 1
    assert (server.requests[0].auth_kind, server.requests[0].authorized) == ("bearer", True)


def test_a_typed_proxy_that_cannot_be_used_is_named_not_skipped(qtbot, company, open_dialog):
    entra, _proxy = company
    d = open_dialog("device-code")
    type_proxy(qtbot, d, "http://bob:secret@proxy.example.com:8080")
    d.entra_panel.sign_in_btn.click()
    assert "must not hold a user name or password" in d.entra_panel.entra_error.text()
    assert d.entra_panel.entra_error.isVisible()
    assert not d.entra_panel.signing_in
    assert d.entra_panel.account_label.text() == "Not signed in."
    qtbot.waitUntil(lambda: not jobs_running(), timeout=10_000)
    assert entra.token_requests == []
