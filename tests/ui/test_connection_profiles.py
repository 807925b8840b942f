"""The connection dialog's profile list and the dialog as a whole: first launch, duplicate names,
duplicating a profile, save and cancel, accessibility and size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from chatdesk.core.profiles import ENV_PROFILE_NAME
from chatdesk.core.settings import load_settings
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.connection_dialog import (
    KEY,
    azure,
    files_text,
    remove_profile,
    retype,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- first launch ----------------------------------------------------------------------------
def test_first_launch_without_env_starts_an_empty_azure_profile(make_dialog):
    d = make_dialog().dialog
    assert d.profile_list.count() == 1
    assert d.endpoint_panel.name_edit.text() == "Azure OpenAI"
    assert d.endpoint_panel.kind_combo.currentData() == "azure-v1"
    assert d.key_radio.isChecked()
    assert not d.save_btn.isEnabled()
    assert "Enter the endpoint URL" in d.save_btn.toolTip()
    assert "Enter the endpoint URL" in d.endpoint_panel.endpoint_error.text()


def test_first_launch_prefills_from_the_environment(make_dialog):
    env = {
        "AZURE_OPENAI_ENDPOINT": "https://contoso.openai.azure.com/",
        "AZURE_OPENAI_API_KEY": KEY,
        "AZURE_OPENAI_DEPLOYMENT": "gpt-4o-mini",
    }
    h = make_dialog(env=env)
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


def test_duplicate_names_block_save(qtbot, make_dialog):
    d = make_dialog([azure("A"), azure("B")], select="B").dialog
    retype(qtbot, d.endpoint_panel.name_edit, "A")
    assert d.profile_list.item(1).text() == "A"
    assert not d.save_btn.isEnabled()
    assert "Two profiles are named 'A'" in d.save_btn.toolTip()


# -- save and cancel -------------------------------------------------------------------------
def test_save_writes_renames_removals_and_the_active_profile(qtbot, make_dialog):
    store = MemorySecretStore()
    store.set("A", Secret("key-a"))
    store.set("B", Secret("key-b"))
    h = make_dialog([azure("A"), azure("B")], secrets=store, select="B")
    d = h.dialog
    retype(qtbot, d.endpoint_panel.name_edit, "Renamed")
    d.profile_list.setCurrentRow(0)
    remove_profile(d)
    d.add_btn.click()
    assert d.endpoint_panel.name_edit.text() == "Azure OpenAI"
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://other.openai.azure.com/")
    assert "Enter the deployment name" in d.save_btn.toolTip()
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()
    assert h.saves == 1
    assert [p.name for p in h.settings.profiles] == ["Renamed", "Azure OpenAI"]
    # A (the default) was removed: the first one left takes over, not the one last shown.
    assert h.settings.active_profile == "Renamed"
    assert not d.isVisible()
    # The renamed profile's key moved with it; the removed one's key is gone.
    assert store.get("Renamed") == Secret("key-b")
    assert store.get("B") is None
    assert store.get("A") is None
    on_disk = load_settings().settings
    assert [p.name for p in on_disk.profiles] == ["Renamed", "Azure OpenAI"]
    assert on_disk.profiles[1].endpoint == "https://other.openai.azure.com/openai/v1/"


def test_a_key_pasted_in_the_url_is_not_saved(qtbot, make_dialog):
    h = make_dialog([azure()])
    retype(
        qtbot,
        h.dialog.endpoint_panel.endpoint_edit,
        f"https://contoso.openai.azure.com/?api-key={KEY}",
    )
    assert "key parameter; it was removed" in h.dialog.endpoint_panel.notes_label.text()
    h.dialog.save_btn.click()
    assert h.saves == 1
    assert not [p for p, t in files_text(Path(os.environ["CHATDESK_HOME"])).items() if KEY in t]


def test_cancel_discards_edits(qtbot, make_dialog):
    h = make_dialog([azure()])
    d = h.dialog
    retype(qtbot, d.endpoint_panel.name_edit, "Changed")
    d.add_btn.click()
    assert "stay as they are" in d.cancel_btn.toolTip()
    d.cancel_btn.click()
    assert h.saves == 0
    assert [p.name for p in h.settings.profiles] == ["Work"]
    assert not d.isVisible()


# -- accessibility and size ------------------------------------------------------------------
def test_every_control_has_an_accessible_name_and_the_dialog_fits(make_dialog):
    d = make_dialog([azure()]).dialog
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


def test_duplicate_offers_to_reuse_the_key(qtbot, make_dialog):
    store = MemorySecretStore()
    store.set("Work", Secret(KEY))
    d = make_dialog([azure()], secrets=store).dialog
    qtbot.waitUntil(lambda: d.key_panel.key_stored.get("Work") is True)
    d.duplicate_btn.click()
    box = d.key_panel.reuse_key_box
    assert box is not None
    assert "Use the API key of 'Work' for 'Work (copy)' too?" in box.text()
    box.done(box.StandardButton.Yes)
    qtbot.waitUntil(lambda: store.get("Work (copy)") == Secret(KEY))
    qtbot.waitUntil(lambda: not d.busy)
    assert store.get("Work") == Secret(KEY)


def test_duplicate_without_a_key_does_not_ask(qtbot, make_dialog):
    d = make_dialog([azure()]).dialog
    qtbot.waitUntil(lambda: d.key_panel.key_stored.get("Work") is False)
    d.duplicate_btn.click()
    assert d.key_panel.reuse_key_box is None
