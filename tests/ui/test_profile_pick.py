"""The toolbar's "Connection:" box picks the profile of the conversation shown, and no more:
the default (what Connections marks "(default)" and new conversations start on) stays as
Connections' "Use for new conversations" set it, in the window and after a restart; the
pick is saved with the conversation, where `chatdesk send` reads it."""

from __future__ import annotations

import json

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.paths import settings_path
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, load_settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.context import AppContext
from tests.support.fake_azure import Reply
from tests.ui.conftest import KEY
from tests.ui.test_main_window import type_and_send, wait_idle
from tests.ui.test_session_restore import close, launch


def make_context(settings: Settings) -> AppContext:
    store = MemorySecretStore()
    for profile in settings.profiles:
        store.set(profile.name, Secret(KEY))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(connections.credentials, retry=RetryPolicy(base_delay=0.01))
    return AppContext(settings, connections, service, settings_path=settings_path())


@pytest.fixture
def context(server):
    profiles = [
        ConnectionProfile("Work", "azure-v1", server.url, "gpt-4o"),
        ConnectionProfile("Other", "azure-v1", server.url, "gpt-4o-mini"),
    ]
    return make_context(Settings(profiles=profiles, active_profile="Work"))


def pick(window, name):
    window.profile_box.setCurrentIndex(window.profile_box.findText(name))


def test_picking_in_the_toolbar_changes_this_conversation_not_the_default(
    qtbot, context, server, tmp_path, monkeypatch, capsys
):
    window = launch(qtbot, context)
    first = window.session
    pick(window, "Other")
    assert first.conversation.profile == "Other"
    assert context.settings.active_profile == "Work"  # Connections still marks Work "(default)"
    qtbot.waitUntil(lambda: first.budget is not None, timeout=10_000)
    server.enqueue(Reply(text="from the mini"))
    type_and_send(qtbot, window, "hello")
    qtbot.waitUntil(lambda: len(server.requests) == 1, timeout=10_000)
    wait_idle(qtbot, window)
    assert server.last_request.json["model"] == "gpt-4o-mini"  # sent with the one picked

    new = window.new_conversation()  # a new conversation starts on the default
    assert new.conversation.profile == "Work"
    assert window.profile_box.currentText() == "Work"
    window.activate(first)
    assert window.profile_box.currentText() == "Other"
    window.activate(new)
    qtbot.waitUntil(lambda: first.path is not None and not first.modified, timeout=10_000)
    close(window)
    assert load_settings().settings.active_profile == "Work"

    # The returning user: the conversation keeps its pick; a new one starts on the default.
    again = launch(qtbot, make_context(load_settings().settings))
    back = next(s for s in again.sessions if s.path == first.path)
    again.activate(back)
    assert back.conversation.profile == "Other"
    assert again.profile_box.currentText() == "Other"
    again.new_conversation()
    assert again.profile_box.currentText() == "Work"
    close(again)

    # `chatdesk send` reads the pick from the conversation's file, as before; the default
    # it never used (a file naming no profile needs --profile or the environment's).
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    saved = json.loads(first.path.read_text(encoding="utf-8"))
    assert saved["profile"] == "Other"
    saved["messages"].append({"role": "user", "content": "and then?"})
    path = tmp_path / "asked.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    capsys.readouterr()
    assert run_send([str(path), "--dry-run"]) == 0
    assert '"model": "gpt-4o-mini"' in capsys.readouterr().out
