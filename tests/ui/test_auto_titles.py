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


def test_deleting_the_only_question_does_not_name_the_conversation_after_its_reply(
    qtbot, window, server
):
    # Reported: with one question and its reply, deleting the question made the title "You
    # said: hi from second" (the reply's text).
    from chatdesk.core.library import Library

    server.enqueue(Reply(text="You said: hi from second"))
    type_and_send(qtbot, window, "hi from second")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: "hi from second" in titles(window), timeout=10_000)
    session = window.session
    session.delete(0)
    assert session.display_name() == "New conversation"
    assert window.windowTitle().startswith("New conversation")
    qtbot.waitUntil(lambda: not session.modified, timeout=10_000)  # written to the library
    [entry] = Library(window.context.library.folder).entries()
    assert entry.title == "New conversation"
    qtbot.waitUntil(lambda: "New conversation" in titles(window), timeout=10_000)
    assert not any(t.startswith("You said") for t in titles(window))
    # The reply left alone is sent like a greeting that opens a conversation: "Drop whole
    # turns" cuts only a history that does not fit (session 11), and the meter says nothing
    # is left out.
    assert window.meter.note == ""
    server.enqueue(Reply(text="ok"))
    type_and_send(qtbot, window, "a new question")
    wait_idle(qtbot, window)
    roles = [m["role"] for m in server.last_request.json["messages"]]
    assert roles == ["system", "assistant", "user"]
