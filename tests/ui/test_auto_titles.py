"""The window names an unsaved conversation after its first exchange, with no request."""

from __future__ import annotations

from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle


def titles(window):
    model = window.sidebar.library_model
    return [model.index(r).data() for r in range(model.rowCount())]


def test_the_sidebar_shows_the_first_question_as_the_title(qtbot, window, server):
    # Nothing in it yet: not listed (a new conversation is listed once it is written).
    qtbot.waitUntil(lambda: window.sidebar.jobs is not None, timeout=10_000)
    assert "New conversation" not in titles(window)
    server.enqueue(Reply(text="Use the portal's Keys page."))
    type_and_send(qtbot, window, "How do I **rotate** an Azure OpenAI key?\n\nThanks")
    wait_idle(qtbot, window)
    qtbot.waitUntil(
        lambda: any(t.endswith("How do I rotate an Azure OpenAI key?") for t in titles(window))
    )
    # The title is made here: the only request sent is the chat itself.
    assert len(server.requests) == 1
