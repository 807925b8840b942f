"""Tool turns and content parts in the window: shown as cards, counted by the meter and the
request preview, and kept whole when a message with images is edited and resent."""

from __future__ import annotations

import copy
import json

from PySide6.QtGui import QGuiApplication

from chatdesk.core.cards import shown_text
from chatdesk.ui.transcript_model import Roles
from tests.support.fake_azure import Reply
from tests.support.images import data_url, image_bytes
from tests.support.opening import open_and_wait
from tests.support.request_bodies import tool_turns_body, vision_body


def open_body(qtbot, window, tmp_path, body, name="body.json"):
    path = tmp_path / name
    path.write_text(json.dumps(body))
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    return window.session


def row_text(session, row):
    model = session.model
    return model.data(model.index(row, 0), Roles.Content)


def test_tool_calls_and_results_show_as_cards(qtbot, window, tmp_path):
    session = open_body(qtbot, window, tmp_path, tool_turns_body())
    texts = [row_text(session, r) for r in range(session.model.rowCount())]
    assert texts[0] == "What's the weather like in Boston today?"
    assert "**Tool call** `get_current_weather`" in texts[1]
    assert '"location": "Boston, MA"' in texts[1]
    assert texts[2].startswith("*For* `get_current_weather {\"location\": \"Boston, MA\", ")
    # The rendered row holds the card's text, not an empty bubble.
    window.transcript.viewport().repaint()
    delegate = window.transcript.itemDelegate()
    body = delegate.body(session.conversation[1], 400, False)
    assert "get_current_weather" in body.plain_text()


def test_meter_and_preview_count_tools_and_tool_turns(qtbot, window, tmp_path):
    session = open_body(qtbot, window, tmp_path, tool_turns_body())
    plan = session.plan
    counter = session.budget.counter
    tools = counter.count_tools(session.conversation.request_extra["tools"])[0]
    assert tools > 0
    assert plan.pinned_tokens == tools + counter.count_message(session.conversation.pinned()[0])
    assert plan.estimate  # the tool call's count is an estimate, and says so
    assert window.meter.summary.startswith("≈")
    assert "Counts are estimates: tool calls" in window.meter.view.toolTip()
    window.show_preview()
    preview = window.preview
    assert preview.rows[0][0] == "tools"
    total = sum(r[3] for r in preview.sent_rows) + 3
    assert total == plan.prompt_tokens
    preview.copy_json()  # the messages as sent, not the cards' text
    copied = json.loads(QGuiApplication.clipboard().text())
    expected = tool_turns_body()["messages"]
    assert copied == [{**expected[0], "role": "system"}, *expected[1:]]  # gpt-4o: no developer


def test_editing_a_message_with_images_keeps_them_when_resent(qtbot, window, server, tmp_path):
    body = vision_body()
    body["messages"] = body["messages"][:2]  # the system prompt and the user turn with images
    # A whole PNG (the body's header-only one is refused before sending: core/image_checks.py),
    # of a size gpt-4o reads whole, so it goes byte for byte.
    body["messages"][1]["content"][1]["image_url"]["url"] = data_url(image_bytes(768, 768))
    original = copy.deepcopy(body["messages"][1])
    session = open_body(qtbot, window, tmp_path, body)
    assert "**Image**" in shown_text(session.conversation[0])
    server.enqueue(Reply(text="A red square."))
    window.transcript.editRequested.emit(0)
    editor = window.inline_edit.editor
    assert editor.toPlainText() == "What is in these images?"  # the text alone is edited
    editor.setPlainText("What colour is the first image?")
    editor.submitted.emit(editor.toPlainText())
    qtbot.waitUntil(lambda: not session.busy and len(server.requests) == 1, timeout=10_000)
    sent = server.requests[0].json["messages"][-1]
    assert sent["content"][0] == {"type": "text", "text": "What colour is the first image?"}
    assert sent["content"][1:] == original["content"][1:]
    assert sent["x_client_note"] == "kept"


def test_a_streamed_tool_call_reply_shows_as_a_card_and_is_counted(qtbot, window, server, tmp_path):
    session = open_body(qtbot, window, tmp_path, tool_turns_body())
    function = {"name": "get_current_weather", "arguments": '{"location": "Oslo"}'}
    call = {"id": "call_2", "type": "function", "function": function}
    server.enqueue(Reply("", finish_reason="tool_calls", tool_calls=[call], chunk_size=3))
    window.composer.set_text("And in Oslo?")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not session.busy and len(server.requests) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: session.plan is not None, timeout=10_000)
    reply = session.conversation[len(session.conversation) - 1]
    assert reply.tool_calls == [call]
    assert reply.to_api()["content"] is None
    last = session.model.rowCount() - 1
    assert '"location": "Oslo"' in row_text(session, last)
    counter = session.budget.counter
    assert session.budget.ledger.count(len(session.conversation) - 1) == counter.count_message(
        reply
    )
    assert counter.count_message(reply) > 3 + counter.count_text("assistant")  # the call counts
    assert len(server.requests) == 1  # chatdesk never runs the tool
