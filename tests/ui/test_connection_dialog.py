"""The connection dialog, driven the way a person drives it, against real parts: the loopback
Azure server, memory secret stores, EntraSession with a fake credential, the settings file."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AuthenticationRecord
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QLineEdit, QWidget

from chatdesk.core.profiles import ENV_PROFILE_NAME, ConnectionProfile
from chatdesk.core.settings import Settings, load_settings, save_settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections, LazySecretStore
from chatdesk.service.entra import EntraSession
from chatdesk.service.secrets import KeyringStatus, MemorySecretStore, Secret
from chatdesk.ui import connection_dialog
from chatdesk.ui.connection_dialog import ConnectionDialog
from chatdesk.ui.token_meter import status_color
from tests.support.fake_azure import FakeAzure, Hang

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

KEY = "0123456789abcdef0123456789abcdef-SECRET"  # distinctive, to grep the disk for
TENANT = "11111111-2222-3333-4444-555555555555"
WARNING = "No secure keyring is available on this system: no Secret Service is running."


# -- fakes -----------------------------------------------------------------------------------
class FakeCredential:
    """The TokenCredential protocol plus `authenticate`, like azure-identity's interactive ones."""

    def __init__(
        self,
        *,
        prompt_callback: Callable[[str, str, datetime], None] | None = None,
        error: BaseException | None = None,
        block: threading.Event | None = None,
        **_: Any,
    ) -> None:
        self.prompt_callback = prompt_callback
        self.error = error
        self.block = block

    def authenticate(self, *, scopes: list[str] | None = None, **_: Any) -> AuthenticationRecord:
        if self.prompt_callback is not None:
            expires = datetime.now(timezone.utc) + timedelta(minutes=15)
            self.prompt_callback("https://microsoft.com/devicelogin", "ABCD-1234", expires)
        if self.block is not None:
            self.block.wait(10)
        if self.error is not None:
            raise self.error
        return AuthenticationRecord(
            TENANT, "client", "login.microsoftonline.com", f"oid.{TENANT}", "ada@contoso.com"
        )

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        return AccessToken("entra-token", int(time.time()) + 3600)


class EntraFactory:
    """An `entra_factory` for Connections: real EntraSessions over FakeCredentials."""

    def __init__(self, **credential_kwargs: Any) -> None:
        self.credential_kwargs = credential_kwargs

    def __call__(self, mode: str, **kwargs: Any) -> EntraSession:
        def credential(**kw: Any) -> FakeCredential:
            return FakeCredential(prompt_callback=kw["prompt_callback"], **self.credential_kwargs)

        return EntraSession(mode, credential_factory=credential, **kwargs)


# -- helpers ---------------------------------------------------------------------------------
def retype(qtbot, edit: QLineEdit, text: str) -> None:
    """Replace the field's text as a person does (textEdited fires, unlike setText)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(edit, text)


def on_auth_tab(d: ConnectionDialog) -> ConnectionDialog:
    d.tabs.setCurrentWidget(d.auth_stack.parentWidget())
    return d


def azure(name: str = "Work", endpoint: str = "https://contoso.openai.azure.com/", **kw: Any):
    return ConnectionProfile(name, kw.pop("kind", "azure-v1"), endpoint, "gpt-4o", **kw)


def files_text(root: Path) -> dict[Path, str]:
    return {
        path: path.read_bytes().decode("utf-8", "replace")
        for path in root.rglob("*")
        if path.is_file()
    }


class Harness:
    def __init__(self, qtbot, connections: Connections, select: str | None = None) -> None:
        self.connections = connections
        self.settings = connections.settings
        self.saves = 0

        def save() -> None:
            self.saves += 1
            save_settings(self.settings)  # the real file, under CHATDESK_HOME

        self.dialog = ConnectionDialog(
            connections, ChatService(connections.credentials), save, select=select
        )
        qtbot.addWidget(self.dialog)
        self.dialog.open()
        qtbot.waitUntil(lambda: not self.dialog.busy)


@pytest.fixture
def make(qtbot) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(
        profiles: list[ConnectionProfile] | None = None,
        *,
        secrets: Any = None,
        env: dict[str, str] | None = None,
        entra: EntraFactory | None = None,
        select: str | None = None,
    ) -> Harness:
        settings = Settings(profiles=list(profiles or []))
        connections = Connections(
            settings,
            secrets=secrets if secrets is not None else MemorySecretStore(),
            env=env if env is not None else {},
            entra_factory=entra or EntraFactory(),
        )
        harness = Harness(qtbot, connections, select)
        made.append(harness)
        return harness

    yield make
    # No worker may outlive its test.
    qtbot.waitUntil(lambda: not connection_dialog._RUNNING, timeout=5000)


@pytest.fixture
def azure_server() -> Iterator[FakeAzure]:
    with FakeAzure(api_key="test-key", bearer_tokens={"entra-token"}) as srv:
        yield srv


# -- first launch ----------------------------------------------------------------------------
def test_first_launch_without_env_starts_an_empty_azure_profile(make):
    d = make().dialog
    assert d.profile_list.count() == 1
    assert d.endpoint_panel.name_edit.text() == "Azure OpenAI"
    assert d.endpoint_panel.kind_combo.currentData() == "azure-v1"
    assert d.key_radio.isChecked()
    assert not d.save_btn.isEnabled()
    assert "Enter the endpoint URL" in d.save_btn.toolTip()
    assert "Enter the endpoint URL" in d.endpoint_panel.endpoint_error.text()


def test_first_launch_prefills_from_the_environment(make):
    env = {
        "AZURE_OPENAI_ENDPOINT": "https://contoso.openai.azure.com/",
        "AZURE_OPENAI_API_KEY": KEY,
        "AZURE_OPENAI_DEPLOYMENT": "gpt-4o-mini",
    }
    h = make(env=env)
    d = h.dialog
    assert d.endpoint_panel.name_edit.text() == ENV_PROFILE_NAME
    assert d.endpoint_panel.endpoint_edit.text() == "https://contoso.openai.azure.com/openai/v1/"
    assert d.endpoint_panel.deployment_edit.text() == "gpt-4o-mini"
    assert "environment variable AZURE_OPENAI_API_KEY" in d.key_panel.key_status.text()
    assert d.save_btn.isEnabled()
    d.save_btn.click()
    assert h.saves == 1
    saved = load_settings().settings
    assert [p.name for p in saved.profiles] == [ENV_PROFILE_NAME]
    assert saved.profiles[0].key_env == "AZURE_OPENAI_API_KEY"
    assert saved.active_profile == ENV_PROFILE_NAME


# -- endpoint feedback -----------------------------------------------------------------------
def test_endpoint_feedback_notes_url_and_suggestion(qtbot, make):
    d = make([azure()]).dialog
    retype(
        qtbot,
        d.endpoint_panel.endpoint_edit,
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21",
    )
    assert "deployment path for 'gpt-4o-mini'" in d.endpoint_panel.notes_label.text()
    assert "api-version" in d.endpoint_panel.notes_label.text()
    assert (
        d.endpoint_panel.url_label.text()
        == "Requests go to: https://contoso.openai.azure.com/openai/v1/"
    )
    assert not d.endpoint_panel.endpoint_error.isVisible()
    assert d.endpoint_panel.suggest_btn.isVisible()
    d.endpoint_panel.suggest_btn.click()
    assert d.endpoint_panel.deployment_edit.text() == "gpt-4o-mini"
    assert not d.endpoint_panel.suggest_btn.isVisible()
    # Notes are muted and errors use the palette's error colour, not hard-coded light colours.
    palette = d.palette()
    muted = d.endpoint_panel.notes_label.palette().color(QPalette.ColorRole.WindowText)
    assert muted == palette.color(QPalette.ColorRole.PlaceholderText)
    assert d.save_btn.isEnabled()


def test_an_endpoint_error_disables_save_with_the_reason(qtbot, make):
    d = make([azure(), azure("Other")]).dialog
    retype(qtbot, d.endpoint_panel.endpoint_edit, "http://contoso.openai.azure.com/")
    assert "plain http://" in d.endpoint_panel.endpoint_error.text()
    assert d.endpoint_panel.endpoint_error.isVisible()
    error = d.endpoint_panel.endpoint_error.palette().color(QPalette.ColorRole.WindowText)
    assert error == status_color("error", d.palette())
    assert not d.endpoint_panel.url_label.text()
    assert not d.save_btn.isEnabled()
    assert "Work: " in d.save_btn.toolTip()
    assert "plain http://" in d.save_btn.toolTip()
    assert not d.test_panel.test_btn.isEnabled()
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://contoso.openai.azure.com/")
    assert d.save_btn.isEnabled()
    # A problem in another field is shown too, and names the field's rule.
    retype(qtbot, d.endpoint_panel.deployment_edit, "https://contoso.openai.azure.com/")
    assert "looks like a URL" in d.endpoint_panel.problem_label.text()
    assert not d.save_btn.isEnabled()


def test_kind_changes_labels_and_the_api_version_row(qtbot, make):
    d = make([azure()]).dialog
    assert d.endpoint_panel.deployment_label.text() == "&Deployment"
    assert not d.endpoint_panel.form.isRowVisible(d.endpoint_panel.api_version_edit)
    d.endpoint_panel.kind_combo.setCurrentIndex(
        d.endpoint_panel.kind_combo.findData("azure-api-version")
    )
    assert d.endpoint_panel.form.isRowVisible(d.endpoint_panel.api_version_edit)
    assert (
        "openai/deployments/gpt-4o/chat/completions?api-version="
        in d.endpoint_panel.url_label.text()
    )
    d.endpoint_panel.kind_combo.setCurrentIndex(
        d.endpoint_panel.kind_combo.findData("openai-compatible")
    )
    assert d.endpoint_panel.deployment_label.text() == "Model na&me"
    assert d.endpoint_panel.deployment_edit.accessibleName() == "Model"
    assert not d.endpoint_panel.form.isRowVisible(d.endpoint_panel.api_version_edit)
    assert d.endpoint_panel.kind_combo.currentText() == "OpenAI-compatible"


def test_duplicate_names_block_save(qtbot, make):
    d = make([azure("A"), azure("B")], select="B").dialog
    retype(qtbot, d.endpoint_panel.name_edit, "A")
    assert d.profile_list.item(1).text() == "A"
    assert not d.save_btn.isEnabled()
    assert "Two profiles are named 'A'" in d.save_btn.toolTip()


# -- API keys --------------------------------------------------------------------------------
def test_key_is_stored_cleared_and_never_written_to_disk(qtbot, make):
    store = MemorySecretStore()
    h = make([azure()], secrets=store)
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


def test_forget_key_removes_it(qtbot, make):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    d = make([azure()], secrets=store).dialog
    on_auth_tab(d)
    assert d.key_panel.key_status.text().startswith("A key is stored")
    d.key_panel.forget_key_btn.click()
    qtbot.waitUntil(lambda: d.key_panel.key_status.text() == "No key is stored yet.")
    assert store.get("Work") is None


def test_enter_in_the_key_field_saves_the_key_not_the_dialog(qtbot, make):
    store = MemorySecretStore()
    h = make([azure()], secrets=store)
    qtbot.keyClicks(h.dialog.key_panel.key_edit, KEY)
    qtbot.keyClick(h.dialog.key_panel.key_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.get("Work") is not None)
    assert h.dialog.isVisible()
    assert h.saves == 0


def test_insecure_keyring_warns_and_offers_a_session_store(qtbot, make):
    opened = MemorySecretStore()
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (opened, status))
    d = make([azure()], secrets=store).dialog
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


def test_insecure_keyring_notice_can_switch_to_entra(qtbot, make):
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (MemorySecretStore(), status))
    d = make([azure()], secrets=store).dialog
    on_auth_tab(d)
    d.key_panel.use_entra_btn.click()
    assert d.entra_radio.isChecked()
    assert d.auth_stack.currentIndex() == 1


# -- test connection -------------------------------------------------------------------------
def test_connection_test_success_shows_url_and_latency(qtbot, make, azure_server):
    store = MemorySecretStore()
    store.set("Work", Secret("test-key"))
    d = make([azure(endpoint=azure_server.url)], secrets=store).dialog
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: "answered in" in d.test_panel.test_result.text(), timeout=5000)
    assert d.test_panel.test_result.text().startswith("Connected: answered in ")
    assert d.test_panel.test_result.text().endswith(" ms.")
    assert f"Requests go to: {azure_server.v1_base_url}" in d.test_panel.test_details.text()
    assert "bearer (key)" in d.test_panel.test_details.text()
    assert "Model: gpt-4o" in d.test_panel.test_details.text()
    assert not d.test_panel.test_error.isVisible()
    qtbot.waitUntil(lambda: d.test_panel.test_btn.isEnabled())


def test_connection_test_with_a_wrong_key_shows_the_401_advice(qtbot, make, azure_server):
    store = MemorySecretStore()
    store.set("Work", Secret("wrong-key"))
    d = make([azure(endpoint=azure_server.url)], secrets=store).dialog
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=5000)
    assert d.test_panel.test_error.text().startswith("Wrong key or token")
    assert "(401)" in d.test_panel.test_error.text()
    assert "wrong-key" not in d.test_panel.test_error.text() + d.test_panel.test_details.text()


def test_connection_test_with_a_wrong_deployment_explains(qtbot, make):
    store = MemorySecretStore()
    store.set("Work", Secret("test-key"))
    with FakeAzure(api_key="test-key", deployments={"gpt-4o"}) as srv:
        profile = azure(endpoint=srv.azure_endpoint, kind="azure-api-version")
        profile.deployment = "gpt4o"
        d = make([profile], secrets=store).dialog
        d.test_panel.test_btn.click()
        qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=5000)
    assert d.test_panel.test_error.text().startswith("Deployment not found")
    assert "deployment name, not the model name" in d.test_panel.test_error.text()
    assert "api-key" in d.test_panel.test_details.text()


def test_connection_test_can_be_cancelled(qtbot, make, azure_server):
    store = MemorySecretStore()
    store.set("Work", Secret("test-key"))
    azure_server.enqueue(Hang(10))
    d = make([azure(endpoint=azure_server.url)], secrets=store).dialog
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: d.test_panel.test_cancel_btn.isVisible())
    azure_server.wait_for_requests(1)
    d.test_panel.test_cancel_btn.click()
    qtbot.waitUntil(lambda: "cancelled" in d.test_panel.test_result.text(), timeout=1000)
    qtbot.waitUntil(lambda: not d.test_panel.test_cancel_btn.isVisible())
    azure_server.release()


def test_connection_test_with_entra_sends_the_token(qtbot, make, azure_server):
    d = make([azure(endpoint=azure_server.url, auth="entra")]).dialog
    on_auth_tab(d)
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: d.entra_panel.account_label.text().startswith("Signed in as"))
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: "answered in" in d.test_panel.test_result.text(), timeout=5000)
    assert "bearer (Entra)" in d.test_panel.test_details.text()


# -- Entra ID --------------------------------------------------------------------------------
def test_sign_in_and_sign_out(qtbot, make):
    d = make([azure(auth="entra")]).dialog
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


def test_a_failing_sign_in_shows_the_mapped_message(qtbot, make):
    error = ClientAuthenticationError("AADSTS700016: Application with identifier was not found")
    d = make([azure(auth="entra")], entra=EntraFactory(error=error)).dialog
    on_auth_tab(d)
    d.entra_panel.sign_in_btn.click()
    qtbot.waitUntil(lambda: d.entra_panel.entra_error.text() != "")
    assert d.entra_panel.entra_error.text().startswith(
        "The application (client ID) is not registered"
    )
    assert "AADSTS700016: Application" not in d.entra_panel.entra_error.text()
    assert d.entra_panel.account_label.text() == "Not signed in."


def test_cancelling_a_blocked_sign_in_is_quick(qtbot, make):
    block = threading.Event()
    d = make([azure(auth="entra")], entra=EntraFactory(block=block)).dialog
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


def test_device_code_is_shown_with_its_address(qtbot, make):
    block = threading.Event()
    profile = azure(auth="entra", entra_mode="device-code")
    d = make([profile], entra=EntraFactory(block=block)).dialog
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


def test_switching_auth_keeps_both_modes_settings(qtbot, make):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    h = make([azure()], secrets=store)
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


# -- save and cancel -------------------------------------------------------------------------
def test_save_writes_renames_removals_and_the_active_profile(qtbot, make):
    store = MemorySecretStore()
    store.set("A", Secret("key-a"))
    store.set("B", Secret("key-b"))
    h = make([azure("A"), azure("B")], secrets=store, select="B")
    d = h.dialog
    retype(qtbot, d.endpoint_panel.name_edit, "Renamed")
    d.profile_list.setCurrentRow(0)
    d.remove_btn.click()
    d.add_btn.click()
    assert d.endpoint_panel.name_edit.text() == "Azure OpenAI"
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://other.openai.azure.com/")
    assert "Enter the deployment name" in d.save_btn.toolTip()
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()
    assert h.saves == 1
    assert [p.name for p in h.settings.profiles] == ["Renamed", "Azure OpenAI"]
    assert h.settings.active_profile == "Azure OpenAI"
    assert not d.isVisible()
    # The renamed profile's key moved with it; the removed one's key is gone.
    assert store.get("Renamed") == Secret("key-b")
    assert store.get("B") is None
    assert store.get("A") is None
    on_disk = load_settings().settings
    assert [p.name for p in on_disk.profiles] == ["Renamed", "Azure OpenAI"]
    assert on_disk.profiles[1].endpoint == "https://other.openai.azure.com/openai/v1/"


def test_a_key_pasted_in_the_url_is_not_saved(qtbot, make):
    h = make([azure()])
    retype(
        qtbot,
        h.dialog.endpoint_panel.endpoint_edit,
        f"https://contoso.openai.azure.com/?api-key={KEY}",
    )
    assert "key parameter; it was removed" in h.dialog.endpoint_panel.notes_label.text()
    h.dialog.save_btn.click()
    assert h.saves == 1
    assert not [p for p, t in files_text(Path(os.environ["CHATDESK_HOME"])).items() if KEY in t]


def test_cancel_discards_edits(qtbot, make):
    h = make([azure()])
    d = h.dialog
    retype(qtbot, d.endpoint_panel.name_edit, "Changed")
    d.add_btn.click()
    assert "stay as they are" in d.cancel_btn.toolTip()
    d.cancel_btn.click()
    assert h.saves == 0
    assert [p.name for p in h.settings.profiles] == ["Work"]
    assert not d.isVisible()


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
        assert connection_dialog._RUNNING
        d.reject()
        assert connections.device_code_callback is None
        shiboken6.delete(d)
    finally:
        block.set()
    qtbot.waitUntil(lambda: not connection_dialog._RUNNING, timeout=2000)


# -- accessibility and size ------------------------------------------------------------------
def test_every_control_has_an_accessible_name_and_the_dialog_fits(make):
    d = make([azure()]).dialog
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in d.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not w.accessibleName()
        and w.window() is d  # not the combo boxes' popups
    ]
    assert not unnamed
    assert d.minimumSizeHint().width() <= 760
    assert d.minimumSizeHint().height() <= 560
    for button in (
        d.key_panel.save_key_btn,
        d.test_panel.test_btn,
        d.entra_panel.sign_in_btn,
        d.add_btn,
    ):
        assert button.toolTip()


def test_the_model_field_says_what_a_neutral_deployment_is_taken_for(qtbot, make):
    from chatdesk.core.models import CATALOG, describe, match_model

    d = make([dataclasses.replace(azure(), deployment="chat-prod")]).dialog
    assert d.endpoint_panel.model_note.text().startswith("Unknown model; counted as gpt-4o")
    d.endpoint_panel.model_edit.setText("gpt-5")
    d.endpoint_panel.model_edit.textEdited.emit("gpt-5")
    assert d.endpoint_panel.model_note.text().startswith("gpt-5: 400,000-token window")
    d.save_btn.click()
    saved = load_settings().settings.profiles[0]
    assert (saved.deployment, saved.model) == ("chat-prod", "gpt-5")
    assert saved.model_info().limit_param == "max_completion_tokens"
    assert describe(match_model(["chat-prod"])).startswith("Unknown model; counted as gpt-4o")
    assert describe(match_model(["gpt-5"])) == (
        "gpt-5: 400,000-token window, 128,000 out, reasoning model"
    )
    assert "no streaming" in describe(match_model(["o1"]))
    assert set(CATALOG) >= {"gpt-5-chat", "gpt-4-1106-preview", "o1-mini", "gpt-5.2-chat"}


# -- issue 17: what is on screen is what is tested -------------------------------------------
def test_the_test_uses_an_unsaved_key_and_never_stores_it(qtbot, make, azure_server):
    store = MemorySecretStore()
    d = make([azure(endpoint=azure_server.url)], secrets=store).dialog
    on_auth_tab(d)
    qtbot.keyClicks(d.key_panel.key_edit, "test-key")  # pasted, not saved
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: "answered in" in d.test_panel.test_result.text(), timeout=5000)
    assert azure_server.last_request.authorized
    assert store.get("Work") is None
    assert d.key_panel.key_edit.text() == "test-key"  # still there to save


def test_test_messages_use_the_current_name(qtbot, make, azure_server):
    store = MemorySecretStore()
    store.set("Work", Secret("wrong-key"))
    d = make([azure(endpoint=azure_server.url)], secrets=store).dialog
    d.endpoint_panel.name_edit.setText("Team A")
    d.endpoint_panel.name_edit.textEdited.emit("Team A")
    d.test_panel.test_btn.click()
    qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=5000)
    assert "'Team A'" in d.test_panel.test_error.text()
    assert "'Work'" not in d.test_panel.test_error.text()
    # The key stored under the old name was sent.
    assert azure_server.last_request.headers["authorization"] == "Bearer wrong-key"


def test_duplicate_offers_to_reuse_the_key(qtbot, make):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    d = make([azure()], secrets=store).dialog
    qtbot.waitUntil(lambda: d.key_panel.key_stored.get("Work") is True)
    d.duplicate_btn.click()
    box = d.reuse_key_box
    assert box is not None
    assert "Use the API key of 'Work' for 'Work (copy)' too?" in box.text()
    box.done(box.StandardButton.Yes)
    qtbot.waitUntil(lambda: store.get("Work (copy)") == Secret(KEY))
    qtbot.waitUntil(lambda: not d.busy)
    assert store.get("Work") == Secret(KEY)


def test_duplicate_without_a_key_does_not_ask(qtbot, make):
    d = make([azure()]).dialog
    qtbot.waitUntil(lambda: d.key_panel.key_stored.get("Work") is False)
    d.duplicate_btn.click()
    assert d.reuse_key_box is None


@pytest.mark.parametrize(
    ("kind", "example"),
    [
        ("azure-v1", "https://my-resource.openai.azure.com/"),
        ("azure-api-version", "2024-10-21"),
        ("openai-compatible", "http://localhost:11434/v1"),
    ],
)
def test_each_kind_shows_its_own_hint(make, kind, example):
    d = make([azure(kind=kind)]).dialog
    assert example in d.endpoint_panel.kind_hint.text()
    if kind == "openai-compatible":
        assert "azure.com" not in d.endpoint_panel.kind_hint.text()


def test_gateway_tab_sets_cloud_headers_secret_header_and_proxy(qtbot, make):
    from chatdesk.service.client import header_secret_name

    store = MemorySecretStore()
    h = make([azure(endpoint="https://apim.example.net/aoai/openai", auth="entra")],
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


def remove_secret_header(qtbot, make, store) -> tuple[Harness, str]:
    """Remove a saved secret header in the Gateway tab as a person does; returns its entry."""
    from chatdesk.service.client import header_secret_name

    entry = header_secret_name("Work", "Ocp-Apim-Subscription-Key")
    store.set(entry, Secret("sub-123"))
    profile = azure(secret_headers=["Ocp-Apim-Subscription-Key"], headers={"X-Team": "blue"})
    h = make([profile], secrets=store)
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


def test_a_secret_header_is_removed_and_its_keyring_entry_deleted_on_save(qtbot, make):
    store = MemorySecretStore()
    h, entry = remove_secret_header(qtbot, make, store)
    assert store.get(entry) == Secret("sub-123")  # not before Save: Cancel would keep it
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get(entry) is None
    saved = load_settings().settings.profiles[0]
    assert (saved.secret_headers, saved.headers) == ([], {"X-Team": "blue"})


def test_removing_a_secret_header_then_cancel_keeps_it(qtbot, make):
    store = MemorySecretStore()
    h, entry = remove_secret_header(qtbot, make, store)
    h.dialog.reject()
    assert store.get(entry) == Secret("sub-123")
    assert h.settings.profiles[0].secret_headers == ["Ocp-Apim-Subscription-Key"]


@pytest.mark.keyring
def test_a_secret_header_leaves_the_real_keyring(qtbot, make):
    from chatdesk.service.secrets import KeyringSecretStore, keyring_status

    if not keyring_status().secure or os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    import uuid

    store = KeyringSecretStore(service=f"chatdesk-test-{uuid.uuid4().hex}")
    h, entry = remove_secret_header(qtbot, make, store)
    h.dialog.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert store.get(entry) is None


def test_a_secret_looking_extra_header_blocks_save(make):
    d = make([azure()]).dialog
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
    panel.refresh(dataclasses.replace(azure(), secret_headers=["Ocp-Apim-Subscription-Key"]))
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


# -- issue 17 item 7: a profile's deployments ------------------------------------------------
def rows(d) -> list[str]:
    return [
        d.endpoint_panel.deployments.list.item(i).text()
        for i in range(d.endpoint_panel.deployments.list.count())
    ]


def test_deployments_are_added_named_given_a_model_and_one_made_default(qtbot, make):
    h = make([azure(name="Work")])
    d = h.dialog
    assert rows(d) == ["gpt-4o (default)"]
    assert not d.endpoint_panel.deployments.remove_btn.isEnabled()  # a profile keeps one at least
    d.endpoint_panel.deployments.add_btn.click()
    assert rows(d) == ["gpt-4o (default)", "(new deployment)"]
    assert not d.save_btn.isEnabled()  # an unnamed deployment cannot be saved
    assert "Enter the deployment name" in d.save_btn.toolTip()
    retype(qtbot, d.endpoint_panel.deployment_edit, "chat-prod")
    retype(qtbot, d.endpoint_panel.model_edit, "gpt-5")
    assert d.endpoint_panel.model_note.text().startswith("gpt-5: 400,000-token window")
    d.endpoint_panel.deployments.add_btn.click()
    retype(qtbot, d.endpoint_panel.deployment_edit, "fast")
    d.endpoint_panel.deployments.list.setCurrentRow(1)
    assert (d.endpoint_panel.deployment_edit.text(), d.endpoint_panel.model_edit.text()) == (
        "chat-prod",
        "gpt-5",
    )
    d.endpoint_panel.deployments.default_btn.click()
    assert rows(d) == ["gpt-4o", "chat-prod (default)", "fast"]
    d.endpoint_panel.deployments.list.setCurrentRow(0)
    d.endpoint_panel.deployments.remove_btn.click()
    assert rows(d) == ["chat-prod (default)", "fast"]
    assert d.save_btn.isEnabled(), d.save_btn.toolTip()
    d.save_btn.click()
    saved = load_settings().settings.profiles[0]
    assert (saved.deployment, saved.model) == ("chat-prod", "gpt-5")
    listed = [(e.name, e.model) for e in saved.deployments]
    assert listed == [("chat-prod", "gpt-5"), ("fast", None)]


def test_two_deployments_of_one_name_cannot_be_saved(qtbot, make):
    d = make([azure()]).dialog
    d.endpoint_panel.deployments.add_btn.click()
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    assert not d.save_btn.isEnabled()
    assert "'gpt-4o' is listed twice" in d.save_btn.toolTip()


def test_fetch_lists_an_openai_compatible_server_s_models(qtbot, make, azure_server):
    azure_server.listed_models = ["llama3.1:8b", "phi4", "qwen2.5:7b"]
    local = ConnectionProfile(
        "Local", "openai-compatible", azure_server.openai_base_url, "llama3.1:8b"
    )
    d = make([local]).dialog
    assert d.endpoint_panel.deployments.fetch_btn.isEnabled()
    on_auth_tab(d)
    qtbot.keyClicks(d.key_panel.key_edit, "test-key")  # on screen, not saved: used for the request
    d.endpoint_panel.deployments.fetch_btn.click()
    qtbot.waitUntil(lambda: not d.busy)
    assert rows(d) == ["llama3.1:8b (default)", "phi4", "qwen2.5:7b"]
    assert "The server lists 3" in d.endpoint_panel.fetch_note.text()
    (request,) = azure_server.requests
    assert (request.method, request.path, request.authorized) == ("GET", "/v1/models", True)


def test_fetch_is_not_offered_for_azure_and_says_why(make):
    d = make([azure()]).dialog
    assert not d.endpoint_panel.deployments.fetch_btn.isEnabled()
    assert (
        "does not list a resource's deployments" in d.endpoint_panel.deployments.fetch_btn.toolTip()
    )
