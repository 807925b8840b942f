"""Issue 15 item 2 on the real window: Regenerate and edit-and-resend keep earlier versions;
the version shown is the one sent next; the file keeps them all."""

from __future__ import annotations

from chatdesk.core import alternatives
from chatdesk.core.fileformat import load_conversation, save_conversation
from tests.support.fake_azure import Fail, Reply
from tests.ui.test_main_window import contents, type_and_send, wait_idle


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

