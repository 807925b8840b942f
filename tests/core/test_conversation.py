"""A conversation opened from a file builds its messages on first access, and only then."""

from __future__ import annotations

import json
import threading

import pytest

from chatdesk.core import fileformat
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import ConversationFileError, load_conversation, loads
from chatdesk.core.messages import Message, MessageMeta

N = 10_000


def long_document(n: int = N) -> dict:
    """A saved conversation of `n` history messages with every kind of item a file holds."""
    items: list[dict] = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "2+2?", "pinned": True},
        {"role": "assistant", "content": "4", "pinned": True},
    ]
    for i in range(n):
        item: dict = {"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i} ü"}
        if i % 7 == 0:
            item["name"] = "alice"
        if i % 2:
            item["metadata"] = {"finish_reason": "stop", "usage": {"prompt_tokens": i}}
        if i % 1000 == 999:
            item["metadata"] = {"incomplete": True, "error": "cut off", "latency_ms": 1.5}
        items.append(item)
    return {"format": fileformat.FORMAT, "version": 1, "title": "long", "messages": items}


def long_text(n: int = N) -> str:
    """The document as chatdesk itself writes it."""
    return fileformat.dumps(loads(json.dumps(long_document(n))).conversation)


def test_opening_builds_no_history_message(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(long_text(), encoding="utf-8")
    conv = load_conversation(path).conversation
    assert (len(conv), conv.unbuilt()) == (N, N)
    assert conv.system_prompt == "sys"
    assert [m.content for m in conv.examples] == ["2+2?", "4"]
    assert conv[-1].content == f"m{N - 1} ü"
    assert conv.unbuilt() == N - 1  # reading one row builds that one


def test_a_long_file_saves_back_identical(tmp_path):
    text = long_text()
    path = tmp_path / "long.json"
    path.write_text(text, encoding="utf-8")
    conv = load_conversation(path).conversation
    assert conv[5].content == "m5 ü"  # some built, the rest still file data
    fileformat.save_conversation(conv, path)
    assert path.read_text(encoding="utf-8") == text


def test_built_messages_are_what_the_file_says():
    conv = loads(json.dumps(long_document(2000))).conversation
    for i in (0, 1, 7, 999, 1000, 1999):
        message = conv[i]
        assert (message.role, message.content) == (
            "user" if i % 2 == 0 else "assistant", f"m{i} ü",
        )  # fmt: skip
        assert message.name == ("alice" if i % 7 == 0 else None)
        assert message is conv[i]  # built once: the same object, the same uid
    assert conv[1].meta == MessageMeta(finish_reason="stop", usage={"prompt_tokens": 1})
    assert conv[999].meta == MessageMeta(incomplete=True, error="cut off", latency_ms=1.5)
    assert conv[0].meta == MessageMeta()


def test_content_parts_and_null_content_are_converted_once():
    items = [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "assistant", "content": None},
    ]
    conv = loads(json.dumps({"messages": items})).conversation
    assert [m.content for m in conv] == ["ab", ""]
    assert items[0]["content"][0] == {"type": "text", "text": "a"}  # the input is not changed


def test_a_bad_message_deep_in_a_long_file_is_still_refused():
    doc = long_document(3000)
    doc["messages"][2900]["metadata"] = {"latency_ms": "slow"}
    with pytest.raises(ConversationFileError, match='message 2901: metadata "latency_ms"'):
        loads(json.dumps(doc), "long.json")
    doc = long_document(3000)
    doc["messages"][2999]["content"] = {"text": "no"}
    with pytest.raises(ConversationFileError, match='message 3000 has "content"'):
        loads(json.dumps(doc), "long.json")


def test_search_texts_build_nothing():
    conv = loads(json.dumps(long_document(500))).conversation
    conv[3].content = "edited"
    texts = list(conv.texts())
    assert texts[3] == "edited"
    assert texts[4] == "m4 ü"
    assert len(texts) == 500
    assert conv.unbuilt() == 499


def test_mutations_of_a_partly_built_history():
    conv = loads(json.dumps(long_document(100))).conversation
    seen: list[int] = []
    conv.subscribe(seen.append)
    removed = conv.remove(10)
    assert isinstance(removed, Message)
    assert removed.content == "m10 ü"
    assert conv[10].content == "m11 ü"
    conv.set_content(20, "new")
    conv.append_content(20, "er")
    assert conv[20].content == "newer"
    appended = Message("user", "last")
    with pytest.raises(ValueError, match="not in this conversation"):
        conv.index_of(appended)  # an entry not built yet is never it
    assert conv.append(appended) == conv.index_of(appended) == 99
    dropped = conv.truncate(95)
    assert [m.content for m in dropped] == [f"m{i} ü" for i in range(96, 100)] + ["last"]
    assert conv.truncate(-1)[0].content == "m95 ü"
    assert seen == [10, 20, 20, 99, 95, -1]
    assert len(conv.history) == 94
    assert conv.unbuilt() == 0


def test_build_all_from_a_worker_while_the_gui_thread_reads():
    conv = loads(json.dumps(long_document(N))).conversation
    read: dict[int, Message] = {}
    worker_list: list[Message] = []
    worker = threading.Thread(target=lambda: worker_list.extend(conv.build_all(chunk=50)))
    worker.start()
    for i in range(N - 1, N - 2000, -1):  # the newest rows, as the window reads them
        read[i] = conv[i]
    worker.join()
    assert conv.unbuilt() == 0
    assert all(worker_list[i] is message for i, message in read.items())
    assert worker_list == list(conv)
    assert len({id(m) for m in worker_list}) == N


def test_build_all_pauses_between_chunks_and_builds_what_a_removal_shifted():
    conv = loads(json.dumps(long_document(1000))).conversation
    pauses: list[int] = []

    def pause() -> None:  # the GUI thread removing messages between two chunks
        pauses.append(len(pauses))
        if len(pauses) == 1:
            conv.remove(0)

    messages = conv.build_all(chunk=300, pause=pause)
    assert len(pauses) == 3
    assert len(messages) == 999
    assert conv.unbuilt() == 0
    assert [m.content for m in messages] == [f"m{i} ü" for i in range(1, 1000)]


def test_a_conversation_made_in_code_is_built_already():
    conv = Conversation(history=[Message("user", "hi")])
    assert conv.unbuilt() == 0
    assert conv.build_all() == list(conv)


def test_timestamps_are_utc_iso_8601_with_milliseconds():
    from datetime import datetime, timedelta, timezone

    from chatdesk.core.messages import now_iso

    before = datetime.now(timezone.utc)
    stamp = now_iso()
    after = datetime.now(timezone.utc)
    parsed = datetime.fromisoformat(stamp)
    assert stamp.endswith("+00:00")
    assert len(stamp) == len("2026-11-23T09:30:00.123+00:00")
    assert before - timedelta(milliseconds=1) <= parsed <= after
    assert Conversation().created_at <= now_iso()
