"""The window names an unsaved conversation after its first exchange, with no request."""

from __future__ import annotations

from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle


def test_the_sidebar_shows_the_first_question_as_the_title(qtbot, window, server):
    assert window.sidebar.list.item(0).text() == "New conversation"
    server.enqueue(Reply(text="Use the portal's Keys page."))
    type_and_send(qtbot, window, "How do I **rotate** an Azure OpenAI key?\n\nThanks")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: "rotate" in window.sidebar.list.item(0).text())
    assert window.sidebar.list.item(0).text().endswith("How do I rotate an Azure OpenAI key?")
    # The title is made here: the only request sent is the chat itself.
    assert len(server.requests) == 1
