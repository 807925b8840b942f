"""The transcript's list model (ui/transcript_model.py): roles, tokens, and the exact
notifications each change sends."""

from __future__ import annotations

from PySide6.QtCore import Qt

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.transcript_model import Roles, TranscriptModel
from tests.support.transcript import ModelSpy, long_history, transcript_model


# -- the model ---------------------------------------------------------------------------------
def test_model_passes_the_model_tester_through_every_mutation(qtmodeltester):
    model = transcript_model([Message("user", "hi"), Message("assistant", "hello")])
    qtmodeltester.check(model)
    row = model.append(Message("user", "more"))
    assert row == 2
    model.append(Message("assistant", ""))
    model.set_streaming(3)
    model.append_content(3, "part")
    model.append_content(3, " two")
    model.set_streaming(None)
    model.set_content(0, "edited")
    model.set_error(3, "boom")
    model.set_first_sent(2)
    model.remove(1)
    model.truncate(1)
    model.truncate(5)  # past the end: nothing
    model.set_conversation(Conversation(history=[Message("user", "x")]))
    qtmodeltester.check(model)
    assert [m.content for m in model.conversation] == ["x"]


def test_roles_and_accessible_text():
    meta = MessageMeta(finish_reason="stop")
    model = transcript_model(
        [Message("user", "hi", name="ann"), Message("assistant", "yo", meta=meta)]
    )
    model.set_first_sent(1)
    model.set_streaming(1)
    first, second = model.index(0), model.index(1)
    assert first.data(Qt.ItemDataRole.DisplayRole) == "hi"
    assert first.data(Roles.Role) == "user"
    assert first.data(Roles.Name) == "ann"
    assert first.data(Roles.Tokens) is None  # no ledger
    assert second.data(Roles.Meta) is meta
    assert (first.data(Roles.Sent), second.data(Roles.Sent)) == (False, True)
    assert (first.data(Roles.Streaming), second.data(Roles.Streaming)) == (False, True)
    assert first.data(Roles.Uid) == model.message(0).uid
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "You (ann): hi"
    assert second.data(Qt.ItemDataRole.AccessibleTextRole) == "Assistant: yo"
    assert "Left out of the next request" in first.data(Qt.ItemDataRole.AccessibleDescriptionRole)


def test_tokens_come_from_the_ledger():
    from chatdesk.core.tokens import TokenCounter
    from chatdesk.core.trimming import TokenLedger

    conversation = Conversation(history=[Message("user", "hello there")])
    ledger = TokenLedger(conversation, TokenCounter("o200k_base"))
    model = TranscriptModel()
    model.set_conversation(conversation, ledger)
    before = model.index(0).data(Roles.Tokens)
    assert before == ledger.count(0) > 0
    model.append_content(0, " and a good deal more text")
    assert model.index(0).data(Roles.Tokens) > before


def test_append_on_a_long_history_is_one_insert_and_nothing_else():
    model = transcript_model(long_history(5000))
    spy = ModelSpy(model)
    model.append(Message("user", "new"))
    assert spy.events == [("inserted", 5000, 5000)]


def test_append_content_changes_exactly_one_row():
    model = transcript_model(long_history(5000))
    spy = ModelSpy(model)
    model.append_content(4999, " more")
    model.set_content(10, "replaced")
    model.set_meta_changed(20)
    model.set_error(30, "failed")
    # A meta change may change whether its turn is sent (an error on the question, an empty
    # stopped reply): the turn's rows are told, a turn, never the history.
    assert spy.events == [
        ("changed", 4999, 4999),
        ("changed", 10, 10),
        ("changed", 20, 21),
        ("changed", 30, 31),
    ]
    assert model.message(4999).content.endswith(" more")


def test_set_first_sent_signals_only_the_rows_that_flip():
    model = transcript_model(long_history(100))
    spy = ModelSpy(model)
    model.set_first_sent(30)
    model.set_first_sent(10)
    model.set_first_sent(10)  # no change: no signal
    model.set_first_sent(500)  # past the end: only the existing rows flip
    assert spy.events == [("changed", 0, 29), ("changed", 10, 29), ("changed", 10, 99)]
    assert model.index(99).data(Roles.Sent) is False


def test_set_streaming_signals_the_old_and_new_rows():
    model = transcript_model(long_history(10))
    spy = ModelSpy(model)
    model.set_streaming(9)
    model.set_streaming(None)
    assert spy.events == [("changed", 9, 9), ("changed", 9, 9)]


def test_remove_and_truncate_keep_streaming_and_sent_rows_consistent():
    model = transcript_model(long_history(10))
    model.set_first_sent(4)
    model.set_streaming(8)
    model.remove(1)
    assert (model.first_sent, model.streaming_row) == (3, 7)
    model.truncate(7)
    assert model.streaming_row is None
    assert model.rowCount() == 7
    model.truncate(2)
    assert model.first_sent == 2


def test_changes_behind_the_models_back_reset_it():
    conversation = Conversation(history=long_history(3))
    model = TranscriptModel()
    model.set_conversation(conversation)
    spy = ModelSpy(model)
    conversation.append(Message("user", "direct"))
    assert spy.events == [("reset",)]
    assert model.rowCount() == 4
    model.set_conversation(None)
    conversation.append(Message("user", "after"))  # unsubscribed: no reset
    assert model.rowCount() == 0


def test_last_assistant_row_follows_changes():
    model = transcript_model(
        [Message("user", "a"), Message("assistant", "b"), Message("user", "c")]
    )
    assert model.last_assistant_row() == 1
    model.append(Message("assistant", "d"))
    assert model.last_assistant_row() == 3
    model.truncate(2)
    assert model.last_assistant_row() == 1
