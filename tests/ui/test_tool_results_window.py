"""The tester's tool rounds in the real window (session 12): a reply asking for a tool that
has no result is answered with "Add tool result…", undoably, and Enter continues; a question
typed before that is refused before anything is sent, naming the call, the draft kept."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from chatdesk.ui.card_layout import available_actions
from tests.support.fake_azure import Reply
from tests.support.opening import open_and_wait
from tests.support.request_bodies import CALL_9, TOOL_ROUNDS_BODY, as_conversation


def open_rounds_with_call_9(qtbot, window, server, tmp_path):
    """The tester's file opened, Enter with an empty box, the model's call_9 back."""
    path = tmp_path / "rounds.json"
    path.write_text(json.dumps(as_conversation(TOOL_ROUNDS_BODY)))
    open_and_wait(qtbot, window, [str(path)])
    session = window.session
    qtbot.waitUntil(lambda: session.plan is not None, timeout=10_000)
    server.enqueue(Reply("", finish_reason="tool_calls", tool_calls=[CALL_9]))
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(server.requests) == 1 and not session.busy, timeout=10_000)
    qtbot.waitUntil(lambda: session.plan is not None, timeout=10_000)
    assert session.conversation[len(session.conversation) - 1].tool_calls == [CALL_9]
    return session


def enter(qtbot, window, text):
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def test_a_question_after_a_call_without_result_is_refused_naming_it(
    qtbot, window, server, tmp_path
):
    session = open_rounds_with_call_9(qtbot, window, server, tmp_path)
    count = len(session.conversation)
    enter(qtbot, window, "Berlin is 5 C, go on")
    problem = window.composer.problem.text()
    assert "Tool calls without results" in problem
    assert "get_weather (call_9)" in problem
    assert "Add tool result…" in problem
    assert window.composer.text() == "Berlin is 5 C, go on"  # the draft kept
    assert len(session.conversation) == count  # no question added
    assert len(server.requests) == 1  # nothing left
    enter(qtbot, window, "")  # Enter with an empty box: the call, not "ends in a reply"
    assert "get_weather (call_9)" in window.composer.problem.text()
    assert len(server.requests) == 1


def test_add_tool_result_answers_the_call_undoably_and_enter_continues(
    qtbot, window, server, tmp_path
):
    session = open_rounds_with_call_9(qtbot, window, server, tmp_path)
    row = session.model.rowCount() - 1
    assert "add_result" in available_actions(session.model, row)
    window.transcript.context_menu(row)
    labels = [a.text() for a in window.transcript.menu.actions()]
    assert "Add tool result…" in labels
    window.transcript.trigger_action("add_result", row)
    dialog = window.tool_result_dialog
    assert dialog.call.call_id == "call_9"
    assert '"city": "Berlin"' in dialog.arguments.toPlainText()
    assert dialog.arguments.isReadOnly()
    dialog.text.setPlainText('{"temperature": 5}')
    dialog.accept()
    assert window.composer.problem.text() == ""
    last = session.conversation[len(session.conversation) - 1]
    assert last.to_api() == {
        "role": "tool", "content": '{"temperature": 5}', "tool_call_id": "call_9"
    }  # fmt: skip
    assert "add_result" not in available_actions(session.model, row)
    session.undo_stack.undo()  # Ctrl+Z
    assert session.conversation[len(session.conversation) - 1].tool_calls == [CALL_9]
    session.undo_stack.redo()
    server.enqueue(Reply(text="Berlin is 5 °C."))
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(server.requests) == 2 and not session.busy, timeout=10_000)
    sent = server.requests[1].json["messages"]
    assert sent[-2]["tool_calls"] == [CALL_9]
    assert sent[-1] == {"role": "tool", "content": '{"temperature": 5}', "tool_call_id": "call_9"}
    assert session.conversation[len(session.conversation) - 1].content == "Berlin is 5 °C."
