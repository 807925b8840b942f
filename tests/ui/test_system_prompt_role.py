"""The system prompt editor says which role the next request sends the prompt as (session 13
tester): the request's own rule decides (the model's catalog row, what the deployment refused,
the API), the editor only says it, and says it again when the deployment changes. The real
window offscreen against the loopback server."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.profile_deployments import Deployment
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import AzureModel


@pytest.fixture
def context(context, server):
    """The conftest's connection with three deployments: a chat model, o1-mini (which takes
    neither a system nor a developer message) and gpt-5."""
    profile = context.settings.profiles[0]
    profile.deployments = [
        Deployment("gpt-4o", "gpt-4o"), Deployment("mini", "o1-mini"), Deployment("five", "gpt-5"),
    ]  # fmt: skip
    server.deployments = None
    server.models["mini"] = AzureModel.o1_mini()
    server.models["five"] = AzureModel.gpt5()
    return context


def sent_as(window) -> str:
    label = window.system_editor.sent_as
    assert label.isVisible()
    return label.text()


def pick(qtbot, window, name: str) -> None:
    box = window.deployment_box
    box.setCurrentIndex(box.findData(name))
    box.activated.emit(box.currentIndex())  # as a click on the item does
    qtbot.waitUntil(lambda: window.session.budget is not None, timeout=10_000)


def send(qtbot, window, text):
    window.composer.input.setFocus()
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)


def test_the_editor_says_the_role_and_follows_the_deployment(qtbot, window, server):
    window.side.setCurrentWidget(window.system_editor)
    window.system_editor.edit.setPlainText("Answer in one sentence.")
    assert sent_as(window) == "Sent as the system message."

    pick(qtbot, window, "mini")
    assert sent_as(window) == (
        "Sent at the start of the first user message: o1-mini takes no system or developer "
        "message."
    )
    send(qtbot, window, "Hello")  # and the request does what the editor said
    first = server.requests[-1].json["messages"][0]
    assert first["role"] == "user"
    assert first["content"].startswith("Answer in one sentence.")

    pick(qtbot, window, "gpt-4o")
    assert sent_as(window) == "Sent as the system message."


def test_a_file_s_developer_message_is_said_and_sent_as_one(qtbot, context, tmp_path):
    path = tmp_path / "agent.json"
    body = {"messages": [{"role": "developer", "content": "Be terse."}]}
    path.write_text(json.dumps(body), encoding="utf-8")
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([str(path)])
    win.show()
    qtbot.waitUntil(lambda: win.session.budget is not None and not win.session.loading)
    try:
        win.side.setCurrentWidget(win.system_editor)
        # gpt-4o takes no developer message: the request turns it into the system one.
        assert sent_as(win) == "Sent as the system message: gpt-4o takes no developer message."
        pick(qtbot, win, "five")
        assert sent_as(win) == "Sent as the developer message."
    finally:
        for session in win.sessions:
            session.set_modified(False)
            session.shutdown()


def test_a_refused_system_role_is_said_after_the_deployment_taught_it(qtbot, window, server):
    server.models["gpt-4o"] = AzureModel(roles=frozenset({"developer", "user", "assistant"}))
    window.side.setCurrentWidget(window.system_editor)
    window.system_editor.edit.setPlainText("Answer in one sentence.")
    send(qtbot, window, "Hello")
    assert server.requests[-1].json["messages"][0]["role"] == "developer"
    assert sent_as(window) == (
        "Sent as the developer message: deployment gpt-4o refused the system role."
    )


def test_the_responses_api_takes_it_as_instructions(window):
    window.side.setCurrentWidget(window.system_editor)
    window.system_editor.edit.setPlainText("Answer in one sentence.")
    api = window.params_panel.api_mode.api
    api.setCurrentIndex(api.findData("responses"))
    assert sent_as(window) == "Sent as the Responses API's instructions, ahead of the input."


def test_an_empty_prompt_is_said_to_send_nothing(window):
    window.side.setCurrentWidget(window.system_editor)
    window.system_editor.edit.setPlainText("")
    assert sent_as(window) == (
        "No system prompt: the request starts with the examples and the history."
    )


def test_the_role_is_offered_where_the_model_takes_either_and_the_request_follows_it(
    qtbot, window, server
):
    editor = window.system_editor
    window.side.setCurrentWidget(editor)
    editor.edit.setPlainText("Answer in one sentence.")
    assert not editor.role_box.isVisible()  # gpt-4o takes the system role only
    pick(qtbot, window, "five")
    assert editor.role_box.isVisible()
    assert editor.role_box.currentText() == "system"
    editor.role_box.setCurrentText("developer")
    editor.role_box.activated.emit(editor.role_box.currentIndex())  # as a click on it does
    assert sent_as(window) == "Sent as the developer message."
    send(qtbot, window, "Hello")
    assert server.requests[-1].json["messages"][0] == {
        "role": "developer", "content": "Answer in one sentence."
    }
    window.session.undo_stack.undo()  # (sending is no undo step): the choice is undone
    assert window.session.conversation.system_role == "system"
    assert editor.role_box.currentText() == "system"
    assert sent_as(window) == "Sent as the system message."
    pick(qtbot, window, "gpt-4o")
    assert not editor.role_box.isVisible()
