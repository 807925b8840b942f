"""The Connection tab's "Requests go to" line says when the profile's requests go through the
proxy, by the rule the requests follow (service/network.py `proxy_for`): the proxy typed on
the Gateway tab, loopback always direct, NO_PROXY honoured (session 12's tester: a loopback
profile's key went to the proxy in clear text, and nothing on the tab said so)."""

from __future__ import annotations

import pytest

from chatdesk.service import network
from tests.support.connection_dialog import azure, retype
from tests.support.netlab import clear_proxy_env

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
PROXY = "http://127.0.0.1:44867"  # the tester's


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    clear_proxy_env(monkeypatch)
    yield
    network.configure(None)


def line_with_proxy(qtbot, make_dialog, endpoint: str, proxy: str = PROXY) -> str:
    d = make_dialog([azure("work", endpoint=endpoint)]).dialog
    d.show()
    qtbot.waitExposed(d)
    d.tabs.setCurrentWidget(d.gateway)
    retype(qtbot, d.gateway.proxy_edit, proxy)
    return d.endpoint_panel.url_label.text()


def test_the_line_names_the_proxy_typed_on_the_gateway_tab(qtbot, make_dialog, monkeypatch):
    d = make_dialog([azure("work", endpoint="https://contoso.openai.azure.com/")]).dialog
    d.show()
    qtbot.waitExposed(d)
    d.tabs.setCurrentWidget(d.gateway)
    retype(qtbot, d.gateway.proxy_edit, PROXY)
    assert d.endpoint_panel.url_label.text() == (
        f"Requests go to: https://contoso.openai.azure.com/openai/v1/, through the proxy {PROXY}"
    )
    # The tester's loopback profile: direct, and the line says nothing of the proxy.
    d.tabs.setCurrentWidget(d.endpoint_panel)
    retype(qtbot, d.endpoint_panel.endpoint_edit, "http://127.0.0.1:8765/")
    assert d.endpoint_panel.url_label.text() == "Requests go to: http://127.0.0.1:8765/openai/v1/"
    # A host in NO_PROXY: direct too.
    monkeypatch.setenv("NO_PROXY", "other.example,.openai.azure.com")
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://contoso.openai.azure.com/")
    assert d.endpoint_panel.url_label.text() == (
        "Requests go to: https://contoso.openai.azure.com/openai/v1/"
    )


def test_the_line_names_the_environments_proxy_without_its_password(
    qtbot, make_dialog, monkeypatch
):
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:Pr0xy-s3cret@127.0.0.1:44867")
    text = line_with_proxy(qtbot, make_dialog, "https://contoso.openai.azure.com/", proxy="")
    assert text.endswith(f", through the proxy {PROXY}")
    assert "s3cret" not in text
