"""The Connections dialog and the profile new conversations use (the active profile): looking
at a profile does not change it, "Use for new conversations" does, the list marks it, and
Remove asks first."""

from __future__ import annotations

import pytest

from chatdesk.core.settings import load_settings
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.support.connection_dialog import KEY, azure, remove_profile, retype

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WRONG_KEY = "0" * 32


def _type_key(qtbot, d, key: str) -> None:
    d.tabs.setCurrentIndex(1)
    qtbot.keyClicks(d.key_panel.key_edit, key)


def test_looking_at_a_profile_then_save_keeps_the_active_one(qtbot, make_dialog):
    # The tester's steps: add Work (right key) and Other (wrong key), click Other, Save.
    store = MemorySecretStore()
    h = make_dialog(secrets=store)
    d = h.dialog
    retype(qtbot, d.endpoint_panel.name_edit, "Work")
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://contoso.openai.azure.com/")
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    _type_key(qtbot, d, KEY)
    d.add_btn.click()
    retype(qtbot, d.endpoint_panel.name_edit, "Other")
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://other.openai.azure.com/")
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    _type_key(qtbot, d, WRONG_KEY)
    d.profile_list.setCurrentRow(0)
    d.profile_list.setCurrentRow(1)  # looking at Other
    assert d.endpoint_panel.name_edit.text() == "Other"
    # The list says which one new conversations use.
    assert [d.profile_list.item(i).text() for i in range(2)] == ["Work (default)", "Other"]
    assert "Used for new conversations" in d.profile_list.item(0).toolTip()
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()
    assert h.settings.active_profile == "Work"
    assert load_settings().settings.active_profile == "Work"
    assert store.get("Work") == Secret(KEY)
    assert store.get("Other") == Secret(WRONG_KEY)


def test_use_for_new_conversations_chooses_the_active_profile(qtbot, make_dialog):
    h = make_dialog([azure("Work"), azure("Other")], select="Work")
    h.settings.active_profile = "Work"
    d = h.dialog
    use = d.profiles.use_btn
    assert use.accessibleName()
    assert use.toolTip()
    assert not use.isEnabled()  # Work, shown, already is the default
    d.profile_list.setCurrentRow(1)
    assert use.isEnabled()
    use.click()
    assert not use.isEnabled()
    assert [d.profile_list.item(i).text() for i in range(2)] == ["Work", "Other (default)"]
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()
    assert load_settings().settings.active_profile == "Other"


def test_cancel_keeps_the_active_profile(qtbot, make_dialog):
    h = make_dialog([azure("Work"), azure("Other")])
    h.settings.active_profile = "Work"
    d = h.dialog
    d.profile_list.setCurrentRow(1)
    d.profiles.use_btn.click()
    d.cancel_btn.click()
    assert h.settings.active_profile == "Work"


def test_the_dialog_opens_marking_the_saved_active_profile(qtbot, make_dialog):
    from chatdesk.core.settings import Settings
    from chatdesk.service.connections import Connections
    from tests.support.connection_dialog import Harness

    settings = Settings(profiles=[azure("Work"), azure("Other")], active_profile="Other")
    h = Harness(qtbot, Connections(settings, secrets=MemorySecretStore(), env={}))
    d = h.dialog
    assert d.endpoint_panel.name_edit.text() == "Other"  # shown: the active one
    assert d.profile_list.item(1).text() == "Other (default)"
    d.profile_list.setCurrentRow(0)
    d.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert settings.active_profile == "Other"


def test_remove_asks_first_and_no_keeps_the_profile(qtbot, make_dialog):
    h = make_dialog([azure("Work"), azure("Staging")], select="Staging")
    h.settings.active_profile = "Work"
    d = h.dialog
    text = remove_profile(d, answer="No")
    assert "Remove profile 'Staging'?" in text
    assert d.profile_list.count() == 2
    assert d.endpoint_panel.name_edit.text() == "Staging"
    remove_profile(d)
    assert d.profile_list.count() == 1
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()
    assert [p.name for p in h.settings.profiles] == ["Work"]
    assert h.settings.active_profile == "Work"


def test_removing_the_default_makes_the_first_left_the_default(qtbot, make_dialog):
    h = make_dialog([azure("Work"), azure("Other"), azure("Third")])
    h.settings.active_profile = "Other"
    d = h.dialog
    d.profile_list.setCurrentRow(1)
    remove_profile(d)
    assert d.profile_list.item(0).text() == "Work (default)"
    d.profile_list.setCurrentRow(1)
    d.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert h.settings.active_profile == "Work"


def test_a_profile_added_to_an_empty_list_becomes_the_default(qtbot, make_dialog):
    h = make_dialog([azure("Work")])
    d = h.dialog
    remove_profile(d)
    d.add_btn.click()
    retype(qtbot, d.endpoint_panel.name_edit, "Fresh")
    retype(qtbot, d.endpoint_panel.endpoint_edit, "https://fresh.openai.azure.com/")
    retype(qtbot, d.endpoint_panel.deployment_edit, "gpt-4o")
    assert d.profile_list.item(0).text() == "Fresh (default)"
    d.save_btn.click()
    qtbot.waitUntil(lambda: h.saves == 1)
    assert h.settings.active_profile == "Fresh"


def test_the_first_start_s_profile_shows_whole_without_a_scroll_bar(qtbot, make_dialog):
    # Reported: on first start the list showed "Azure OpenAI (default" over a horizontal
    # scroll bar (bold, with the warning icon of a profile not filled in yet).
    d = make_dialog([]).dialog
    qtbot.waitExposed(d)
    names = d.profile_list
    assert names.item(0).text() == "Azure OpenAI (default)"
    assert not names.horizontalScrollBar().isVisible()
    assert names.sizeHintForColumn(0) <= names.viewport().width()
    assert d.profiles.use_btn.width() == names.width()


def test_remove_s_title_is_short_and_the_question_is_its_text(qtbot, make_dialog):
    # Reported: the title bar cut "Remove profile — chatdesk" to "Remove p… chatdesk".
    from PySide6.QtGui import QFontMetrics

    d = make_dialog([azure("Work")]).dialog
    d.remove_btn.click()
    box = d.profiles.remove_box
    qtbot.waitExposed(box)
    assert box.text() == "Remove profile 'Work'?"
    # With the app's name as the window manager adds it, and room for its buttons and icon.
    shown = QFontMetrics(box.font()).horizontalAdvance(f"{box.windowTitle()} — chatdesk")
    assert shown <= box.width() / 2
    box.done(box.StandardButton.No)


def test_use_for_new_conversations_says_what_it_changed(qtbot, make_dialog):
    """The tester (session 14): one click made "Contoso TLS" the default, without a word."""
    h = make_dialog([azure("Work"), azure("Contoso TLS")], select="Work")
    h.settings.active_profile = "Work"
    d = h.dialog
    use, notice = d.profiles.use_btn, d.profiles.notice
    assert use.isChecked()  # Work, shown, is the default: the button says so
    assert notice.text() == ""
    d.profile_list.setCurrentRow(1)
    assert not use.isChecked()
    use.click()
    assert use.isChecked()
    assert not use.isEnabled()
    assert notice.text() == "New conversations will use “Contoso TLS” once you save."
    assert not notice.isHidden()
    d.profile_list.setCurrentRow(0)
    use.click()  # back to the saved default: nothing changes on Save
    assert notice.text() == ""
    assert notice.isHidden()


def test_the_dialog_s_buttons_stay_put_when_a_test_result_shows(qtbot, make_dialog):
    """The tester (session 14): a test's answer grew the dialog and moved Add, "Use for new
    conversations" and Test connection; a click meant for Add changed the default."""
    from tests.support.fake_azure import FakeAzure

    with FakeAzure(api_key="test-key") as server:
        store = MemorySecretStore()
        store.set("Work", Secret("wrong-key"))  # a 401: the longest answer of the two
        store.set("Other", Secret("test-key"))
        h = make_dialog([azure("Work", endpoint=server.url), azure("Other", endpoint=server.url)],
                        secrets=store, select="Other")  # fmt: skip
        d = h.dialog
        qtbot.waitExposed(d)
        d.resize(d.width(), d.minimumSizeHint().height())  # as short as it goes: no room to spare
        qtbot.wait(50)
        buttons = (d.add_btn, d.profiles.use_btn, d.test_panel.test_btn)

        def places() -> list:
            return [b.mapTo(d, b.rect().topLeft()) for b in buttons]

        before = places()
        d.test_panel.test_btn.click()
        qtbot.waitUntil(lambda: "answered in" in d.test_panel.test_result.text(), timeout=5000)
        qtbot.wait(50)  # the layout settles
        assert places() == before
        d.profile_list.setCurrentRow(0)
        qtbot.wait(50)
        assert places() == before
        d.test_panel.test_btn.click()
        qtbot.waitUntil(lambda: d.test_panel.test_error.text() != "", timeout=5000)
        qtbot.wait(50)
        assert places() == before
