"""Versions of a turn: kept by replacing, flipped, dropped, saved, and refused when malformed."""

from __future__ import annotations

import json

import pytest

from chatdesk.core import alternatives
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import ConversationFileError, dumps, loads
from chatdesk.core.messages import Message
from chatdesk.core.tokens import TokenCounter
from chatdesk.core.trimming import TokenLedger


def regenerate(conv: Conversation, index: int, text: str) -> None:
    old = conv.truncate(index)
    reply = Message("assistant", text)
    reply.meta.alternatives = alternatives.after_replacing(old)
    conv.append(reply)


def flip(conv: Conversation, index: int, k: int) -> None:
    tail = conv.messages(index)
    shown = alternatives.flipped(tail, k)
    conv.truncate(index)
    for message in shown:
        conv.append(message)


def test_regenerating_twice_keeps_three_versions_and_flipping_shows_each():
    conv = Conversation(history=[Message("user", "q"), Message("assistant", "one")])
    regenerate(conv, 1, "two")
    regenerate(conv, 1, "three")
    assert alternatives.position(conv[1]) == (3, 3)
    flip(conv, 1, 0)
    assert [m.content for m in conv] == ["q", "one"]
    assert alternatives.position(conv[1]) == (1, 3)
    flip(conv, 1, 1)
    assert conv[1].content == "two"
    flip(conv, 1, 2)
    assert conv[1].content == "three"
    with pytest.raises(IndexError):
        alternatives.flipped(conv.messages(1), 3)


def test_an_edited_question_keeps_the_old_one_with_the_turns_after_it():
    conv = Conversation(history=[Message("user", "q1"), Message("assistant", "a1"),
                                 Message("user", "q2"), Message("assistant", "a2")])  # fmt: skip
    old = conv.truncate(0)
    edited = Message("user", "q1 edited")
    edited.meta.alternatives = alternatives.after_replacing(old)
    conv.append(edited)
    conv.append(Message("assistant", "a1 new"))
    flip(conv, 0, 0)
    assert [m.content for m in conv] == ["q1", "a1", "q2", "a2"]
    flip(conv, 0, 1)
    assert [m.content for m in conv] == ["q1 edited", "a1 new"]


def test_a_failed_new_version_gives_its_place_back():
    conv = Conversation(history=[Message("user", "q"), Message("assistant", "one")])
    regenerate(conv, 1, "")
    assert [m.content for m in alternatives.without_shown(conv.messages(1))] == ["one"]
    assert alternatives.without_shown(conv.messages(1))[0].meta.alternatives is None
    assert alternatives.without_shown([Message("assistant", "")]) == []


def test_only_the_version_shown_is_counted_and_the_ledger_stays_incremental():
    counter = TokenCounter("o200k_base")
    conv = Conversation(history=[Message("user", "q"), Message("assistant", "short")])
    ledger = TokenLedger(conv, counter)
    regenerate(conv, 1, "a much longer answer " * 20)
    long_total = ledger.history_tokens()
    flip(conv, 1, 0)
    assert ledger.history_tokens() < long_total
    assert ledger.sums() == TokenLedger(conv, counter).sums()


def test_versions_are_saved_and_a_version_kept_inside_another_survives():
    conv = Conversation(history=[Message("user", "q1"), Message("assistant", "a1")])
    regenerate(conv, 1, "a1 second")
    conv.append(Message("user", "q2"))
    conv.append(Message("assistant", "a2"))
    regenerate(conv, 3, "a2 second")
    flip(conv, 1, 0)  # the second turn (with its own versions) is kept inside version 2
    again = loads(dumps(conv)).conversation
    assert [m.content for m in again] == ["q1", "a1"]
    flip(again, 1, 1)
    assert [m.content for m in again] == ["q1", "a1 second", "q2", "a2 second"]
    assert alternatives.position(again[3]) == (2, 2)
    flip(again, 3, 0)
    assert again[3].content == "a2"


@pytest.mark.parametrize(("value", "problem"), [
    ([], "wrong type"),
    ({"shown": 0}, 'has no "versions" list'),
    ({"shown": 2, "versions": [None]}, "not one of its versions"),
    ({"shown": 0, "versions": [[{"role": "user", "content": "x"}]]}, "must be null"),
    ({"shown": 0, "versions": [None, "text"]}, "version 2 is not a list"),
    ({"shown": 0, "versions": [None, [{"role": "wizard", "content": "x"}]]}, "role 'wizard'"),
])  # fmt: skip
def test_a_malformed_alternatives_field_is_refused_naming_it(value, problem):
    document = ('{"format": "chatdesk.conversation", "version": 2, "messages": ['
                '{"role": "user", "content": "q", "metadata": {"alternatives": %s}}]}')
    with pytest.raises(ConversationFileError, match=problem):
        loads(document % json.dumps(value))


def test_the_last_activity_is_the_newest_version_s_whichever_is_shown():
    """Flipping between versions is no activity: the library lists a conversation by the
    newest stamp of any version, so its row stays put (the tester's row jumped)."""
    from chatdesk.core.library import iso_time, last_activity
    from chatdesk.core.messages import MessageMeta

    old, edited = 1_700_000_000.0, 1_700_090_000.0
    conv = Conversation(history=[
        Message("user" if i % 2 == 0 else "assistant", f"m{i}",
                meta=MessageMeta(created_at=iso_time(old + i)))
        for i in range(12)
    ])  # fmt: skip
    conv.created_at = iso_time(old)
    replaced = conv.truncate(0)  # edit-and-resend of the first question: 12 messages replaced
    question = Message("user", "m0 edited", meta=MessageMeta(created_at=iso_time(edited)))
    question.meta.alternatives = alternatives.after_replacing(replaced)
    conv.append(question)
    conv.append(Message("assistant", "a", meta=MessageMeta(created_at=iso_time(edited + 5))))
    assert last_activity(conv) == edited + 5
    for version in (0, 1, 0):
        flip(conv, 0, version)
        assert last_activity(conv) == edited + 5  # the old version's 12 messages shown too
        assert last_activity(loads(dumps(conv)).conversation) == edited + 5  # as read back
