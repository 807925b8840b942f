"""A question being edited in place travels in the recovery copy (tester, session 11: a kill
lost a paragraph typed into an edit): which message and the text typed, in the copy alone,
never in the conversation file; a copy from before (no edit) still loads."""

from __future__ import annotations

import json
import time

import pytest

from chatdesk.core import recovery
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation, to_document
from chatdesk.core.messages import Message
from chatdesk.core.recovery import RecoveryStore, against_since
from chatdesk.core.session_state import SessionState
from tests.support.images import image_bytes, image_part


@pytest.fixture
def store(tmp_path) -> RecoveryStore:
    return RecoveryStore(tmp_path / "recovery")


def exchange() -> Conversation:
    conv = Conversation(title="Bread")
    conv.append(Message("user", "How long do I knead?"))
    conv.append(Message("assistant", "Ten minutes."))
    return conv


TYPED = 'How long do I knead rye?\n\nAnd «spelt», "by hand"? \u2028 \ud83c'


def test_the_copy_carries_the_edit_and_the_conversation_file_does_not(store):
    conv = exchange()
    store.save("a", conv, None, recovery.EditInPlace(0, TYPED))
    data = json.loads(store.file("a").read_text("utf-8"))
    assert data["edit"] == {"index": 0, "text": TYPED}
    assert "edit" not in json.dumps(data["conversation"])  # not the file format's
    assert data["conversation"] == json.loads(json.dumps(to_document(conv), ensure_ascii=True))
    [entry] = store.entries()
    assert entry.edit == recovery.EditInPlace(0, TYPED.replace("\ud83c", "\ufffd"))  # storable text
    assert [m.content for m in store.load(entry).messages()] == [
        "How long do I knead?",
        "Ten minutes.",
    ]


def test_the_edit_alone_changing_writes_the_copy_again(store):
    conv = exchange()
    store.save("a", conv, None, recovery.EditInPlace(0, "How long"))
    store.save("a", conv, None, recovery.EditInPlace(0, "How long, by hand?"))
    [entry] = store.entries()
    assert entry.edit == recovery.EditInPlace(0, "How long, by hand?")
    store.save("a", conv, None)  # the edit ended: the copy has none
    [entry] = store.entries()
    assert entry.edit is None


def test_a_copy_without_an_edit_still_loads(store):
    """A copy written before copies carried edits: no "edit" key at all."""
    conv = exchange()
    store.save("old", conv, None)
    data = json.loads(store.file("old").read_text("utf-8"))
    assert "edit" not in data
    [entry] = store.entries()
    assert entry.edit is None
    assert len(store.load(entry)) == 2


@pytest.mark.parametrize(
    "edit",
    [
        "typed",
        {"index": "0", "text": "typed"},
        {"index": 0},
        {"index": 5, "text": "typed"},  # names no message of the copy
        {"index": -1, "text": "typed"},
        {"index": True, "text": "typed"},
    ],
)
def test_an_edit_that_cannot_be_used_costs_only_the_edit(store, edit):
    store.save("a", exchange(), None)
    file = store.file("a")
    data = json.loads(file.read_text("utf-8"))
    data["edit"] = edit
    file.write_text(json.dumps(data), "utf-8")
    [entry] = store.entries()
    assert entry.edit is None
    assert len(store.load(entry)) == 2
    assert not store.damaged


def test_a_copy_with_an_edit_of_a_conversation_its_file_holds_is_offered_as_newest(store, tmp_path):
    """Saved (or a library conversation, written within a second) while a question was being
    edited: the file holds every message, the edit is only in the copy. Offered, not thrown
    away as "already saved", and not marked older than the file written since."""
    path = tmp_path / "bread.chatdesk.json"
    conv = exchange()
    save_conversation(conv, path)
    store.save("plain", conv, path)  # no edit: the file holds it all
    assert store.entries() == []
    store.save("edited", conv, path, recovery.EditInPlace(0, TYPED))
    time.sleep(0.01)
    save_conversation(conv, path)  # written after the copy
    [entry] = against_since(store.entries(), SessionState())
    assert entry.id == "edited"
    assert entry.edit is not None
    assert entry.older_than == ""


def with_images() -> tuple[Conversation, dict, dict]:
    red, blue = image_part(image_bytes(20, 10)), image_part(image_bytes(10, 10))
    conv = Conversation(title="Colours")
    conv.append(Message.from_raw({"role": "user", "content": [
        {"type": "text", "text": "Compare these two."}, red, blue]}))  # fmt: skip
    conv.append(Message("assistant", "Red and blue."))
    return conv, red, blue


def test_the_copy_carries_the_images_taken_out_of_the_question(store):
    """An edit that took the red image out (its text as it was): the copy names it, and the
    edit read back resends the question without it."""
    conv, _red, blue = with_images()
    store.save("a", conv, None, recovery.EditInPlace(0, "Compare these two.", frozenset({1})))
    data = json.loads(store.file("a").read_text("utf-8"))
    assert data["edit"] == {"index": 0, "text": "Compare these two.", "removed": [1]}
    [entry] = store.entries()
    assert entry.edit == recovery.EditInPlace(0, "Compare these two.", frozenset({1}))
    question = store.load(entry)[0]
    assert entry.edit.changes(question)  # the text alone is as it was: still a change
    resent = question.edited(entry.edit.text, entry.edit.removed)
    assert resent is not None
    assert resent.to_api()["content"] == [{"type": "text", "text": "Compare these two."}, blue]


@pytest.mark.parametrize(
    ("removed", "read"),
    [
        (None, frozenset()),  # a copy from before: no "removed" key
        ([2], frozenset({2})),
        ([0, 2], frozenset({2})),  # the text is not an image: not taken out
        ([2, 3, -1], frozenset({2})),  # parts the question does not have
        ("1", frozenset()),  # what the reader cannot use: the images show again
        ([1.0], frozenset()),
        ([True], frozenset()),
    ],
)
def test_removals_the_question_does_not_have_are_left_out(store, removed, read):
    conv, _red, _blue = with_images()
    store.save("a", conv, None)
    file = store.file("a")
    data = json.loads(file.read_text("utf-8"))
    data["edit"] = {"index": 0, "text": "typed"}
    if removed is not None:
        data["edit"]["removed"] = removed
    file.write_text(json.dumps(data), "utf-8")
    [entry] = store.entries()
    assert entry.edit == recovery.EditInPlace(0, "typed", read)
    assert not store.damaged
