"""Test connection with a proxy typed on the Gateway tab and not saved (tester-38/39.png): the
test goes through it, as it goes by an unsaved endpoint or key, and says so; the app's saved
choice is untouched. A TLS endpoint (a test CA) behind loopback CONNECT proxies."""

from __future__ import annotations

import pytest

from chatdesk.service import network
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.connection_dialog import azure, retype
from tests.support.fake_azure import FakeAzure
from tests.support.netlab import COMPANY_HOST, ConnectProxy, TestCA, routes_to

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
KEY = "tls-test-key"


@pytest.fixture
def tls(tmp_path, monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)  # fmt: skip
    ca = TestCA("Contoso Inspection Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "ca.pem")))
    server = FakeAzure(api_key=KEY)
    server.ssl_context = ca.server_context(COMPANY_HOST)  # only the proxy reaches it
    server.host = COMPANY_HOST
    with server:
        yield server
    network.configure(None)


def dialog_on_gateway(qtbot, make_dialog, tls):
    store = MemorySecretStore()
    store.set("corp-tls", Secret(KEY))
    d = make_dialog([azure("corp-tls", endpoint=tls.url + "/")], secrets=store).dialog
    d.show()
    d.tabs.setCurrentWidget(d.gateway)
    qtbot.waitExposed(d)
    return d


def test_an_unsaved_proxy_wanting_a_sign_in_is_tried_and_explained(qtbot, make_dialog, tls):
    with ConnectProxy(credentials=("alice", "pw"), routes=routes_to(tls)) as proxy:
        d = dialog_on_gateway(qtbot, make_dialog, tls)
        retype(qtbot, d.gateway.proxy_edit, proxy.url)
        d.test_panel.test_btn.click()
        qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=10_000)
    assert d.test_panel.test_error.text().startswith("The proxy needs a sign-in")
    assert f"The proxy {proxy.url} answered 407" in d.test_panel.test_error.text()
    assert d.test_panel.test_result.text() == ""
    assert [r[:2] for r in proxy.requests] == [("CONNECT", f"{COMPANY_HOST}:{tls.port}")]
    assert f"Through the proxy: {proxy.url}" in d.test_panel.test_details.text()
    assert tls.requests == []
    assert network.current().proxy is None  # nothing saved: the app's choice is untouched


def test_an_unsaved_proxy_carries_the_test_and_is_named(qtbot, make_dialog, tls):
    with ConnectProxy(routes=routes_to(tls)) as proxy:
        d = dialog_on_gateway(qtbot, make_dialog, tls)
        retype(qtbot, d.gateway.proxy_edit, proxy.url)
        d.test_panel.test_btn.click()
        qtbot.waitUntil(lambda: "answered in" in d.test_panel.test_result.text(), timeout=10_000)
        # The test's worker closes its client after the answer is shown: let it end before the
        # proxy goes (in one CI run the next, direct test then waited over 10 s).
        qtbot.waitUntil(lambda: not d.busy, timeout=10_000)
    assert proxy.tunnels == 1
    assert [r[:2] for r in proxy.requests] == [("CONNECT", f"{COMPANY_HOST}:{tls.port}")]
    assert len(tls.requests) == 1
    details = d.test_panel.test_details.text().splitlines()
    assert details[:2] == [f"Requests go to: {tls.url}/openai/v1/",
                           f"Through the proxy: {proxy.url}"]  # fmt: skip
    assert network.current().proxy is None
    # Emptied again: the next test goes direct (where the company host, only the proxy's, is
    # not found), and no proxy line is shown.
    retype(qtbot, d.gateway.proxy_edit, "")
    assert d.test_panel.test_details.text() == ""  # the last result was about that proxy
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=20_000)
    assert len(proxy.requests) == 1
    assert "proxy" not in d.test_panel.test_details.text()


def test_a_typed_proxy_that_cannot_be_used_is_named_not_skipped(qtbot, make_dialog, tls):
    d = dialog_on_gateway(qtbot, make_dialog, tls)
    retype(qtbot, d.gateway.proxy_edit, "http://bob:secret@proxy.example.com:8080")
    d.test_panel.test_btn.click()
    assert "must not hold a user name or password" in d.test_panel.test_error.text()
    assert d.test_panel.test_error.isVisible()
    assert not d.test_panel.running
    assert tls.requests == []
