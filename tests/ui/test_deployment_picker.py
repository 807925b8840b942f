"""Deployments per conversation in the window (issue 17, item 7): the toolbar picks one of the
profile's deployments, the meter counts with its model, the request goes to it and the file
records it. The real window offscreen against the loopback server."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.profile_deployments import Deployment
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.context import AppContext
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import AzureModel, FakeAzure

KEY = "k3y-for-tests-0123456789abcdef"


@pytest.fixture
def server():
    with FakeAzure(api_key=KEY, deployments={"chat-prod", "fast", "reasoner"}) as srv:
        srv.models["reasoner"] = AzureModel.gpt5()
        yield srv


@pytest.fixture
def window(qtbot, server, tmp_path):
    profile = ConnectionProfile(
        "work", "azure-v1", server.v1_base_url, "chat-prod",
        deployments=[Deployment("chat-prod", "gpt-4o"), Deployment("fast", "gpt-4.1-mini"),
                     Deployment("reasoner", "gpt-5")],
    )  # fmt: skip
    settings = Settings(profiles=[profile], active_profile="work")
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
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


def pick(qtbot, window, name: str) -> None:
    box = window.deployment_box
    box.setFocus()
    box.setCurrentIndex(box.findData(name))
    box.activated.emit(box.currentIndex())  # as a click on the item does


def test_the_toolbar_lists_the_profile_s_deployments(window):
    box = window.deployment_box
    assert [box.itemData(i) for i in range(box.count())] == ["chat-prod", "fast", "reasoner"]
    assert box.currentText() == "chat-prod (default)"
    assert box.isEnabled()
    assert box.isVisible()
    assert "gpt-5: 400,000-token window" in box.itemData(2, Qt.ItemDataRole.ToolTipRole)


def test_a_picked_deployment_is_sent_to_counted_with_its_model_and_saved(
    qtbot, window, server, tmp_path
):
    assert window.session.budget.family.key == "gpt-4o"
    pick(qtbot, window, "reasoner")
    conv = window.session.conversation
    assert conv.deployment == "reasoner"
    assert window.session.modified
    qtbot.waitUntil(lambda: window.session.budget is not None, timeout=10_000)
    assert window.session.budget.family.key == "gpt-5"  # the meter's limits follow it
    assert window.session.budget.family.context_window == 400_000

    window.composer.set_text("Hello")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    (request,) = server.requests
    assert request.json["model"] == "reasoner"
    assert "max_tokens" not in request.json  # gpt-5's parameters from the first request

    path = tmp_path / "chat.chatdesk.json"
    save_conversation(conv, path)
    assert json.loads(path.read_text())["deployment"] == "reasoner"
    assert load_conversation(path).conversation.deployment == "reasoner"


def test_another_conversation_keeps_its_own_deployment(qtbot, window):
    pick(qtbot, window, "fast")
    first = window.session
    second = window.new_conversation()
    assert second.conversation.deployment is None
    assert window.deployment_box.currentText() == "chat-prod (default)"
    window.activate(first)
    assert window.deployment_box.currentData() == "fast"


def test_choosing_the_default_again_records_none(qtbot, window):
    pick(qtbot, window, "fast")
    pick(qtbot, window, "chat-prod")
    assert window.session.conversation.deployment is None

