"""How a reply ended, on the real window (tester, session 14): a reply the service failed over
an intact stream is not badged "Connection dropped"; a reply stopped by the user offers
Continue on its card, and once continued it keeps how it was made and both requests' time."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.fileformat import dumps, loads, to_document
from chatdesk.ui.card_layout import available_actions, info_text
from chatdesk.ui.transcript_model import badges
from tests.support.fake_azure import Reply
from tests.support.fake_responses import Failed
from tests.ui.test_main_window import type_and_send, wait_idle


def reopened(conv):
    """The conversation as saved and opened again."""
    return loads(dumps(conv)).conversation


def notes(message):
    return [badge.text for badge in badges(message)]


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_reply_the_service_failed_is_said_to_be_failed_by_it(qtbot, window, server, api):
    """Responses: `response.failed`; Chat Completions: an `error` event in the stream. Both
    after some text, over a connection that stayed up."""
    if api == "responses":
        window.session.conversation.api = "responses"
    server.enqueue(Failed(text_before="Partial answer before the failure "))
    type_and_send(qtbot, window, "Now fail please")
    wait_idle(qtbot, window)
    reply = window.session.conversation[1]
    assert server.requests[-1].path.endswith("/responses") == (api == "responses")
    assert reply.content == "Partial answer before the failure "
    assert notes(reply) == [
        "The service could not finish the reply — it is partial",
        "The service could not finish the reply: The model produced invalid content. Consider "
        "modifying your prompt. (server_error) Send it again to try once more. — Retry",
    ]
    # Saved and opened again, it still says so.
    again = reopened(window.session.conversation)
    assert notes(again[1])[0] == "The service could not finish the reply — it is partial"


def test_a_dropped_connection_is_still_said_to_be_one(qtbot, window, server):
    server.enqueue(Reply("Half an answer", chunk_size=4, drop_after=2))
    type_and_send(qtbot, window, "go")
    wait_idle(qtbot, window)
    assert notes(window.session.conversation[1])[0] == "Connection dropped — the reply is partial"


def test_stop_then_continue_keeps_how_the_reply_was_made(qtbot, window, server):
    server.enqueue(Reply(text="word " * 200, chunk_size=5, delay=0.05))
    type_and_send(qtbot, window, "Tell me a long story")
    session = window.session
    qtbot.waitUntil(lambda: len(session.conversation) == 2
                    and bool(session.conversation[1].content), timeout=5000)  # fmt: skip
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Escape)
    wait_idle(qtbot, window)
    reply = session.conversation[1]
    first_time, stopped_text = reply.meta.latency_ms, reply.content
    assert reply.meta.stopped
    assert first_time is not None
    assert reply.meta.usage is None
    # The card offers Continue on a reply stopped by the user, as on one cut at the limit.
    stopped = badges(reply)[0]
    assert (stopped.text, stopped.action) == ("Stopped by you — Continue", "continue")
    assert "continue" in available_actions(session.model, 1)

    server.enqueue(Reply(text=" The end.", completion_tokens=3))
    window.transcript.trigger_action("continue", 1)  # the badge's link
    wait_idle(qtbot, window)
    assert reply.content == stopped_text + " The end."
    assert reply.meta.finish_reason == "stop"
    assert not reply.meta.stopped
    # How it was made stays said, and the footer has both requests' time.
    assert notes(reply) == ["Stopped by you, then continued"]
    assert reply.meta.latency_ms > first_time  # the continuation's time added to the first's
    assert info_text(reply, 400).endswith(
        " · completion 3 · 2 requests (1 without usage) · "
        f"{reply.meta.latency_ms / 1000:.1f} s"
    )
    saved = to_document(session.conversation)["messages"][-1]["metadata"]
    assert saved["continued"] == ["stopped"]
    assert notes(reopened(session.conversation)[1]) == notes(reply)


def test_a_reply_stopped_before_its_first_word_offers_no_continue(qtbot, window, server):
    from tests.support.fake_azure import Hang

    server.enqueue(Hang(5))
    asked = len(server.requests)
    type_and_send(qtbot, window, "stopped at once")
    qtbot.waitUntil(lambda: len(server.requests) > asked, timeout=5000)
    window.stop_action.trigger()
    wait_idle(qtbot, window)
    server.release()
    reply = window.session.conversation[1]
    assert reply.content == ""
    assert reply.meta.stopped
    assert notes(reply)[0] == "Stopped by you"
    assert "continue" not in available_actions(window.session.model, 1)


def test_the_shortcut_list_says_continue_goes_on_from_a_stop():
    from chatdesk.ui.window_menus import SHORTCUTS

    assert ("Continue a reply stopped by you or cut at the length limit",
            "Ctrl+Shift+Enter") in SHORTCUTS  # fmt: skip
