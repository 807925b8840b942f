"""Failed, filter-blocked and empty stopped turns are kept but not sent; the user's say wins."""

from __future__ import annotations

import random

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import dumps, loads
from chatdesk.core.messages import Message
from chatdesk.core.request import request_messages
from chatdesk.core.sending import BLOCKED, FAILED, STOPPED
from chatdesk.core.tokens import TokenCounter
from chatdesk.core.trimming import TokenLedger, plan_request

COUNTER = TokenCounter("o200k_base")


def failed(text: str, code: str | None = None) -> Message:
    message = Message("user", text)
    message.meta.error = "Blocked by the content filter: ..." if code else "Connection failed"
    message.meta.error_code = code
    return message


def stopped_empty() -> Message:
    reply = Message("assistant", "")
    reply.meta.incomplete = reply.meta.stopped = True
    return reply


def conversation() -> Conversation:
    return Conversation(
        system_prompt="Be brief.",
        history=[
            Message("user", "first question"), Message("assistant", "first answer"),
            failed("a question the network lost"),
            failed("a question the prompt filter blocked", "content_filter"),
            Message("user", "a question stopped at once"), stopped_empty(),
            Message("user", "the newest question"),
        ],
    )  # fmt: skip


def sent_texts(conv: Conversation, ledger: TokenLedger) -> list[str]:
    plan = plan_request(ledger, limit=100_000, reserve=100)
    return [m["content"] for m in request_messages(conv, plan)]


def test_failed_blocked_and_empty_stopped_turns_are_not_sent_and_not_counted():
    conv = conversation()
    ledger = TokenLedger(conv, COUNTER)
    assert sent_texts(conv, ledger) == [
        "Be brief.", "first question", "first answer", "the newest question",
    ]  # fmt: skip
    assert [ledger.reason(i) for i in range(len(conv))] == [
        None, None, FAILED, BLOCKED, STOPPED, STOPPED, None,
    ]  # fmt: skip
    plan = plan_request(ledger, limit=100_000, reserve=100)
    assert plan.left_out == (2, 3, 4, 5)
    assert list(plan.sent) == [0, 1, 6]
    assert len(plan.sent) == 3
    assert 6 in plan.sent
    sent = [0, 1, 6]
    assert plan.history_tokens == sum(COUNTER.count_message(conv[i]) for i in sent)


def test_include_again_and_leave_out_are_the_users_say():
    conv = conversation()
    ledger = TokenLedger(conv, COUNTER)
    conv.set_include(2, True)  # "Include again" on the lost question
    conv.set_include(1, False)  # "Leave out" on an answer that was fine
    assert sent_texts(conv, ledger) == [
        "Be brief.", "first question", "a question the network lost", "the newest question",
    ]  # fmt: skip
    conv.set_include(1, None)
    assert "first answer" in sent_texts(conv, ledger)


def test_a_question_left_out_takes_its_replies_with_it():
    conv = conversation()
    ledger = TokenLedger(conv, COUNTER)
    conv.set_include(0, False)  # "Leave out" on the first question
    assert sent_texts(conv, ledger) == ["Be brief.", "the newest question"]
    assert ledger.left_out() == (0, 1, 2, 3, 4, 5)
    conv.set_include(1, True)  # the reply's own "Include again" still wins
    assert sent_texts(conv, ledger) == ["Be brief.", "first answer", "the newest question"]
    conv.set_include(1, None)
    conv.set_include(0, None)
    assert sent_texts(conv, ledger)[1:3] == ["first question", "first answer"]


def test_a_reply_with_text_keeps_its_turn_sent_however_it_ended():
    conv = Conversation(history=[Message("user", "q"), Message("assistant", "half an ans")])
    ledger = TokenLedger(conv, COUNTER)
    conv[1].meta.incomplete = conv[1].meta.stopped = True
    conv.meta_changed(1)
    assert sent_texts(conv, ledger) == ["q", "half an ans"]
    conv[1].meta.stopped, conv[1].meta.error = False, "The connection dropped"
    conv.meta_changed(1)
    assert sent_texts(conv, ledger) == ["q", "half an ans"]


def test_a_change_later_in_a_turn_changes_whether_its_question_is_sent():
    conv = Conversation(history=[Message("user", "q1"), Message("assistant", "a1")])
    ledger = TokenLedger(conv, COUNTER)
    conv.append(Message("user", "q2"))
    assert sent_texts(conv, ledger) == ["q1", "a1", "q2"]
    conv.append(stopped_empty())  # Stop before the first token
    assert sent_texts(conv, ledger) == ["q1", "a1"]
    conv.remove(3)  # the empty reply deleted: the question is a question again
    assert sent_texts(conv, ledger) == ["q1", "a1", "q2"]
    conv.append(Message("assistant", ""))
    conv[3].meta.finish_reason = "content_filter"
    conv.meta_changed(3)
    assert sent_texts(conv, ledger) == ["q1", "a1"]


def test_the_ledger_stays_right_through_random_edits():
    """Incremental sums equal a fresh ledger's after every change, at every index."""
    rng = random.Random(7)
    conv = Conversation()
    ledger = TokenLedger(conv, COUNTER)
    for _ in range(300):
        op = rng.random()
        if op < 0.5 or not len(conv):
            message = rng.choice([
                Message("user", "q " * rng.randint(1, 9)), Message("assistant", "a"),
                failed("lost"), stopped_empty(), failed("bad", "content_filter"),
            ])  # fmt: skip
            conv.append(message)
        elif op < 0.7:
            conv.remove(rng.randrange(len(conv)))
        elif op < 0.85:
            conv.set_include(rng.randrange(len(conv)), rng.choice([True, False, None]))
        else:
            conv.truncate(rng.randrange(len(conv)))
        fresh = TokenLedger(conv, COUNTER)
        assert ledger.sums() == fresh.sums()
        assert ledger.left_out() == fresh.left_out()


def test_the_flags_are_saved_and_a_file_without_them_reads_as_before():
    conv = conversation()
    conv.set_include(2, True)
    again = loads(dumps(conv)).conversation
    ledger = TokenLedger(again, COUNTER)
    assert again[2].meta.include is True
    assert again[3].meta.error_code == "content_filter"
    assert again[5].meta.stopped
    assert sent_texts(again, ledger)[-2:] == ["a question the network lost", "the newest question"]
    conv.set_include(1, False)
    assert '"include": false' in dumps(conv)
    old = loads('{"format": "chatdesk.conversation", "version": 2, "messages": ['
                '{"role": "user", "content": "q"}, {"role": "assistant", "content": "a",'
                ' "metadata": {"finish_reason": "stop"}}]}').conversation  # fmt: skip
    assert sent_texts(old, TokenLedger(old, COUNTER)) == ["q", "a"]


def test_a_pending_reply_is_not_judged_and_is_never_saved_as_pending():
    from chatdesk.core.sending import turn_reason

    reply = Message("assistant", "")
    reply.meta.incomplete = reply.meta.pending = True  # its request is still going
    assert turn_reason([Message("user", "Think hard."), reply]) is None
    assert "pending" not in reply.meta.to_json()
    reply.meta.pending = False  # it ended empty without a finish_reason
    assert turn_reason([Message("user", "Think hard."), reply]) == STOPPED
