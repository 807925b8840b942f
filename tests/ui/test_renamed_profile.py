"""Renaming a connection profile carries what names it (tester's report): the open
conversations, the files not open, New conversation's profile in Preferences and the default.
The tester renamed `work` to `work2` and `gateway` to `gateway-prod`, then pressed Ctrl+N: every
`work` conversation said its profile was gone, and New started on `work2` without the gateway's
headers. The real window and Connections dialog, offscreen."""

from __future__ import annotations

import json

import msgspec.structs
import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.context import AppContext
from chatdesk.ui.main_window import MainWindow
from tests.support.connection_dialog import remove_profile, retype
from tests.support.opening import open_and_wait

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

KEY = "k3y-for-tests-0123456789abcdef"
GONE = "is not among your profiles"


@pytest.fixture
def window(qtbot, server, tmp_path):
    work = ConnectionProfile("work", "azure-v1", server.url, "gpt-4o")
    gateway = ConnectionProfile("gateway", "azure-v1", server.url, "gpt-4o",
                                headers={"X-Route": "prod"})  # fmt: skip
    settings = Settings(profiles=[work, gateway], active_profile="work")
    settings.new_conversation = msgspec.structs.replace(
        settings.new_conversation, profile="gateway"
    )
    store = MemorySecretStore()
    for profile in (work, gateway):
        store.set(profile.name, Secret(KEY))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(connections.credentials, retry=RetryPolicy(base_delay=0.01),
                          notes=settings.deployments)  # fmt: skip
    context = AppContext(settings, connections, service, settings_path=tmp_path / "s.json")
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win.session.budget is not None, timeout=10_000)
    yield win
    for session in win.sessions:
        session.set_modified(False)
        session.shutdown()


def _rename(qtbot, window, row: int, new: str) -> None:
    window.show_connections()
    d = window.connection_dialog
    d.profile_list.setCurrentRow(row)
    retype(qtbot, d.endpoint_panel.name_edit, new)
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()


def test_renames_carry_conversations_the_default_and_new_conversation(qtbot, window, tmp_path):
    closed = tmp_path / "earlier.chatdesk.json"  # a file of `work`, not open
    history = [Message("user", "Hello"), Message("assistant", "Hi.")]
    save_conversation(Conversation(history=history, profile="work"), closed)
    session = window.session
    window.profile_box.setCurrentIndex(window.profile_box.findText("work"))  # the toolbar's pick
    assert session.conversation.profile == "work"
    session.set_modified(False)

    _rename(qtbot, window, 0, "work2")
    _rename(qtbot, window, 1, "gateway-prod")

    # The open conversation names the new profile, and is saved with it as with any change.
    assert session.conversation.profile == "work2"
    assert session.modified
    assert GONE not in window.notice.text()
    assert window.profile_box.currentText() == "work2"
    on_disk = json.loads((tmp_path / "s.json").read_text())
    assert on_disk["active_profile"] == "work2"
    assert on_disk["new_conversation"]["profile"] == "gateway-prod"
    assert on_disk["renamed_profiles"] == {"work": "work2", "gateway": "gateway-prod"}

    # A file naming the old name opens on the renamed profile, saying nothing is gone.
    open_and_wait(qtbot, window, [str(closed)])
    assert window.session.path == closed
    assert GONE not in window.notice.text()
    assert window.profile_box.currentText() == "work2"
    assert window.session.profile_source().name == "work2"

    # Ctrl+N starts on New conversation's profile, under its new name, with its headers.
    window.new_conversation()
    assert window.session.conversation.profile == "gateway-prod"
    assert window.session.profile_source().headers == {"X-Route": "prod"}
    assert GONE not in window.notice.text()

    # Preferences shows the profile it names, not the default's entry.
    window.prefs.preferences_action.trigger()
    dialog = window.prefs.dialog
    assert dialog.profile.currentText() == "gateway-prod"
    # Its other choice is what New really does with none: the default, not "the one used last".
    assert dialog.profile.itemText(0) == "The default profile (Connections)"
    dialog.reject()


def test_ctrl_n_says_when_preferences_profile_is_gone(qtbot, window):
    # Settings saved before renames were carried: Preferences still names the old name.
    settings = window.context.settings
    settings.new_conversation = msgspec.structs.replace(settings.new_conversation,
                                                        profile="gateway-old")  # fmt: skip
    window.new_conversation()
    assert window.session.conversation.profile == "work"
    assert (
        "New conversation's profile 'gateway-old' (Preferences) is not among your profiles; "
        "this one uses 'work' (the default)"
    ) in window.notice.text()


def test_a_reply_made_before_the_rename_keeps_its_cost(qtbot, window, server):
    from decimal import Decimal

    from chatdesk.core.pricing import Prices, reply_cost
    from tests.support.fake_azure import Reply
    from tests.ui.test_main_window import type_and_send, wait_idle

    prices = Prices(Decimal("2000"), Decimal("1000"), Decimal("8000"))
    window.context.connections.profile("work").prices = {"gpt-4o": prices}
    window.profile_box.setCurrentIndex(window.profile_box.findText("work"))
    qtbot.waitUntil(lambda: window.session.budget is not None)  # counting for work's model
    server.enqueue(Reply(text="hello"))
    type_and_send(qtbot, window, "hi")
    qtbot.waitUntil(lambda: len(window.session.conversation) == 2, timeout=10_000)
    wait_idle(qtbot, window)
    reply = window.session.conversation[1]
    assert reply.meta.profile == "work"  # recorded when it was made; never rewritten
    expected = reply_cost(prices, reply.meta.usage)
    assert expected is not None
    _rename(qtbot, window, 0, "work2")
    assert window.session.conversation.profile == "work2"
    cost = window.session.model.reply_cost(reply)
    assert cost is not None
    assert cost.total == expected.total


def _preferences(window):
    window.prefs.preferences_action.trigger()
    dialog = window.prefs.dialog
    assert dialog is not None
    return dialog


def test_preferences_shows_the_default_standing_in_for_a_removed_profile(qtbot, window, tmp_path):
    """Session 11's list: after `gateway`, New conversation's profile, was removed in
    Connections, Preferences showed "The default profile (Connections)" as if chosen, Ctrl+N
    said to choose another in Preferences, and only an OK there, unasked, changed the setting."""
    window.show_connections()
    d = window.connection_dialog
    d.profile_list.setCurrentRow(1)
    remove_profile(d)
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()

    dialog = _preferences(window)
    offered = [dialog.profile.itemText(i) for i in range(dialog.profile.count())]
    assert offered == ["The default profile (Connections)", "work"]  # gateway is not offered
    assert dialog.profile.currentIndex() == 0
    assert dialog.profile_note.isVisible()
    assert dialog.profile_note.text() == (
        "'gateway', chosen before, is not among your profiles: new conversations use the "
        "default, 'work'. OK keeps this."
    )
    dialog.reject()  # looking changes nothing
    assert window.context.settings.new_conversation.profile == "gateway"

    dialog = _preferences(window)
    assert dialog.profile_note.isVisible()
    dialog.accept()  # OK keeps what it showed, though nothing was edited
    assert window.context.settings.new_conversation.profile is None
    on_disk = json.loads((tmp_path / "s.json").read_text())
    assert on_disk["new_conversation"]["profile"] is None
    window.new_conversation()
    assert window.session.conversation.profile == "work"
    assert GONE not in window.notice.text()
    dialog = _preferences(window)
    assert not dialog.profile_note.isVisible()
    dialog.reject()


def test_choosing_another_profile_takes_the_note_away(qtbot, window):
    settings = window.context.settings
    settings.new_conversation = msgspec.structs.replace(settings.new_conversation,
                                                        profile="gone")  # fmt: skip
    dialog = _preferences(window)
    assert dialog.profile_note.isVisible()
    dialog.profile.setCurrentIndex(dialog.profile.findText("gateway"))
    assert not dialog.profile_note.isVisible()
    dialog.accept()
    assert settings.new_conversation.profile == "gateway"


def test_preferences_names_a_renamed_profile_by_its_new_name(qtbot, window):
    # Settings from before renames were carried: Preferences names the old name.
    settings = window.context.settings
    settings.renamed_profiles = {"gateway-old": "gateway"}
    settings.new_conversation = msgspec.structs.replace(settings.new_conversation,
                                                        profile="gateway-old")  # fmt: skip
    dialog = _preferences(window)
    assert dialog.profile.currentText() == "gateway"  # it showed the default's entry
    assert not dialog.profile_note.isVisible()
    dialog.accept()
    assert settings.new_conversation.profile == "gateway"
