"""The connection dialog's API key panel: storing, forgetting, the insecure keyring notice."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from chatdesk.core.settings import Settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections, LazySecretStore
from chatdesk.service.secrets import (
    KeyringSecretStore,
    KeyringStatus,
    MemorySecretStore,
    Secret,
    keyring_status,
)
from chatdesk.ui.connection_profiles import DEFAULT_MARK
from tests.support.connection_dialog import (
    KEY,
    WARNING,
    azure,
    files_text,
    on_auth_tab,
    retype,
)
from tests.support.fake_azure import FakeAzure

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


# -- Save stores a key typed but not saved with Save key (tester: the key was dropped) --------
def _first_launch(qtbot, make_dialog, server, secrets):
    """The tester's steps: Endpoint and Deployment filled, the key pasted on the Authentication
    tab, and the dialog's Save pressed (not Save key)."""
    h = make_dialog([azure("Azure OpenAI", endpoint=server.url)], secrets=secrets)
    d = on_auth_tab(h.dialog)
    qtbot.keyClicks(d.key_panel.key_edit, "test-key")
    return h


def _sends_the_key(h, server) -> None:
    """A request made with the saved profile carries the key (the tester's send failed)."""
    profile = h.connections.profile("Azure OpenAI")
    diagnosis = ChatService(h.connections.credentials).test_connection(profile)
    assert diagnosis.ok, diagnosis.error
    assert server.requests[-1].headers["authorization"] == "Bearer test-key"


@pytest.mark.keyring
def test_save_stores_the_typed_key_in_the_real_keyring(qtbot, make_dialog, azure_server):
    if not keyring_status().secure or os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    store = KeyringSecretStore(service=f"chatdesk-test-{uuid.uuid4().hex}")
    try:
        h = _first_launch(qtbot, make_dialog, azure_server, store)
        h.dialog.save_btn.click()
        qtbot.waitUntil(lambda: h.saves == 1, timeout=10_000)
        assert store.get("Azure OpenAI") == Secret("test-key")
        assert not h.dialog.isVisible()
        _sends_the_key(h, azure_server)
        written = files_text(Path(os.environ["CHATDESK_HOME"]))
        assert not [p for p, text in written.items() if "test-key" in text]
    finally:
        store.delete("Azure OpenAI")


def test_save_stores_the_typed_key_as_save_key_does(qtbot, make_dialog, azure_server):
    store = MemorySecretStore()
    h = _first_launch(qtbot, make_dialog, azure_server, store)
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get("Azure OpenAI") == Secret("test-key")
    _sends_the_key(h, azure_server)


def _save_without_a_keyring(qtbot, make_dialog, server):
    """The tester's steps where no Secret Service runs, up to the question Save asks."""
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (MemorySecretStore(), status))
    h = _first_launch(qtbot, make_dialog, server, store)
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.dialog.key_panel.keyring_box is not None)
    return h, store


def test_save_without_a_keyring_says_so_and_keeps_the_key_for_the_session(
    qtbot, make_dialog, azure_server
):
    h, store = _save_without_a_keyring(qtbot, make_dialog, azure_server)
    d = h.dialog
    box = d.key_panel.keyring_box
    assert "no secure keyring" in box.text()
    assert "chatdesk can keep it in memory" in box.informativeText()
    assert d.isVisible()
    assert h.saves == 0
    keep = next(b for b in box.buttons() if b.text() == "Keep for this session")
    keep.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get("Azure OpenAI") == Secret("test-key")
    _sends_the_key(h, azure_server)
    written = files_text(Path(os.environ["CHATDESK_HOME"]))
    assert not [p for p, text in written.items() if "test-key" in text]


def test_save_without_a_keyring_can_go_back_with_the_key_still_typed(
    qtbot, make_dialog, azure_server
):
    h, store = _save_without_a_keyring(qtbot, make_dialog, azure_server)
    d = h.dialog
    d.key_panel.keyring_box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: d.key_panel.keyring_box is None)
    assert d.isVisible()
    assert h.saves == 0
    assert d.key_panel.key_edit.text() == "test-key"
    assert store.get("Azure OpenAI") is None
    assert d.save_btn.isEnabled()


def test_without_a_keyring_the_missing_key_error_does_not_name_one(azure_server):
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (MemorySecretStore(), status))
    connections = Connections(Settings(profiles=[azure(endpoint=azure_server.url)]), store, env={})
    diagnosis = ChatService(connections.credentials).test_connection(connections.profile("Work"))
    assert diagnosis.error.message == (
        "Profile 'Work' has no key for this session (there is no secure keyring on this "
        "system), and the environment variable AZURE_OPENAI_API_KEY is not set."
    )
    assert "system keyring" not in diagnosis.error.action
    assert azure_server.requests == []


# -- keys typed for several profiles before Save (a key was lost when another profile was
# clicked in the list before Save) ------------------------------------------------------------
HOME_KEY = "home-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def _click_profile(qtbot, d, name: str) -> None:
    """Click `name` in the profiles list, as a person does, and wait for its keyring probe."""
    items = [d.profile_list.item(row) for row in range(d.profile_list.count())]
    item = next(i for i in items if i.text().removesuffix(DEFAULT_MARK) == name)
    rect = d.profile_list.visualItemRect(item)
    qtbot.mouseClick(d.profile_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert d.current.profile.name == name
    qtbot.waitUntil(lambda: not d.busy)


def _type_keys_for_two_profiles(qtbot, make_dialog, secrets, work: FakeAzure, home: FakeAzure):
    """A key typed for 'Work', 'Home' clicked and its own key typed, 'Work' clicked again (its
    key is still there, hidden), 'Home' renamed, then back to 'Work': nothing stored yet."""
    h = make_dialog(
        [azure("Work", endpoint=work.url), azure("Home", endpoint=home.url)], secrets=secrets
    )
    d = on_auth_tab(h.dialog)
    key = d.key_panel.key_edit
    qtbot.keyClicks(key, "test-key")
    _click_profile(qtbot, d, "Home")
    assert key.text() == ""
    assert d.key_panel.key_status.text() == "No key is stored yet."
    qtbot.keyClicks(key, HOME_KEY)
    d.key_panel.show_key_btn.click()  # shown for Home only
    _click_profile(qtbot, d, "Work")
    assert key.text() == "test-key"
    assert key.echoMode() == QLineEdit.EchoMode.Password
    status = d.key_panel.key_status.text()  # without a keyring Save asks first (notes test)
    assert "stored when you press Save" in status or "On Save you are asked" in status
    _click_profile(qtbot, d, "Home")
    assert key.text() == HOME_KEY
    d.tabs.setCurrentIndex(0)
    retype(qtbot, d.endpoint_panel.name_edit, "Home office")
    on_auth_tab(d)
    assert key.text() == HOME_KEY
    _click_profile(qtbot, d, "Work")
    return h


def _sends(h, name: str, server: FakeAzure, key: str) -> None:
    diagnosis = ChatService(h.connections.credentials).test_connection(h.connections.profile(name))
    assert diagnosis.ok, diagnosis.error
    assert server.requests[-1].headers["authorization"] == f"Bearer {key}"


def _real_keyring() -> KeyringSecretStore:
    if not keyring_status().secure or os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    return KeyringSecretStore(service=f"chatdesk-test-{uuid.uuid4().hex}")


@pytest.mark.keyring
def test_keys_typed_for_two_profiles_survive_switching_and_are_stored_on_save(
    qtbot, make_dialog, azure_server
):
    store = _real_keyring()
    try:
        with FakeAzure(api_key=HOME_KEY) as home:
            h = _type_keys_for_two_profiles(qtbot, make_dialog, store, azure_server, home)
            assert store.get("Work") is None
            assert store.get("Home") is None
            h.dialog.save_btn.click()
            qtbot.waitUntil(lambda: h.saves == 1, timeout=10_000)
            assert not h.dialog.isVisible()
            assert store.get("Work") == Secret("test-key")
            assert store.get("Home office") == Secret(HOME_KEY)
            assert store.get("Home") is None  # moved with the rename
            _sends(h, "Work", azure_server, "test-key")
            _sends(h, "Home office", home, HOME_KEY)
        written = files_text(Path(os.environ["CHATDESK_HOME"]))
        assert any(p.name == "settings.json" for p in written)
        assert not [p for p, text in written.items() if "test-key" in text or HOME_KEY in text]
    finally:
        for name in ("Work", "Home", "Home office"):
            store.delete(name)


@pytest.mark.keyring
def test_cancel_discards_the_keys_typed_for_every_profile(qtbot, make_dialog, azure_server):
    store = _real_keyring()
    try:
        with FakeAzure(api_key=HOME_KEY) as home:
            h = _type_keys_for_two_profiles(qtbot, make_dialog, store, azure_server, home)
            h.dialog.cancel_btn.click()
            qtbot.waitUntil(lambda: not h.dialog.busy)
        assert not h.dialog.isVisible()
        assert h.saves == 0
        assert [store.get(n) for n in ("Work", "Home", "Home office")] == [None, None, None]
        assert [p.name for p in h.settings.profiles] == ["Work", "Home"]
        written = files_text(Path(os.environ["CHATDESK_HOME"]))
        assert not [p for p, text in written.items() if "test-key" in text or HOME_KEY in text]
    finally:
        for name in ("Work", "Home", "Home office"):
            store.delete(name)


def test_keys_typed_for_two_profiles_without_a_keyring_ask_once(
    qtbot, make_dialog, azure_server
):
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (MemorySecretStore(), status))
    with FakeAzure(api_key=HOME_KEY) as home:
        h = _type_keys_for_two_profiles(qtbot, make_dialog, store, azure_server, home)
        d = h.dialog
        d.save_btn.click()
        qtbot.waitUntil(lambda: d.key_panel.keyring_box is not None)
        box = d.key_panel.keyring_box
        assert box.text().startswith("The 2 API keys you typed cannot be saved")
        assert "chatdesk can keep them in memory" in box.informativeText()  # two keys: them
        assert "they are never written to a file" in box.informativeText()
        box.button(QMessageBox.StandardButton.Cancel).click()  # back: both still typed
        qtbot.waitUntil(lambda: d.key_panel.keyring_box is None)
        assert h.saves == 0
        assert d.key_panel.key_edit.text() == "test-key"
        _click_profile(qtbot, d, "Home office")
        assert d.key_panel.key_edit.text() == HOME_KEY
        d.save_btn.click()
        qtbot.waitUntil(lambda: d.key_panel.keyring_box is not None)
        box = d.key_panel.keyring_box
        next(b for b in box.buttons() if b.text() == "Keep for this session").click()
        qtbot.waitUntil(lambda: h.saves == 1)
        assert store.get("Work") == Secret("test-key")
        assert store.get("Home office") == Secret(HOME_KEY)
        _sends(h, "Work", azure_server, "test-key")
        _sends(h, "Home office", home, HOME_KEY)


def test_a_key_typed_for_a_profile_then_switched_to_entra_is_not_stored(
    qtbot, make_dialog, azure_server
):
    store = MemorySecretStore()
    h = make_dialog([azure("Work", endpoint=azure_server.url), azure("Home")], secrets=store)
    d = on_auth_tab(h.dialog)
    qtbot.keyClicks(d.key_panel.key_edit, "test-key")
    d.entra_radio.click()
    _click_profile(qtbot, d, "Home")
    d.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get("Work") is None
    assert h.connections.profile("Work").auth == "entra"
