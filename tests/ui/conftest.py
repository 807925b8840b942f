"""A main window wired to the loopback Azure server, with a key in a memory store."""

from __future__ import annotations

import pytest

from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.core.tokens import TokenCounter
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.context import AppContext
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import FakeAzure

KEY = "k3y-for-tests-0123456789abcdef"


def _count(messages: list[dict]) -> int:
    counter = TokenCounter("o200k_base")
    return counter.count_prompt([Message.from_raw(m) for m in messages])


@pytest.fixture
def server():
    with FakeAzure(api_key=KEY, prompt_counter=_count) as srv:
        yield srv


@pytest.fixture
def context(server, tmp_path):
    profile = ConnectionProfile(
        name="test", kind="azure-v1", endpoint=server.url, deployment="gpt-4o"
    )
    settings = Settings(profiles=[profile], active_profile="test")
    store = MemorySecretStore()
    store.set("test", Secret(KEY))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(
        connections.credentials,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        notes=settings.deployments,  # as the window's own service shares them
    )
    return AppContext(settings, connections, service, settings_path=tmp_path / "settings.json")


@pytest.fixture
def window(qtbot, context):
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win.session.budget is not None, timeout=10_000)
    yield win
    for session in win.sessions:
        session.set_modified(False)  # nothing to ask about when the test closes the window
        session.shutdown()
