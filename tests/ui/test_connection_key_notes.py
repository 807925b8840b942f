"""What the Authentication tab says about when a key is stored (tester's report, item 3):
Save key stores at once and says Cancel does not undo it; without a secure keyring the tab
does not promise that Save stores the typed key."""

from __future__ import annotations

import pytest

from chatdesk.service.connections import LazySecretStore
from chatdesk.service.secrets import KeyringStatus, MemorySecretStore, Secret
from tests.support.connection_dialog import KEY, WARNING, azure, on_auth_tab

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_save_key_says_it_is_stored_now_and_cancel_leaves_it(qtbot, make_dialog):
    store = MemorySecretStore()
    h = make_dialog([azure()], secrets=store)
    d = on_auth_tab(h.dialog)
    assert "Cancel does not undo it" in d.key_panel.save_key_btn.toolTip()
    qtbot.keyClicks(d.key_panel.key_edit, KEY)
    d.key_panel.save_key_btn.click()
    qtbot.waitUntil(lambda: store.get("Work") == Secret(KEY))
    qtbot.waitUntil(lambda: not d.busy)
    assert "Stored now by Save key: Cancel does not undo it." in d.key_panel.key_status.text()
    assert "stay as they are" in d.cancel_btn.toolTip()
    d.cancel_btn.click()
    assert store.get("Work") == Secret(KEY)  # as the tab said
    assert h.saves == 0


def test_without_a_keyring_the_tab_does_not_promise_that_save_stores_the_key(
    qtbot, make_dialog
):
    status = KeyringStatus(secure=False, backend_name="fail Keyring", warning=WARNING)
    store = LazySecretStore(lambda: (MemorySecretStore(), status))
    d = on_auth_tab(make_dialog([azure()], secrets=store).dialog)
    qtbot.keyClicks(d.key_panel.key_edit, KEY)
    assert d.key_panel.notice.isVisible()
    text = d.key_panel.key_status.text()
    assert "stored when you press Save" not in text
    assert "On Save you are asked how to keep the key typed above (see below)." in text
