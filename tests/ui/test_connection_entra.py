"""The connection dialog's Entra ID panel: sign in and out, failures, device code, cancelling."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from azure.core.exceptions import ClientAuthenticationError
from PySide6.QtGui import QGuiApplication

from chatdesk.core.settings import Settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.connection_dialog import ConnectionDialog
from chatdesk.ui.worker import jobs_running
from tests.support.connection_dialog import (
    KEY,
    TENANT,
    EntraFactory,
    azure,
    on_auth_tab,
    retype,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- Entra ID --------------------------------------------------------------------------------
def test_sign_in_and_sign_out(qtbot, make_dialog):
    d = make_dialog([azure(auth="entra")]).dialog
    on_auth_tab(d)
    assert d.auth_stack.currentIndex() == 1
    assert d.entra_panel.account_label.text() == "Not signed in."
    assert not d.entra_panel.sign_out_btn.isEnabled()
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(
        lambda: (
            d.entra_panel.account_label.text() == f"Signed in as ada@contoso.com (tenant {TENANT})"
        )
    )
    assert d.entra_panel.sign_out_btn.isEnabled()
    assert not d.entra_panel.entra_error.isVisible()
    d.entra_panel.sign_out_btn.click()  # removing the tokens touches the keyring: on a worker
    qtbot.waitUntil(lambda: d.entra_panel.account_label.text() == "Not signed in.")
    assert not d.entra_panel.sign_out_btn.isEnabled()


def test_a_failing_sign_in_shows_the_mapped_message(qtbot, make_dialog):
    error = ClientAuthenticationError("AADSTS700016: Application with identifier was not found")
    d = make_dialog([azure(auth="entra")], entra=EntraFactory(error=error)).dialog
    on_auth_tab(d)
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: d.entra_panel.entra_error.text() != "")
    assert d.entra_panel.entra_error.text().startswith(
        "The application (client ID) is not registered"
    )
    assert "AADSTS700016: Application" not in d.entra_panel.entra_error.text()
    assert d.entra_panel.account_label.text() == "Not signed in."


def test_cancelling_a_blocked_sign_in_is_quick(qtbot, make_dialog):
    block = threading.Event()
    d = make_dialog([azure(auth="entra")], entra=EntraFactory(block=block)).dialog
    on_auth_tab(d)
    try:
        d.entra_panel.sign_in_btn.click()
        qtbot.waitUntil(lambda: d.entra_panel.sign_in_cancel_btn.isVisible())
        assert not d.entra_panel.sign_in_btn.isVisible()
        d.entra_panel.sign_in_cancel_btn.click()
        qtbot.waitUntil(
            lambda: d.entra_panel.entra_note.text() == "Sign-in cancelled.", timeout=1000
        )
        assert d.entra_panel.sign_in_btn.isVisible()
        assert not d.entra_panel.sign_in_cancel_btn.isVisible()
    finally:
        block.set()


def test_device_code_is_shown_with_its_address(qtbot, make_dialog):
    block = threading.Event()
    profile = azure(auth="entra", entra_mode="device-code")
    d = make_dialog([profile], entra=EntraFactory(block=block)).dialog
    on_auth_tab(d)
    try:
        assert d.entra_panel.entra_mode_combo.currentText() == "Device code"
        d.entra_panel.sign_in_btn.click()
        qtbot.waitUntil(lambda: d.entra_panel.device_code.text() == "ABCD-1234")
        assert d.entra_panel.device_panel.isVisible()
        assert "https://microsoft.com/devicelogin" in d.entra_panel.device_url.text()
        assert d.entra_panel.device_url.openExternalLinks()
        d.entra_panel.copy_code_btn.click()
        assert QGuiApplication.clipboard().text() == "ABCD-1234"
    finally:
        block.set()
    qtbot.waitUntil(
        lambda: d.entra_panel.account_label.text().startswith("Signed in as ada@contoso.com")
    )
    assert not d.entra_panel.device_panel.isVisible()


def test_switching_auth_keeps_both_modes_settings(qtbot, make_dialog):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    h = make_dialog([azure()], secrets=store)
    d = h.dialog
    on_auth_tab(d)
    d.entra_radio.click()
    d.entra_panel.entra_mode_combo.setCurrentIndex(
        d.entra_panel.entra_mode_combo.findData("device-code")
    )
    retype(qtbot, d.entra_panel.tenant_edit, TENANT)
    d.key_radio.click()
    assert d.auth_stack.currentIndex() == 0
    assert d.key_panel.key_status.text().startswith("A key is stored")
    d.entra_radio.click()
    assert d.entra_panel.entra_mode_combo.currentData() == "device-code"
    assert d.entra_panel.tenant_edit.text() == TENANT
    d.save_btn.click()
    saved = h.settings.profile("Work")
    assert saved is not None
    assert (saved.auth, saved.entra_mode, saved.tenant_id) == ("entra", "device-code", TENANT)
    assert store.get("Work") == Secret(KEY)  # Entra mode leaves the stored key in place


def test_closing_during_sign_in_cancels_without_touching_deleted_widgets(qtbot):
    block = threading.Event()
    connections = Connections(
        Settings(profiles=[azure(auth="entra")]),
        secrets=MemorySecretStore(),
        env={},
        entra_factory=EntraFactory(block=block),
    )
    # Not given to qtbot: this test deletes the dialog itself.
    d = ConnectionDialog(connections, ChatService(connections.credentials), lambda: None)
    d.open()
    on_auth_tab(d)
    try:
        d.entra_panel.sign_in_btn.click()
        qtbot.waitUntil(lambda: d.entra_panel.sign_in_cancel_btn.isVisible())
        assert jobs_running()
        d.reject()
        assert connections.device_code_callback is None
        shiboken6.delete(d)
    finally:
        block.set()
    qtbot.waitUntil(lambda: not jobs_running(), timeout=2000)


def test_a_failed_sign_in_shows_one_status_line(qtbot, make_dialog):
    """The tester (session 14): "Not checked yet: Sign in checks az login…" stood above "No
    developer sign-in was found…"; the reason alone says where the profile stands (here for a
    browser sign-in, whose "Not signed in." stood above it the same way)."""
    error = ClientAuthenticationError("AADSTS700016: Application with identifier was not found")
    d = make_dialog([azure(auth="entra")], entra=EntraFactory(error=error)).dialog
    on_auth_tab(d)
    panel = d.entra_panel
    assert panel.account_label.isVisible()
    panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: panel.entra_error.text() != "" and panel.sign_in_btn.isVisible())
    assert panel.entra_error.isVisible()
    assert not panel.account_label.isVisible()
    panel.sign_in_btn.click()  # trying again: the progress line shows, the old reason goes
    assert panel.account_label.isVisible()
    assert not panel.entra_error.isVisible()
    qtbot.waitUntil(lambda: panel.entra_error.text() != "" and panel.sign_in_btn.isVisible())
