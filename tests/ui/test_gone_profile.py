"""A conversation whose connection profile was removed (tester's report, item 2): Remove asks,
and the conversation then says which profile it names and which one it uses — on opening, and
when it was open while the profile was removed. The real window and dialog, offscreen."""

from __future__ import annotations

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
from tests.support.connection_dialog import remove_profile
from tests.support.opening import open_and_wait

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

KEY = "k3y-for-tests-0123456789abcdef"
GONE = "This conversation's profile 'Staging' is not among your profiles; it uses 'Work'"


@pytest.fixture
def window(qtbot, server, tmp_path):
    # Alpha is listed first, Work is the default: the stand-in is Work, not the first listed.
    profiles = [
        ConnectionProfile(name, "azure-v1", server.url, "gpt-4o")
        for name in ("Alpha", "Work", "Staging")
    ]
    settings = Settings(profiles=profiles, active_profile="Work")
    store = MemorySecretStore()
    for profile in profiles:
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


def _remove_staging(qtbot, window) -> None:
    window.show_connections()
    d = window.connection_dialog
    d.profile_list.setCurrentRow(2)
    assert "Remove profile 'Staging'?" in remove_profile(d)
    with qtbot.waitSignal(d.profilesChanged):
        d.save_btn.click()
    assert window.context.settings.active_profile == "Work"


def test_a_file_of_a_removed_profile_opens_saying_so(qtbot, window, tmp_path):
    path = tmp_path / "staging.chatdesk.json"  # made under Staging
    history = [Message("user", "Hello"), Message("assistant", "Hi.")]
    save_conversation(Conversation(history=history, profile="Staging"), path)
    _remove_staging(qtbot, window)
    open_and_wait(qtbot, window, [str(path)])
    assert window.session.path == path
    assert GONE in window.notice.text()
    assert window.profile_box.currentText() == "Work"  # the one it is sent with
    assert window.session.profile_source().name == "Work"


def test_an_open_conversation_of_a_removed_profile_says_so(qtbot, window):
    window.profile_box.setCurrentIndex(window.profile_box.findText("Staging"))
    assert window.session.conversation.profile == "Staging"
    assert window.context.settings.active_profile == "Work"  # the toolbar's pick is this one's
    _remove_staging(qtbot, window)
    assert GONE in window.notice.text()
    assert window.profile_box.currentText() == "Work"
