"""The window in Responses mode (issue 20): the API group of the parameters panel, the
Reasoning part of a reply, the meter beside the service's count, a lost stored response."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.fileformat import to_document
from chatdesk.ui.transcript_model import badges
from tests.support.fake_azure import Reply


@pytest.fixture
def context(context):
    """The conftest's connection, its deployment declared to serve a reasoning model."""
    context.settings.profiles[0].model = "o4-mini"
    return context


def send(qtbot, window, text):
    window.composer.input.setFocus()
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=15_000)


def choose(box, value):
    box.setCurrentIndex(box.findData(value))


def test_the_panel_sets_the_mode_and_the_reply_shows_its_reasoning(qtbot, window, server):
    panel = window.params_panel
    group = panel.api_mode
    assert group.api.currentText() == "Default (Chat Completions)"
    assert not group.history.isEnabled()  # Responses only
    choose(group.api, "responses")
    assert group.history.isEnabled()
    choose(group.history, "service")
    choose(group.summary, "auto")
    conv = window.session.conversation
    assert (conv.api, conv.history_keeper, conv.params.reasoning_summary) == (
        "responses", "service", "auto"
    )

    server.enqueue(Reply("Paris.", summary=["The user asks for a capital.", "It is Paris."]))
    send(qtbot, window, "Capital of France?")
    request = server.requests[-1]
    assert request.path == "/openai/v1/responses"
    assert request.json["store"] is True
    assert request.json["reasoning"] == {"summary": "auto"}
    reply = conv[1]
    assert reply.content == "Paris."
    assert reply.meta.reasoning_summary == ["The user asks for a capital.", "It is Paris."]

    model = window.session.model
    closed = badges(reply, reasoning_shown=model.reasoning_shown(1))[0]
    assert (closed.text, closed.action) == ("Reasoning — Show", "reasoning")
    window.transcript.trigger_action("reasoning", 1)
    opened = badges(reply, reasoning_shown=model.reasoning_shown(1))[0]
    assert opened.text == (
        "Reasoning\nThe user asks for a capital.\n\nIt is Paris.\n— Hide"
    )
    index = model.index(1)
    assert "It is Paris." in window.transcript.delegate.footer_items(index)[1].text
    assert "The user asks" not in json.dumps(window.session.conversation[1].to_api())

    # The next request continues on the service; the meter shows both counts.
    send(qtbot, window, "And of Italy?")
    second = server.requests[-1].json
    assert second["previous_response_id"] == reply.meta.response_id
    assert second["input"] == [{"role": "user", "content": "And of Italy?"}]
    assert window.meter.view.usage.startswith("service counted ")
    assert " · chatdesk " in window.meter.view.usage

    document = to_document(conv)
    assert (document["api"], document["history"]) == ("responses", "service")
    saved = [m["metadata"] for m in document["messages"] if m["role"] == "assistant"]
    assert saved[0]["response_id"] == reply.meta.response_id
    assert saved[0]["reasoning_summary"] == ["The user asks for a capital.", "It is Paris."]


def test_a_lost_stored_response_is_said_in_one_line(qtbot, window, server):
    group = window.params_panel.api_mode
    choose(group.api, "responses")
    choose(group.history, "service")
    send(qtbot, window, "First")
    server.stored_responses.clear()
    notices: list[str] = []
    window.session.notice.connect(notices.append)
    send(qtbot, window, "Second")
    assert any("no longer has the stored response" in n for n in notices)
    assert window.session.conversation[3].content == "You said: Second"
    assert "previous_response_id" not in server.requests[-1].json
