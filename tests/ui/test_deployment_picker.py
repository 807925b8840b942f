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


def test_each_reply_is_priced_at_the_deployment_that_made_it(qtbot, window, server, tmp_path):
    # Reported: every reply was priced at the conversation's current deployment.
    from decimal import Decimal

    from chatdesk.core.pricing import Prices, format_cost, reply_cost
    from chatdesk.ui.card_layout import info_text
    from tests.support.fake_azure import Reply
    from tests.ui.test_main_window import type_and_send, wait_idle

    profile = window.context.connections.profile("work")
    dear, cheap = (
        Prices(Decimal("2000"), None, Decimal("8000")),
        Prices(Decimal("100"), None, Decimal("400")),
    )
    profile.prices = {"chat-prod": dear, "fast": cheap}
    window.refresh_profiles()
    qtbot.waitUntil(lambda: window.session.budget is not None)
    server.enqueue(Reply(text="from the big one"), Reply(text="from the fast one"))
    type_and_send(qtbot, window, "first")
    wait_idle(qtbot, window)
    pick(qtbot, window, "fast")
    qtbot.waitUntil(lambda: window.session.budget is not None)
    type_and_send(qtbot, window, "second")
    wait_idle(qtbot, window)
    conv = window.session.conversation
    first, second = conv[1].meta, conv[3].meta
    assert (first.deployment, second.deployment) == ("chat-prod", "fast")
    assert first.model
    assert second.model
    first_cost, second_cost = reply_cost(dear, first.usage), reply_cost(cheap, second.usage)
    model = window.session.model
    assert info_text(conv[1], None, model.reply_cost(conv[1])).endswith(
        format_cost(first_cost.total)
    )
    assert info_text(conv[3], None, model.reply_cost(conv[3])).endswith(
        format_cost(second_cost.total)
    )
    total = first_cost.total + second_cost.total
    qtbot.waitUntil(lambda: window.meter.cost_text.endswith(f"spent {format_cost(total)}"))
    # The file records each reply's deployment; a reply without one (an older file) is
    # priced at the conversation's deployment, as before.
    path = tmp_path / "priced.chatdesk.json"
    save_conversation(conv, path)
    raw = [m for m in json.loads(path.read_text(encoding="utf-8"))["messages"]
           if m["role"] == "assistant"]  # fmt: skip
    assert raw[0]["metadata"]["deployment"] == "chat-prod"
    assert raw[1]["metadata"]["deployment"] == "fast"
    conv[1].meta.deployment = None
    assert model.reply_cost(conv[1]) == reply_cost(cheap, first.usage)


def test_a_reply_continued_on_another_deployment_is_priced_part_by_part(
    qtbot, window, server, tmp_path
):
    # Reported: Continue on another deployment priced the whole reply at the new one.
    from decimal import Decimal

    from chatdesk.core.pricing import Prices, conversation_cost, format_cost, reply_cost
    from chatdesk.ui.card_layout import info_text
    from tests.support.fake_azure import Reply
    from tests.ui.test_main_window import type_and_send, wait_idle

    dear = Prices(Decimal("2000"), None, Decimal("8000"))
    cheap = Prices(Decimal("100"), None, Decimal("400"))
    window.context.connections.profile("work").prices = {"chat-prod": dear, "fast": cheap}
    window.refresh_profiles()
    qtbot.waitUntil(lambda: window.session.budget is not None)
    server.enqueue(
        Reply(text="Cut at the limit", finish_reason="length"), Reply(text=" and the rest.")
    )
    type_and_send(qtbot, window, "Tell me more")
    wait_idle(qtbot, window)
    pick(qtbot, window, "fast")
    qtbot.waitUntil(lambda: window.session.budget is not None)
    window.continue_action.trigger()
    wait_idle(qtbot, window)
    assert [r.json["model"] for r in server.requests] == ["chat-prod", "fast"]
    conv = window.session.conversation
    reply = conv[1]
    assert reply.content == "Cut at the limit and the rest."
    first, second = reply.meta.usage_parts
    expected = reply_cost(dear, first).total + reply_cost(cheap, second).total
    model = window.session.model
    assert model.reply_cost(reply).total == expected
    assert info_text(reply, None, model.reply_cost(reply)).endswith(format_cost(expected))
    qtbot.waitUntil(lambda: window.meter.cost_text.endswith(f"spent {format_cost(expected)}"))
    # The file keeps where each part was made: read back, the reply costs the same.
    path = tmp_path / "continued.chatdesk.json"
    save_conversation(conv, path)
    again = load_conversation(path).conversation
    assert conversation_cost(model.prices, again.messages()).total == expected


def test_the_wheel_over_the_toolbar_box_does_not_switch_the_deployment(qtbot, window):
    # Tester, session 13: one notch over "gpt-5 (default)" moved the conversation to chat-prod.
    from tests.ui.test_wheel_guard import notch

    qtbot.waitUntil(lambda: window._painted, timeout=10_000)  # the guard comes with the paint
    box = window.deployment_box
    for down in (True, True, False):
        notch(box, down=down)
    assert box.currentText() == "chat-prod (default)"
    assert window.session.conversation.deployment in (None, "chat-prod")
    assert not window.session.modified
