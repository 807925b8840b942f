"""The connection dialog's Gateway tab: cloud, extra and secret headers, the proxy."""

from __future__ import annotations

import os

import msgspec.structs
import pytest

from chatdesk.core.settings import Settings, load_settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.connection_dialog import ConnectionDialog
from tests.support.connection_dialog import (
    Harness,
    azure,
    remove_profile,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_gateway_tab_sets_cloud_headers_secret_header_and_proxy(qtbot, make_dialog):
    from chatdesk.service.client import header_secret_name

    store = MemorySecretStore()
    h = make_dialog([azure(endpoint="https://apim.example.net/aoai/openai", auth="entra")],
             secrets=store)  # fmt: skip
    d = h.dialog
    g = d.gateway
    d.tabs.setCurrentIndex(2)
    assert "login.microsoftonline.com" in g.cloud_note.text()
    g.cloud_combo.setCurrentIndex(g.cloud_combo.findData("usgovernment"))
    assert "login.microsoftonline.us" in g.cloud_note.text()
    assert "https://cognitiveservices.azure.us/.default" in g.cloud_note.text()
    g.key_header_combo.setCurrentIndex(g.key_header_combo.findData("api-key"))
    g.headers_edit.setPlainText("X-Team: blue")
    g.secret_name_edit.setText("Ocp-Apim-Subscription-Key")
    g.secret_value_edit.setText("sub-123")
    g.secret_save_btn.click()
    name = header_secret_name("Work", "Ocp-Apim-Subscription-Key")
    qtbot.waitUntil(lambda: store.get(name) == Secret("sub-123"))
    qtbot.waitUntil(lambda: listed(g) == ["Ocp-Apim-Subscription-Key"])
    assert g.secret_value_edit.text() == ""
    g.proxy_edit.setText("http://proxy.example.com:8080")
    g.proxy_edit.textEdited.emit("http://proxy.example.com:8080")
    assert d.save_btn.isEnabled(), d.save_btn.toolTip()
    d.save_btn.click()
    saved = load_settings().settings
    profile = saved.profiles[0]
    assert (profile.cloud, profile.key_header) == ("usgovernment", "api-key")
    assert profile.headers == {"X-Team": "blue"}
    assert profile.secret_headers == ["Ocp-Apim-Subscription-Key"]
    assert saved.proxy == "http://proxy.example.com:8080"
    from chatdesk.core.paths import settings_path

    assert "sub-123" not in settings_path().read_text()
    from chatdesk.service import network

    assert network.current().proxy == "http://proxy.example.com:8080"
    network.configure(None)


def listed(panel) -> list[str]:
    return [panel.secret_list.item(i).text() for i in range(panel.secret_list.count())]


def remove_secret_header(qtbot, make_dialog, store) -> tuple[Harness, str]:
    """Remove a saved secret header in the Gateway tab as a person does; returns its entry."""
    from chatdesk.service.client import header_secret_name

    entry = header_secret_name("Work", "Ocp-Apim-Subscription-Key")
    store.set(entry, Secret("sub-123"))
    profile = azure(secret_headers=["Ocp-Apim-Subscription-Key"], headers={"X-Team": "blue"})
    h = make_dialog([profile], secrets=store)
    g = h.dialog.gateway
    h.dialog.tabs.setCurrentWidget(g)
    assert listed(g) == ["Ocp-Apim-Subscription-Key"]
    assert not g.secret_remove_btn.isEnabled()  # nothing selected yet
    g.secret_list.setCurrentRow(0)
    assert g.secret_remove_btn.isEnabled()
    g.secret_remove_btn.click()
    assert listed(g) == []
    assert not g.secret_list.isVisibleTo(g)
    return h, entry


def test_a_secret_header_is_removed_and_its_keyring_entry_deleted_on_save(qtbot, make_dialog):
    store = MemorySecretStore()
    h, entry = remove_secret_header(qtbot, make_dialog, store)
    assert store.get(entry) == Secret("sub-123")  # not before Save: Cancel would keep it
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get(entry) is None
    saved = load_settings().settings.profiles[0]
    assert (saved.secret_headers, saved.headers) == ([], {"X-Team": "blue"})


def test_removing_a_secret_header_then_cancel_keeps_it(qtbot, make_dialog):
    store = MemorySecretStore()
    h, entry = remove_secret_header(qtbot, make_dialog, store)
    h.dialog.reject()
    assert store.get(entry) == Secret("sub-123")
    assert h.settings.profiles[0].secret_headers == ["Ocp-Apim-Subscription-Key"]


def test_removing_a_profile_deletes_its_secret_header_values(qtbot, make_dialog):
    """Found by a tester: Remove + Save deleted the key but left the gateway's secret header
    value in the keyring under the gone profile's name."""
    from chatdesk.service.client import header_secret_name

    store = MemorySecretStore()
    entry = header_secret_name("Work", "Ocp-Apim-Subscription-Key")
    store.set("Work", Secret("key-1"))
    store.set(entry, Secret("sub-123"))
    other = header_secret_name("Other", "Ocp-Apim-Subscription-Key")
    store.set(other, Secret("sub-456"))
    keep = msgspec.structs.replace(
        azure(secret_headers=["Ocp-Apim-Subscription-Key"]), name="Other"
    )
    h = make_dialog([azure(secret_headers=["Ocp-Apim-Subscription-Key"]), keep], secrets=store)
    h.dialog.profile_list.setCurrentRow(0)
    remove_profile(h.dialog)
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get("Work") is None
    assert store.get(entry) is None
    assert store.get(other) == Secret("sub-456")  # another profile's header is its own


@pytest.mark.keyring
def test_a_secret_header_leaves_the_real_keyring(qtbot, make_dialog):
    from chatdesk.service.secrets import KeyringSecretStore, keyring_status

    if not keyring_status().secure or os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    import uuid

    store = KeyringSecretStore(service=f"chatdesk-test-{uuid.uuid4().hex}")
    h, entry = remove_secret_header(qtbot, make_dialog, store)
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get(entry) is None


def test_a_secret_looking_extra_header_blocks_save(make_dialog):
    d = make_dialog([azure()]).dialog
    d.gateway.headers_edit.setPlainText("X-Api-Key: abc")
    assert not d.save_btn.isEnabled()
    assert "keyring" in d.save_btn.toolTip()
    d.gateway.headers_edit.setPlainText("no colon here")
    assert "Name: value" in d.save_btn.toolTip()


def test_gateway_tab_has_no_gap_above_proxy(qtbot):
    # Bug 6: a blank band (the empty "kept in the keyring" row, stretched rows) above Proxy.
    connections = Connections(Settings(profiles=[azure()]), secrets=MemorySecretStore(), env={})
    d = ConnectionDialog(connections, ChatService(connections.credentials), lambda: None)
    qtbot.addWidget(d)
    d.resize(760, 580)
    d.show()
    d.tabs.setCurrentWidget(d.gateway)
    qtbot.waitExposed(d)
    panel = d.gateway
    secret_bottom = panel.secret_name_edit.geometry().bottom()
    assert panel.proxy_edit.geometry().top() - secret_bottom < 20
    # A secret header listed gets its row back.
    panel.refresh(msgspec.structs.replace(azure(), secret_headers=["Ocp-Apim-Subscription-Key"]))
    assert panel.secret_list.isVisibleTo(panel)
    assert panel.secret_remove_btn.isVisibleTo(panel)


def test_gateway_tab_refuses_a_control_character_in_a_header_value(qtbot):
    # Bug 1 in the dialog: the editor's lines are headers; a value must hold no control character.
    connections = Connections(Settings(profiles=[azure()]), secrets=MemorySecretStore(), env={})
    d = ConnectionDialog(connections, ChatService(connections.credentials), lambda: None)
    qtbot.addWidget(d)
    d.gateway.headers_edit.setPlainText("X-A: b\x00X-Inj: 1")
    assert d.gateway.problem() == (
        "Extra headers: the value of header X-A contains the control character '\\x00'; "
        "a header value must be one line."
    )


def test_adding_a_secret_header_keeps_the_label_column_and_clears_the_name(qtbot, make_dialog):
    """Tester (tester-10.png): saving Ocp-Apim-Subscription-Key showed the "Kept in the keyring"
    row, whose label widened the label column and shifted every field; the header's name stayed
    in the input."""
    d = make_dialog([azure()], secrets=MemorySecretStore()).dialog
    d.resize(760, 560)
    d.show()
    d.tabs.setCurrentWidget(d.gateway)
    qtbot.waitExposed(d)
    g = d.gateway

    def label_column() -> tuple[int, ...]:  # where the fields start: the labels' width
        return tuple(w.geometry().left() for w in (g.cloud_combo, g.scope_edit, g.proxy_edit))

    g.headers_edit.setPlainText("X-Team: research")
    before = label_column()
    g.secret_name_edit.setText("Ocp-Apim-Subscription-Key")
    g.secret_value_edit.setText("sub-123")
    g.secret_save_btn.click()
    qtbot.waitUntil(lambda: listed(g) == ["Ocp-Apim-Subscription-Key"])
    qtbot.waitUntil(lambda: g.secret_list.isVisible())
    assert label_column() == before
    assert g.secret_name_edit.text() == ""
    assert g.secret_value_edit.text() == ""


def test_the_proxy_field_says_it_is_shared_by_every_profile(qtbot, make_dialog):
    """Tester: typed on Work's Gateway & cloud tab, the proxy showed on Other's too, and nothing
    said it is one setting for all profiles."""
    from PySide6.QtWidgets import QLabel

    h = make_dialog([azure()])
    h.dialog.tabs.setCurrentIndex(2)
    shown = [w.text() for w in h.dialog.gateway.findChildren(QLabel) if not w.isHidden()]
    assert "Used by every profile, not only this one." in shown
