"""A main window wired to the loopback Azure server, with a key in a memory store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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
from chatdesk.ui.transcript_view import TranscriptView
from chatdesk.ui.worker import jobs_running
from tests.support.connection_dialog import EntraFactory, Harness
from tests.support.fake_azure import FakeAzure
from tests.support.transcript import settle, transcript_model

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


# -- the connection dialog (tests/ui/test_connection_*.py)


@pytest.fixture
def make_dialog(qtbot) -> Iterator[Callable[..., Harness]]:
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
    qtbot.waitUntil(lambda: not jobs_running(), timeout=5000)


@pytest.fixture
def azure_server() -> Iterator[FakeAzure]:
    with FakeAzure(api_key="test-key", bearer_tokens={"entra-token"}) as srv:
        yield srv


# -- the transcript view (tests/ui/test_transcript_*.py)


@pytest.fixture
def make_view(qtbot):
    def make(messages: list[Message], width: int = 640, height: int = 900) -> TranscriptView:
        view = TranscriptView()
        qtbot.addWidget(view)
        view.setModel(transcript_model(messages))
        view.linkActivated.disconnect(view.open_link)  # never launch a browser from a test
        view.resize(width, height)
        view.show()
        qtbot.waitExposed(view)
        settle()
        return view

    return make
