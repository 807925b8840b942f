"""The connection dialog's API key panel: storing, forgetting, the insecure keyring notice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from chatdesk.service.connections import LazySecretStore
from chatdesk.service.secrets import KeyringStatus, MemorySecretStore, Secret
from tests.support.connection_dialog import (
    KEY,
    WARNING,
    azure,
    files_text,
    on_auth_tab,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- API keys --------------------------------------------------------------------------------
def test_key_is_stored_cleared_and_never_written_to_disk(qtbot, make_dialog):
    store = MemorySecretStore()
    h = make_dialog([azure()], secrets=store)
    d = h.dialog
    on_auth_tab(d)
    assert d.key_panel.key_edit.echoMode() == QLineEdit.EchoMode.Password
    assert d.key_panel.key_status.text() == "No key is stored yet."
    assert not d.key_panel.forget_key_btn.isEnabled()
    qtbot.keyClicks(d.key_panel.key_edit, KEY)
    d.key_panel.show_key_btn.click()
    assert d.key_panel.key_edit.echoMode() == QLineEdit.EchoMode.Normal
    d.key_panel.save_key_btn.click()
    qtbot.waitUntil(lambda: store.get("Work") == Secret(KEY))
    qtbot.waitUntil(lambda: d.key_panel.key_edit.text() == "")
    assert d.key_panel.key_edit.echoMode() == QLineEdit.EchoMode.Password
    assert d.key_panel.key_status.text().startswith("A key is stored in this session only (memory)")
    assert d.key_panel.forget_key_btn.isEnabled()
    assert KEY not in d.key_panel.key_status.text()

    d.save_btn.click()
    assert h.saves == 1
    home = Path(os.environ["CHATDESK_HOME"])
    written = files_text(home)
    assert any(p.name == "settings.json" for p in written)
    assert not [p for p, text in written.items() if KEY in text]


def test_forget_key_removes_it(qtbot, make_dialog):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    d = make_dialog([azure()], secrets=store).dialog
    on_auth_tab(d)
    assert d.key_panel.key_status.text().startswith("A key is stored")
    d.key_panel.forget_key_btn.click()
    qtbot.waitUntil(lambda: d.key_panel.key_status.text() == "No key is stored yet.")
    assert store.get("Work") is None


def test_enter_in_the_key_field_saves_the_key_not_the_dialog(qtbot, make_dialog):
    store = MemorySecretStore()
    h = make_dialog([azure()], secrets=store)
    qtbot.keyClicks(h.dialog.key_panel.key_edit, KEY)
    qtbot.keyClick(h.dialog.key_panel.key_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.get("Work") is not None)
    assert h.dialog.isVisible()
    assert h.saves == 0


def test_insecure_keyring_warns_and_offers_a_session_store(qtbot, make_dialog):
    opened = MemorySecretStore()
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (opened, status))
    d = make_dialog([azure()], secrets=store).dialog
    on_auth_tab(d)
    assert d.key_panel.notice.isVisible()
    assert d.key_panel.notice_label.text() == WARNING
    qtbot.keyClicks(d.key_panel.key_edit, KEY)
    assert not d.key_panel.save_key_btn.isEnabled()  # not before the person chose memory
    d.key_panel.session_btn.click()
    qtbot.waitUntil(lambda: not d.busy)
    assert not d.key_panel.notice.isVisible()
    assert "in memory for this session only" in d.key_panel.key_status.text()
    d.key_panel.save_key_btn.click()
    qtbot.waitUntil(lambda: store.get("Work") == Secret(KEY))
    assert opened.get("Work") is None  # the session store the button installed holds it


def test_insecure_keyring_notice_can_switch_to_entra(qtbot, make_dialog):
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (MemorySecretStore(), status))
    d = make_dialog([azure()], secrets=store).dialog
    on_auth_tab(d)
    d.key_panel.use_entra_btn.click()
    assert d.entra_radio.isChecked()
    assert d.auth_stack.currentIndex() == 1
