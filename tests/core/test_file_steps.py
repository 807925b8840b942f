"""Reading a conversation file newest messages first (core/file_steps.py): the same result as
reading it whole, or the same error, whatever the file holds."""

from __future__ import annotations

import base64
import json
import os

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import DiskState
from chatdesk.core.file_steps import Newest, Older, read_in_steps
from chatdesk.core.fileformat import (
    ConversationFileError,
    Opened,
    load_conversation,
    save_conversation,
    to_document,
)
from chatdesk.core.messages import Message, MessageMeta

NEWEST = 300


def long_conversation(n: int, text: str = "a message of some length, " * 6) -> Conversation:
    conv = Conversation(
        system_prompt="You are terse.",
        examples=[Message("user", "2+2?"), Message("assistant", "4")],
        model="gpt-4o", title="Long",
    )  # fmt: skip
    conv.draft = "half-typed"
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        meta = MessageMeta(finish_reason="stop") if role == "assistant" else MessageMeta()
        conv.append(Message(role, f"{i}: {text}", meta=meta))
    return conv


def read(path) -> tuple[list[str], Conversation, DiskState]:
    """(the kinds of steps, the conversation they make, the disk state)."""
    kinds, conv, disk = [], None, None
    for step in read_in_steps(path, NEWEST):
        kinds.append(type(step).__name__)
        if isinstance(step, Newest):
            conv = step.conversation
            assert len(conv) == NEWEST
        elif isinstance(step, Older):
            conv.take_older(step.conversation)
        elif isinstance(step, Opened):
            conv = step.conversation
        elif isinstance(step, DiskState):
            disk = step
    return kinds, conv, disk


def test_a_long_file_gives_its_newest_messages_first_then_the_rest(tmp_path):
    path = tmp_path / "long.chatdesk.json"
    save_conversation(long_conversation(12_000), path)
    steps = read_in_steps(path, NEWEST)
    newest = next(steps)
    assert isinstance(newest, Newest)
    conv = newest.conversation
    assert [m.content.split(":")[0] for m in conv.messages()][:2] == ["11700", "11701"]
    assert conv[-1].content.startswith("11999:")
    assert conv.title == "Long"
    assert conv.draft == "half-typed"
    assert conv.model == "gpt-4o"
    kinds, whole, disk = read(path)
    assert kinds == ["Newest", "Older", "DiskState"]
    expected = load_conversation(path)
    assert to_document(whole) == to_document(expected.conversation)
    assert whole.system_prompt == "You are terse."
    assert len(whole.examples) == 2
    assert disk == expected.disk


def test_a_file_on_one_line_is_read_whole(tmp_path):
    path = tmp_path / "one-line.json"
    document = to_document(long_conversation(8_000))
    path.write_text(json.dumps(document), encoding="utf-8")
    kinds, conv, _ = read(path)
    assert kinds == ["Opened", "DiskState"]
    assert to_document(conv) == to_document(load_conversation(path).conversation)


def test_a_file_on_one_line_is_read_whole_after_one_look_at_its_end(tmp_path, monkeypatch):
    """Its last line holds more than the messages' "]": no longer tail can make a layout, so
    the end is not read again in ever larger pieces (it was, up to 8 MB, for every open)."""
    from chatdesk.core import file_steps

    path = tmp_path / "one-line.json"
    path.write_text(json.dumps(to_document(long_conversation(8_000))), encoding="utf-8")
    looks = []
    real = file_steps.read_ends
    monkeypatch.setattr(file_steps, "read_ends", lambda *a: looks.append(a[-1]) or real(*a))
    assert read(path)[0] == ["Opened", "DiskState"]
    assert looks == [file_steps.TAIL_BYTES]


def test_a_short_file_is_read_whole(tmp_path):
    path = tmp_path / "short.chatdesk.json"
    save_conversation(long_conversation(40), path)
    assert read(path)[0] == ["Opened", "DiskState"]


@pytest.mark.parametrize(
    "damage",
    [
        ('"role": "user",\n   "content": "4:', '"role": "robot",\n   "content": "4:'),
        ('"content": "7:', '"content": 7, "x": "7:'),
        ('"content": "9: a message', '"content": "9: a message" "'),  # not JSON
    ],
)
def test_a_bad_older_message_gives_the_whole_file_s_error(tmp_path, damage):
    path = tmp_path / "bad.chatdesk.json"
    save_conversation(long_conversation(12_000), path)
    text = path.read_text(encoding="utf-8").replace(damage[0], damage[1], 1)
    assert text != path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConversationFileError) as whole:
        load_conversation(path)
    steps = read_in_steps(path, NEWEST)
    assert isinstance(next(steps), Newest)  # the newest ones were fine
    with pytest.raises(ConversationFileError) as stepwise:
        list(steps)
    assert str(stepwise.value) == str(whole.value)


def test_a_file_changed_while_it_was_read_is_read_again_whole(tmp_path):
    path = tmp_path / "changing.chatdesk.json"
    save_conversation(long_conversation(12_000), path)
    steps = read_in_steps(path, NEWEST)
    assert isinstance(next(steps), Newest)
    changed = long_conversation(12_000, text="changed by chatdesk send, ")
    save_conversation(changed, path)
    rest = list(steps)
    assert isinstance(rest[0], Opened)  # replaces the newest messages shown
    assert rest[0].conversation[-1].content.endswith("changed by chatdesk send, ")
    assert rest[-1] == load_conversation(path).disk


def test_surrogates_and_images_anywhere_come_back_as_a_whole_read_gives_them(tmp_path):
    path = tmp_path / "mixed.chatdesk.json"
    conv = long_conversation(12_000)
    image = "data:image/png;base64," + base64.b64encode(os.urandom(120_000)).decode()
    for index in (3, 11_990):
        parts = [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": image}},
        ]
        conv.set_content(index, "")
        conv[index].source = parts
    save_conversation(conv, path)
    text = path.read_text(encoding="utf-8")
    # A lone surrogate escaped in an older and in a newest message (as another program wrote).
    text = text.replace('"21: a message', '"21: \\ud800 a message')
    text = text.replace('"11991: a message', '"11991: \\udc00 a message')
    path.write_text(text, encoding="utf-8")
    kinds, got, _ = read(path)
    assert kinds == ["Newest", "Older", "DiskState"]
    expected = load_conversation(path)
    assert expected.replaced == 2
    assert to_document(got) == to_document(expected.conversation)
    steps = list(read_in_steps(path, NEWEST))
    assert steps[1].replaced == 2
