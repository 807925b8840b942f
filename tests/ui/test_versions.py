"""Issue 15 item 2 on the real window: Regenerate and edit-and-resend keep earlier versions;
the version shown is the one sent next; the file keeps them all."""

from __future__ import annotations

import time

from chatdesk.core import alternatives
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.library import iso_time
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.card_layout import available_actions
from tests.support.fake_azure import Fail, Reply
from tests.support.request_bodies import tool_turns_body
from tests.ui.test_library_sidebar import DAY, add, reload, rows
from tests.ui.test_main_window import contents, type_and_send, wait_idle
from tests.ui.test_tool_turns import open_body, row_text


def test_regenerate_keeps_each_reply_and_the_one_shown_is_sent(qtbot, window, server, tmp_path):
    server.enqueue(Reply("first"), Reply("second"), Reply("third"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    for _ in range(2):
        window.regenerate_action.trigger()
        wait_idle(qtbot, window)
    session = window.session
    assert contents(window) == [("user", "hello"), ("assistant", "third")]
    assert alternatives.position(session.conversation[1]) == (3, 3)
    session.show_version(1, 0)
    assert contents(window) == [("user", "hello"), ("assistant", "first")]
    assert session.model.rowCount() == 2
    server.enqueue(Reply("ok"))
    type_and_send(qtbot, window, "and then?")
    wait_idle(qtbot, window)
    sent = [m["content"] for m in server.last_request.json["messages"][1:]]
    assert sent == ["hello", "first", "and then?"]

    path = tmp_path / "versions.chatdesk.json"
    save_conversation(session.conversation, path)
    again = load_conversation(path).conversation
    assert alternatives.position(again[1]) == (1, 3)
    assert [m.content for m in alternatives.flipped(again.messages(1), 2)] == ["third"]


def test_a_regenerate_that_fails_gives_the_old_reply_back(qtbot, window, server):
    server.enqueue(Reply("kept"), Fail.unauthorized())
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    window.regenerate_action.trigger()
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "hello"), ("assistant", "kept")]
    assert window.session.conversation[1].meta.alternatives is None
    assert window.session.conversation[0].meta.error


def test_edit_and_resend_keeps_the_old_question_and_its_turns(qtbot, window, server):
    server.enqueue(Reply("a1"), Reply("a2"), Reply("a1 again"))
    for text in ("q1", "q2"):
        type_and_send(qtbot, window, text)
        wait_idle(qtbot, window)
    session = window.session
    session.edit_and_resend(0, "q1 edited")
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "q1 edited"), ("assistant", "a1 again")]
    assert alternatives.position(session.conversation[0]) == (2, 2)
    session.show_version(0, 0)
    assert contents(window) == [("user", "q1"), ("assistant", "a1"), ("user", "q2"),
                                ("assistant", "a2")]  # fmt: skip
    assert session.plan.history_len == 4  # the meter follows the version shown



def test_regenerate_on_a_tool_call_card_keeps_the_calls_and_results_as_a_version(
    qtbot, window, server, tmp_path
):
    """Tester: Regenerate on an agent's tool-call card replaced the calls and the results
    after them. It follows the rule of any reply: they are kept as the version before, with
    ‹ 1/2 › on the new reply to flip back; that version is sent again as it was."""
    session = open_body(qtbot, window, tmp_path, tool_turns_body())
    row = session.model.last_assistant_row()
    assert "regenerate" in available_actions(session.model, row)  # on the tool-call card
    server.enqueue(Reply("Sunny, 22 °C."))
    window.transcript.regenerateRequested.emit(row)  # the card's Regenerate
    qtbot.waitUntil(lambda: len(server.requests) == 1, timeout=10_000)
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "What's the weather like in Boston today?"),
                                ("assistant", "Sunny, 22 °C.")]  # fmt: skip
    index = session.model.history_index(row)
    assert alternatives.position(session.conversation[index]) == (2, 2)
    assert {"version_prev", "version_next"} <= set(available_actions(session.model, row))
    session.show_version(index, 0)
    expected = tool_turns_body()["messages"][1:]
    assert [m.to_api() for m in session.conversation] == expected
    assert row_text(session, row + 1).startswith("*For* `get_current_weather {")
    server.enqueue(Reply("It is sunny."))
    window.send_action.trigger()  # the results are sent again, as they were
    qtbot.waitUntil(lambda: len(server.requests) == 2 and not session.busy, timeout=10_000)
    assert server.requests[1].json["messages"][-2:] == expected[-2:]


def library_conversation(library, now):
    """A conversation whose reply was regenerated an hour ago (version 2 of 2, shown); its
    first reply is two days old."""
    conv = Conversation(title="Regenerated")
    conv.created_at = iso_time(now - 2 * DAY)
    conv.append(Message("user", "q", meta=MessageMeta(created_at=iso_time(now - 2 * DAY))))
    first = Message("assistant", "first", meta=MessageMeta(created_at=iso_time(now - 2 * DAY)))
    second = Message("assistant", "second", meta=MessageMeta(created_at=iso_time(now - 3600)))
    second.meta.alternatives = alternatives.after_replacing([first])
    conv.append(second)
    return library.create(conv).id


def test_flipping_versions_keeps_the_library_row_where_it_is(qtbot, window):
    """Tester: flipping ‹ 1/2 › of a library conversation moved its row in the sidebar (to
    the top, flipping back) as if it were a new edit. The flip is saved (the version shown
    is the one sent next), but the conversation's last activity is its newest version's,
    whichever is shown: the row stays."""
    library, now = window.context.library, time.time()
    id = library_conversation(library, now)
    add(library, "Yesterday", now - DAY)
    reload(qtbot, window, "Yesterday")
    model = window.sidebar.library_model
    order = [label for _kind, label in rows(model)]
    assert order.index("Regenerated") < order.index("Yesterday")
    session = window.library_link.open(id)
    qtbot.waitUntil(lambda: not session.loading and session.plan is not None, timeout=10_000)
    for version, text in ((0, "first"), (1, "second")):
        session.show_version(1, version)
        qtbot.waitUntil(lambda: not session.modified, timeout=10_000)  # written
        assert library.load(id).conversation[1].content == text
        reload(qtbot, window, "Yesterday")
        assert [label for _kind, label in rows(model)] == order
