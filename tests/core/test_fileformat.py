import json
import os

import pytest

from chatdesk.core import fileformat
from chatdesk.core.conversation import Conversation, GenerationParams, TrimSettings
from chatdesk.core.fileformat import (
    ConversationFileError,
    load_conversation,
    save_conversation,
    suggested_file_name,
)
from chatdesk.core.messages import Message, MessageMeta


def full_conversation() -> Conversation:
    conv = Conversation(
        system_prompt="You are terse.",
        examples=[Message("user", "2+2?"), Message("assistant", "4")],
        params=GenerationParams(temperature=0.2, top_p=0.9, max_tokens=300, stop=["END"],
                                presence_penalty=0.1, frequency_penalty=0.2, seed=7,
                                response_format="json_object"),
        trimming=TrimSettings(policy="turns", limit=8000, max_turns=5, whole_turns=False),
        profile="work", model="gpt-4o", title="Maths",
    )  # fmt: skip
    conv.draft = "half-typed"
    conv.append(Message("user", "Hello <|endoftext|> ünïcode", name="alice"))
    conv.append(Message("assistant", "Partial", meta=MessageMeta(
        finish_reason=None, incomplete=True, usage={"prompt_tokens": 5}, model="gpt-4o",
        content_filter={"hate": {"filtered": False, "severity": "safe"}},
        prompt_filter=[{"prompt_index": 0}], request_id="r1", latency_ms=12.5, error="cut off",
    )))  # fmt: skip
    return conv


def snapshot(conv: Conversation) -> dict:
    return fileformat.to_document(conv)


def test_round_trip_keeps_everything(tmp_path):
    conv = full_conversation()
    path = tmp_path / "c.chat.json"
    save_conversation(conv, path)
    opened = load_conversation(path)
    assert not opened.imported
    assert snapshot(opened.conversation) == snapshot(conv)
    again = tmp_path / "again.json"
    save_conversation(opened.conversation, again)
    assert again.read_text() == path.read_text()


def test_messages_are_in_the_chat_completions_shape(tmp_path):
    path = tmp_path / "c.json"
    save_conversation(full_conversation(), path)
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["version"]) == ("chatdesk.conversation", 2)
    assert doc["messages"][0] == {"role": "system", "content": "You are terse."}
    assert doc["messages"][1] == {"role": "user", "content": "2+2?", "pinned": True}
    assert doc["messages"][3]["name"] == "alice"
    assert "token" not in path.read_text().lower().replace("tokens", "")  # no secret-like keys


def test_a_hand_written_file_opens(tmp_path):
    path = tmp_path / "hand.json"
    path.write_text(json.dumps({"format": "chatdesk.conversation", "version": 1, "messages": [
        {"role": "user", "content": "hi"}]}))  # fmt: skip
    conv = load_conversation(path).conversation
    assert ([m.role for m in conv], conv.system_prompt) == (["user"], "")


def test_request_body_imports_as_a_new_conversation(tmp_path):
    body = {
        "model": "gpt-35-turbo",
        "temperature": 0.7,
        "max_completion_tokens": 250,
        "stop": "###",
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": "Assistant helps with tax questions."},
            {"role": "system", "name": "example_user", "content": "When do I file?"},
            {"role": "system", "name": "example_assistant", "content": "April 18th."},
            {"role": "user", "content": [{"type": "text", "text": "How to check "},
                                         {"type": "text", "text": "my refund?"}]},
        ],
    }  # fmt: skip
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body))
    opened = load_conversation(path)
    conv = opened.conversation
    assert opened.imported
    assert conv.system_prompt == "Assistant helps with tax questions."
    assert [(m.role, m.name) for m in conv.examples] == [
        ("system", "example_user"), ("system", "example_assistant")]  # fmt: skip
    assert [m.content for m in conv] == ["How to check my refund?"]
    assert (conv.model, conv.params.temperature, conv.params.max_tokens) == (
        "gpt-35-turbo",
        0.7,
        250,
    )
    assert (conv.params.stop, conv.params.response_format) == (["###"], "json_object")
    # The request it would send is the one that was imported, names included.
    assert [m.to_api() for m in conv.all_messages()][:3] == body["messages"][:3]


BAD_FILES = [
    (b"", "is empty"),
    (b'{"format": "chatdesk.conversation", "version": 1, "messages": [', "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2]", "holds a JSON list"),
    (b'"text"', "holds a JSON string"),
    (b'{"hello": 1}', "neither a chatdesk conversation nor a Chat Completions request"),
    (b'{"format": "chatdesk.conversation", "version": 9, "messages": []}', "newer chatdesk"),
    (b'{"format": "chatdesk.conversation", "version": "1", "messages": []}', "version"),
    (b'{"format": "chatdesk.conversation", "version": 1}', 'no "messages"'),
    (b'{"format": "chatdesk.conversation", "version": 1, "messages": {}}', "not a list"),
    (b'{"messages": [{"role": "wizard", "content": "x"}]}', "role 'wizard'"),
    (b'{"messages": [{"role": "user", "content": 5}]}', "not text"),
    (b'{"messages": [{"role": "user", "content": [7]}]}', 'part 1 is not an object with a "type"'),
    (b'{"messages": [{"role": "user", "content": [{"type": "text"}]}]}', 'part 1 has no "text"'),
    (b'{"messages": [7]}', "message 1 is a JSON number"),
    (b'{"messages": [], "temperature": "hot"}', "temperature"),
    (b'{"format": "chatdesk.conversation", "version": 1, "messages": [], '
     b'"trimming": {"policy": "x"}}', "policy"),
    (b'{"format": "chatdesk.conversation", "version": 1, "messages": [{"role": "user", '
     b'"content": "", "metadata": {"usage": 3}}]}', "usage"),
    (b"[" * 100_000, "nested too deeply"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "problem"), BAD_FILES)
def test_bad_files_give_a_clear_error_naming_the_file(tmp_path, raw, problem):
    path = tmp_path / "broken.json"
    path.write_bytes(raw)
    with pytest.raises(ConversationFileError) as info:
        load_conversation(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_missing_folder_and_oversized_files(tmp_path, monkeypatch):
    with pytest.raises(ConversationFileError, match="does not exist"):
        load_conversation(tmp_path / "nope.json")
    with pytest.raises(ConversationFileError, match="is a folder"):
        load_conversation(tmp_path)
    big = tmp_path / "big.json"
    big.write_text('{"messages": []}' + " " * 100)
    monkeypatch.setattr(fileformat, "MAX_FILE_BYTES", 50)
    with pytest.raises(ConversationFileError, match="too large"):
        load_conversation(big)


def test_a_crash_mid_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    save_conversation(full_conversation(), path)
    before = path.read_bytes()

    def crash(*_args):
        raise OSError("disk died")

    monkeypatch.setattr(os, "replace", crash)
    conv = full_conversation()
    conv.append(Message("user", "never saved"))
    with pytest.raises(OSError, match="disk died"):
        save_conversation(conv, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # no temporary left behind


def test_save_writes_through_fsync(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    save_conversation(full_conversation(), tmp_path / "c.json")
    assert len(synced) >= 2  # the file, then its folder (the rename)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Tax questions", "Tax questions.chatdesk.json"),
        ("", "conversation.chatdesk.json"),
        ('a/b\\c:d*e?f"g<h>i|j\tk', "a b c d e f g h i j k.chatdesk.json"),
        ("  ..  ", "conversation.chatdesk.json"),
    ],
)
def test_a_suggested_file_name_matches_the_conversation_mime_pattern(title, name):
    assert suggested_file_name(title) == name


def test_a_non_number_parameter_is_said_in_jsons_words(tmp_path):
    # An earlier tester saw '"max_tokens" must be a number, not True' (Python's spelling).
    path = tmp_path / "p.json"
    path.write_text('{"max_tokens": true, "messages": [{"role": "user", "content": "hi"}]}')
    with pytest.raises(ConversationFileError) as info:
        load_conversation(path)
    assert '"max_tokens" must be a whole number, not true.' in str(info.value)
