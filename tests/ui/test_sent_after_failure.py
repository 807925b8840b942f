"""Issue 15 item 1 on the real window: what is sent after a blocked, a failed and a stopped turn.

The request log of the loopback Azure, the meter's plan, "What will be sent" and View code's
messages all agree; the badges say why; "Include again" and "Leave out" change what goes."""

from __future__ import annotations

from chatdesk.core.sending import BLOCKED, FAILED, STOPPED
from chatdesk.ui.transcript_model import badges
from tests.support.fake_azure import Fail, Hang, Reply
from tests.ui.test_main_window import type_and_send, wait_idle


def sent_log(server):
    return [(m["role"], m["content"]) for m in server.last_request.json["messages"][1:]]


def notes(window, index):
    model = window.session.model
    message = model.message(index)
    return [b.text for b in badges(message, True, False, model.left_out(index))]


def preview_messages(window):
    window.show_preview()
    messages = window.preview.api_messages()
    window.preview.close()
    return [(m["role"], m["content"]) for m in messages[1:]]


def test_blocked_failed_and_stopped_turns_are_shown_but_not_sent(qtbot, window, server):
    server.blocked_words = {"forbidden"}
    server.enqueue(Reply("hi"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    type_and_send(qtbot, window, "something forbidden")  # the prompt filter's 400
    wait_idle(qtbot, window)
    server.enqueue(*[Fail.server_error(503)] * 4)
    type_and_send(qtbot, window, "lost to a 503")
    wait_idle(qtbot, window)
    server.enqueue(Hang(5))
    asked = len(server.requests)
    type_and_send(qtbot, window, "stopped at once")
    qtbot.waitUntil(lambda: len(server.requests) > asked, timeout=5000)
    window.stop_action.trigger()
    wait_idle(qtbot, window)
    server.release()

    session = window.session
    conv = session.conversation
    assert [m.content for m in conv] == [
        "hello", "hi", "something forbidden", "lost to a 503", "stopped at once", "",
    ]  # fmt: skip
    assert [session.budget.ledger.reason(i) for i in range(6)] == [
        None, None, BLOCKED, FAILED, STOPPED, STOPPED,
    ]  # fmt: skip
    # Reported: three notes on a blocked question (badge, "Not sent", the error). One now.
    assert notes(window, 2) == [
        "Blocked by the prompt filter, so it is not sent again. Azure's content filter blocked "
        "this request (violence: high). Rephrase your message, or ask the resource's owner "
        "about its content filter settings. — Include again"
    ]
    assert "Not sent: the request failed — Include again" in notes(window, 3)
    assert "Stopped by you" in notes(window, 5)
    assert not session.model.is_sent(2)
    assert session.model.is_sent(1)

    window.composer.set_text("what next?")
    expected = [("user", "hello"), ("assistant", "hi"), ("user", "what next?")]
    assert preview_messages(window) == expected
    plan = session.plan
    assert plan.left_out == (2, 3, 4, 5)
    assert plan.history_tokens == sum(session.budget.ledger.count(i) for i in (0, 1))
    server.enqueue(Reply("ok"))
    type_and_send(qtbot, window, "what next?")
    wait_idle(qtbot, window)
    assert sent_log(server) == expected
    from chatdesk.core.codegen import python_snippet

    code = python_snippet(conv, window.session.profile_source(), session.plan)
    assert "what next?" in code
    assert "hello" in code
    assert "forbidden" not in code
    assert "lost to a 503" not in code
    assert "stopped at once" not in code
    assert "forbidden" not in python_snippet(conv, None)  # no plan: the rule still holds


def test_include_again_and_leave_out(qtbot, window, server):
    server.enqueue(*[Fail.server_error(503)] * 4)
    type_and_send(qtbot, window, "lost question")
    wait_idle(qtbot, window)
    session = window.session
    session.set_included(0, True)  # "Include again"
    assert session.conversation[0].meta.include is True
    server.enqueue(Reply("answer"))
    type_and_send(qtbot, window, "second")
    wait_idle(qtbot, window)
    assert sent_log(server) == [("user", "lost question"), ("user", "second")]
    session.set_included(1, False)  # "Leave out" the second question, though it was fine
    assert "Left out by you — Include again" in notes(window, 1)
    assert not session.model.is_sent(2)  # its answer goes with it
    assert "Left out with its question" in notes(window, 2)
    session.set_included(0, False)  # back to the rule: the failed question is not sent
    assert session.conversation[0].meta.include is None
    server.enqueue(Reply("fine"))
    type_and_send(qtbot, window, "third")
    wait_idle(qtbot, window)
    assert sent_log(server) == [("user", "third")]


def test_leaving_out_a_question_leaves_out_its_reply(qtbot, window, server):
    # Reported: "Leave out" on a question still sent its reply (an answer with no question).
    server.enqueue(Reply("Paris."), Reply("Berlin."))
    type_and_send(qtbot, window, "Capital of France?")
    wait_idle(qtbot, window)
    type_and_send(qtbot, window, "Capital of Germany?")
    wait_idle(qtbot, window)
    session = window.session
    session.set_included(0, False)  # "Leave out" on the first question
    expected = [("user", "Capital of Germany?"), ("assistant", "Berlin."), ("user", "and Italy?")]
    window.composer.set_text("and Italy?")
    assert session.plan.left_out == (0, 1)
    assert session.plan.history_tokens == sum(session.budget.ledger.count(i) for i in (2, 3))
    assert preview_messages(window) == expected
    from chatdesk.core.codegen import python_snippet

    code = python_snippet(session.conversation, session.profile_source(), session.plan)
    assert "Paris" not in code
    assert "Berlin" in code
    server.enqueue(Reply("Rome."))
    type_and_send(qtbot, window, "and Italy?")
    wait_idle(qtbot, window)
    assert sent_log(server) == expected
    session.set_included(0, True)  # "Include again": the question and its reply go again
    assert session.model.is_sent(1)


def test_what_will_be_sent_names_why_a_blocked_question_is_left_out(qtbot, window, server):
    # Tester: a filter-blocked question was listed under "Left out: 1 older message, not sent".
    server.blocked_words = {"forbidden"}
    server.enqueue(Reply("hi"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    type_and_send(qtbot, window, "something forbidden")
    wait_idle(qtbot, window)
    window.show_preview()
    model = window.preview.table.model()
    separator = model.separator_row()
    heading = model.index(separator, 0).data()
    window.preview.close()
    assert heading == "Left out: 1 message, not sent: blocked by the content filter"


def test_a_message_too_long_for_the_limit_is_not_sent_because_it_does_not_fit(qtbot, window,
                                                                               server):
    # Reported: Max response tokens 20, Token limit 70, "Drop oldest turns to fit", a 60-word
    # message: "Not sent: the request failed", and the advice twice, the second a policy
    # already chosen.
    panel = window.params_panel
    panel.max_tokens.set_optional_value(20)
    panel.limit.set_optional_value(70)
    assert window.session.conversation.trimming.policy == "tokens"
    type_and_send(qtbot, window, " ".join(f"word{i}" for i in range(60)))
    wait_idle(qtbot, window)
    assert server.requests == []
    shown = notes(window, 0)
    assert shown[0] == "Not sent: too long for the token limit — Include again"
    error = shown[1]
    assert "failed" not in error
    assert error.count("Shorten") == 1
    assert "trimming policy" not in error
    assert error.endswith("need 157 tokens with 20 reserved for the reply, over the limit of 70 "
                          "even with every earlier turn left out. Shorten the message or the "
                          "system prompt, or raise the token limit above 157. — Retry")  # fmt: skip
