"""Tester (tester-20.png): a Government-cloud profile, Entra ID → Device code → Sign in, no
internet, a Secret Service running. Red: "Could not reach Microsoft Entra ID…"; grey under it:
"…PyGObject… is not installed… You are signed in for this session only" — nobody was. The real
sign-in stack (azure-identity / MSAL, the Secret Service token cache) with the app's proxy set to
a dead loopback port: nothing leaves the machine."""

from __future__ import annotations

import importlib.util
import os

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service import network
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.secrets import MemorySecretStore, keyring_status
from chatdesk.ui.connection_dialog import ConnectionDialog
from tests.support.connection_dialog import on_auth_tab
from tests.support.netlab import dead_port

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.mark.keyring
def test_an_unreachable_entra_id_names_its_host_and_claims_no_sign_in(qtbot, monkeypatch):
    if os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1" or not keyring_status().secure:
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    if importlib.util.find_spec("gi") is not None:
        pytest.skip("PyGObject is installed: azure-identity's own cache is used")
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    gov = ConnectionProfile(
        "gov", "azure-v1", "https://contoso-gov.openai.azure.us/", "gpt-4o",
        auth="entra", entra_mode="device-code",
    )  # fmt: skip
    dead = f"http://127.0.0.1:{dead_port()}"
    settings = Settings(profiles=[gov], proxy=dead)
    connections = Connections(settings, secrets=MemorySecretStore(), env={})
    connections.apply_network_settings()
    try:
        d = ConnectionDialog(connections, ChatService(connections.credentials), lambda: None)
        qtbot.addWidget(d)
        d.show()
        on_auth_tab(d)
        panel = d.entra_panel
        panel.sign_in_btn.click()
        qtbot.waitUntil(lambda: panel.entra_error.text() != "", timeout=60_000)
        qtbot.waitUntil(lambda: not d.busy, timeout=10_000)
        # The way out is the proxy (it was "Could not reach Microsoft Entra ID at
        # login.microsoftonline.us", which sent the person to IT about the wrong thing).
        assert panel.entra_error.text().startswith(
            f"Sign-in to Microsoft Entra ID failed. The proxy {dead} did not accept"
        )
        assert panel.account_label.text() == "Not signed in."
        assert panel.cache_warning.text() == ""
        assert not panel.cache_warning.isVisible()
        assert connections.entra_session(gov).cache_warning is None
    finally:
        network.configure(None)
