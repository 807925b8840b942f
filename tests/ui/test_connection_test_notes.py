"""What Test connection says is read whole (session 12's tester: the Connections dialog's notes
were cut after Test connection). A long answer — an untrusted certificate with the CA advice,
a proxy wanting a sign-in — grows the dialog instead of squeezing the form above it or itself:
at the default size every note of the form and of the test shows all its lines, and every
button its full height. A TLS endpoint of a test CA, on loopback, behind a CONNECT proxy."""

from __future__ import annotations

import pytest

from chatdesk.service import network
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.connection_dialog import azure, cut, retype
from tests.support.fake_azure import FakeAzure
from tests.support.netlab import COMPANY_HOST, ConnectProxy, TestCA, clear_proxy_env, routes_to

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
KEY = "notes-test-key"


@pytest.fixture
def ca(monkeypatch):
    clear_proxy_env(monkeypatch)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    yield TestCA("Contoso Inspection Root")
    network.configure(None)


def after_the_test(qtbot, make_dialog, endpoint: str, proxy: str | None = None):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    d = make_dialog([azure(endpoint=endpoint)], secrets=store).dialog
    d.show()
    qtbot.waitExposed(d)
    if proxy is not None:  # typed on the Gateway tab: the test tries it
        d.tabs.setCurrentWidget(d.gateway)
        retype(qtbot, d.gateway.proxy_edit, proxy)
        d.tabs.setCurrentWidget(d.endpoint_panel)
    assert (d.width(), d.height()) == (760, 560)  # the default size
    assert cut(d) == []
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=10_000)
    qtbot.waitUntil(lambda: not d.busy, timeout=10_000)
    qtbot.wait(50)  # the layout settles
    return d


def test_an_untrusted_certificate_s_advice_is_read_whole(qtbot, make_dialog, ca):
    server = FakeAzure(api_key=KEY)
    server.ssl_context = ca.server_context("localhost")
    server.host = "localhost"
    with server:
        d = after_the_test(qtbot, make_dialog, server.url + "/")
    error = d.test_panel.test_error.text()
    assert error.startswith("Untrusted certificate")
    assert "SSL_CERT_FILE or REQUESTS_CA_BUNDLE" in error
    for tab in range(d.tabs.count()):  # the notes under every tab
        d.tabs.setCurrentIndex(tab)
        qtbot.wait(50)
        assert cut(d) == [], d.tabs.tabText(tab)
    # Also narrower, where each note takes more lines.
    d.resize(d.minimumWidth(), d.height())
    qtbot.wait(50)
    assert cut(d) == []


def test_a_proxy_wanting_a_sign_in_is_read_whole(qtbot, make_dialog, ca, tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "ca.pem")))
    server = FakeAzure(api_key=KEY)
    server.ssl_context = ca.server_context(COMPANY_HOST)  # only the proxy reaches it
    server.host = COMPANY_HOST
    with server, ConnectProxy(credentials=("alice", "pw"), routes=routes_to(server)) as proxy:
        d = after_the_test(qtbot, make_dialog, server.url + "/", proxy=proxy.url)
    assert d.test_panel.test_error.text().startswith("The proxy needs a sign-in")
    assert f"Through the proxy: {proxy.url}" in d.test_panel.test_details.text()
    assert cut(d) == []
