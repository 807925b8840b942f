"""Crash recovery: what a killed chatdesk left behind comes back, and nothing else does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from chatdesk.core.conversation import Conversation, GenerationParams, TrimSettings
from chatdesk.core.fileformat import to_document
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.paths import recovery_dir
from chatdesk.core.recovery import RecoveryEntry, RecoveryStore

ROOT = Path(__file__).resolve().parents[2]


def full_conversation() -> Conversation:
    conv = Conversation(
        system_prompt="You are terse.",
        examples=[Message("user", "2+2?", name="example_user"),
                  Message("assistant", "4", name="example_assistant")],
        params=GenerationParams(temperature=0.3, max_tokens=200, stop=["END"], seed=7,
                                response_format="json_object"),
        trimming=TrimSettings(policy="turns", max_turns=5, whole_turns=False),
        profile="work",
        model="gpt-4o",
        title="Taxes",
    )  # fmt: skip
    conv.system_name = "setup"
    conv.draft = "half a thought"
    conv.append(Message("user", 'When are taxes due? «ünïcode» "q" \\ \u2028'))
    meta = MessageMeta(
        finish_reason="stop",
        usage={"total_tokens": 12},
        model="gpt-4o",
        request_id="req-1",
        latency_ms=412.5,
    )
    conv.append(Message("assistant", "April 15th.", meta=meta))
    return conv


def partial_conversation(text: str = "Once upon a") -> Conversation:
    conv = Conversation(title="Story")
    conv.append(Message("user", "Tell me a story"))
    conv.append(Message("assistant", text, meta=MessageMeta(incomplete=True)))
    return conv


def documents_equal(a: Conversation, b: Conversation) -> bool:
    return to_document(a) == to_document(b)


@pytest.fixture
def store(tmp_path) -> RecoveryStore:
    return RecoveryStore(tmp_path / "recovery")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the pid names no process now
    return proc.pid


def set_pid(store: RecoveryStore, id: str, pid: int) -> None:
    file = store.file(id)
    data = json.loads(file.read_text("utf-8"))
    data["pid"] = pid
    file.write_text(json.dumps(data), "utf-8")


# -- round trip ------------------------------------------------------------------------------
def test_round_trip_keeps_every_field(store, tmp_path):
    conv = full_conversation()
    id = store.new_id()
    original = tmp_path / "taxes.chat.json"
    store.save(id, conv, original)

    data = json.loads(store.file(id).read_text("utf-8"))
    assert data["format"] == "chatdesk.recovery"
    assert data["version"] == 1
    assert data["id"] == id
    assert data["path"] == os.fspath(original)
    assert data["pid"] == os.getpid()
    assert data["conversation"] == to_document(conv)
    assert isinstance(data["saved_at"], str)

    [entry] = store.entries()
    assert (entry.id, entry.path, entry.title, entry.messages) == (id, original, "Taxes", 2)
    assert entry.saved_at == data["saved_at"]
    restored = store.load(entry)
    assert documents_equal(restored, conv)
    assert restored.draft == "half a thought"
    assert restored.system_name == "setup"
    assert store.load(entry) is not restored  # a fresh conversation each time


def test_default_folder_is_recovery_dir():
    store = RecoveryStore()
    store.save("abc", partial_conversation(), None)
    assert (recovery_dir() / "abc.json").is_file()
    assert store.entries()[0].path is None


def test_a_copy_is_named_as_the_window_and_the_sidebar_name_its_conversation(store):
    conv = Conversation()
    store.save("a", conv, None)
    assert store.entries()[0].display_name == "New conversation"
    conv.append(Message("user", "hi"))
    store.save("a", conv, None)
    assert store.entries()[0].display_name == "hi"  # the title made from the first exchange
    # A file of the user's by the title it gives and its file (the copy goes back into it);
    # by its file's name alone when it gives none.
    store.save("a", conv, Path("/somewhere/notes.json"))
    assert store.entries()[0].display_name == "notes.json"
    conv.title = "My notes"
    store.save("a", conv, Path("/somewhere/notes.json"))
    [entry] = store.entries()
    assert entry.display_name == "My notes (notes.json)"
    assert entry.name(lambda path: path.parent == Path("/somewhere")) == "My notes"


def test_entries_newest_first(store):
    for id in ("first", "second", "third"):
        store.save(id, partial_conversation(id), None)
        time.sleep(0.005)  # saved_at has millisecond resolution
    store.save("first", partial_conversation("first, edited"), None)
    assert [e.id for e in store.entries()] == ["first", "third", "second"]


def test_unchanged_conversation_is_not_rewritten(store):
    conv = partial_conversation()
    store.save("a", conv, None)
    file = store.file("a")
    before = file.stat().st_mtime_ns, file.read_text("utf-8")
    time.sleep(0.01)
    store.save("a", conv, None)
    assert (file.stat().st_mtime_ns, file.read_text("utf-8")) == before

    conv.append_content(1, " time")
    store.save("a", conv, None)
    assert "Once upon a time" in file.read_text("utf-8")
    store.save("a", conv, Path("/now/saved.json"))  # the path alone is a change too
    assert json.loads(file.read_text("utf-8"))["path"] == "/now/saved.json"


def test_discard_removes_the_file(store):
    store.save("a", partial_conversation(), None)
    store.save("b", partial_conversation(), None)
    store.discard("a")
    assert not store.file("a").exists()
    assert [e.id for e in store.entries()] == ["b"]
    store.discard("a")  # twice is fine
    # After a discard the same content is written again, not skipped as unchanged.
    store.save("a", partial_conversation(), None)
    assert store.file("a").exists()


def test_discard_cleans_a_leftover_temporary_file(store):
    store.save("a", partial_conversation(), None)
    leftover = store.folder / ".a.json.x1y2.tmp"
    leftover.write_text("{", "utf-8")
    store.discard("a")
    assert not leftover.exists()


@pytest.mark.parametrize("bad", ["", "../x", "a/b", ".hidden", "a b", "x" * 65])
def test_unsafe_ids_are_refused(store, bad):
    with pytest.raises(ValueError, match="not a recovery id"):
        store.save(bad, partial_conversation(), None)


def test_missing_folder_has_no_entries(tmp_path):
    assert RecoveryStore(tmp_path / "nothing").entries() == []


# -- damage ----------------------------------------------------------------------------------
DAMAGED = {
    "truncated": '{"format": "chatdesk.recovery", "version": 1, "id": "x", "conv',
    "not-json": "hello",
    "not-utf8": b"\xff\xfe\x00",
    "a-list": "[]",
    "wrong-format": '{"format": "chatdesk.conversation", "version": 1}',
    "no-version": '{"format": "chatdesk.recovery", "id": "no-version"}',
    "bad-conversation": json.dumps({
        "format": "chatdesk.recovery", "version": 1, "id": "bad-conversation", "path": None,
        "pid": 1, "saved_at": "2025-01-01T00:00:00.000+00:00",
        "conversation": {"format": "chatdesk.conversation", "version": 1,
                         "messages": [{"role": "robot", "content": "x"}]},
    }),
    "bad-date": json.dumps({
        "format": "chatdesk.recovery", "version": 1, "id": "bad-date", "path": None, "pid": 1,
        "saved_at": "yesterday", "conversation": {},
    }),
    "empty": "",
}  # fmt: skip


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_file_is_skipped_and_moved_aside(store, name):
    store.save("good", partial_conversation(), None)
    raw = DAMAGED[name]
    bad = store.folder / f"{name}.json"
    if isinstance(raw, bytes):
        bad.write_bytes(raw)
    else:
        bad.write_text(raw, "utf-8")

    assert [e.id for e in store.entries()] == ["good"]
    assert not bad.exists()
    assert (store.folder / f"{name}.json.bad").read_bytes() == (
        raw if isinstance(raw, bytes) else raw.encode()
    )
    assert [e.id for e in store.entries()] == ["good"]  # and stays out of the way


def test_entry_whose_id_does_not_match_its_file_is_damaged(store):
    store.save("a", partial_conversation(), None)
    store.file("a").rename(store.folder / "b.json")
    assert store.entries() == []
    assert (store.folder / "b.json.bad").exists()


def test_newer_format_is_left_alone(store):
    newer = store.folder / "future.json"
    store.folder.mkdir(parents=True)
    newer.write_text('{"format": "chatdesk.recovery", "version": 99, "id": "future"}', "utf-8")
    assert store.entries() == []
    assert newer.exists()


# -- other processes -------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="liveness is checked on POSIX only")
def test_live_process_entry_not_offered_dead_one_offered(store):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        store.save("live", partial_conversation("live"), None)
        store.save("dead", partial_conversation("dead"), None)
        set_pid(store, "live", live.pid)
        set_pid(store, "dead", dead_pid())
        assert [e.id for e in store.entries()] == ["dead"]
        assert store.file("live").exists()  # not offered, not moved: its owner still runs
    finally:
        live.kill()
        live.wait()
    assert sorted(e.id for e in store.entries()) == ["dead", "live"]


def test_own_entries_are_offered(store):
    store.save("mine", partial_conversation(), None)
    assert [e.id for e in store.entries()] == ["mine"]


# -- partial replies -------------------------------------------------------------------------
def test_incomplete_partial_reply_restored_marked_incomplete(store):
    conv = partial_conversation("Once upon a ti")
    store.save("s", conv, None)
    [entry] = store.entries()
    restored = store.load(entry)
    assert [m.role for m in restored] == ["user", "assistant"]
    assert restored[1].content == "Once upon a ti"
    assert restored[1].meta.incomplete is True
    assert restored[0].meta.incomplete is False


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message, MessageMeta
    from chatdesk.core.recovery import RecoveryStore

    store = RecoveryStore(Path(sys.argv[1]))
    conv = Conversation(title="Killed mid-stream")
    conv.append(Message("user", "Write a long story"))
    reply = conv.append(Message("assistant", "", meta=MessageMeta(incomplete=True)))
    n = 0
    while True:
        conv.append_content(reply, f"word{n} ")
        store.save("killed", conv, None)
        n += 1
        if n == 25:
            print("saving", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_mid_stream_is_recovered(tmp_path):
    folder = tmp_path / "recovery"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(folder)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"saving"
        time.sleep(0.2)  # well into the loop: many more saves in flight
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    data = json.loads((folder / "killed.json").read_text("utf-8"))  # never half-written
    assert data["format"] == "chatdesk.recovery"
    store = RecoveryStore(folder)
    [entry] = store.entries()
    assert entry.id == "killed"
    assert entry.title == "Killed mid-stream"
    assert entry.messages == 2
    conv = store.load(entry)
    assert conv[0].role == "user"
    assert conv[0].content == "Write a long story"
    assert conv[1].role == "assistant"
    assert conv[1].content.startswith("word0 word1 word2 ")
    assert conv[1].content.count("word") >= 25
    assert conv[1].meta.incomplete is True


def test_entry_is_a_value(store):
    store.save("a", partial_conversation(), None)
    [entry] = store.entries()
    assert isinstance(entry, RecoveryEntry)
    assert entry == store.entries()[0]  # the loader takes no part in equality
    assert "conversation_loader" not in repr(entry)


# -- a copy kept with "Later" and what was saved or kept after it (against_since) -----------
def _saved_file(tmp_path, name, draft):
    from chatdesk.core.fileformat import save_conversation

    conv = Conversation()
    conv.draft = draft
    conv.append(Message("user", "q"))
    path = tmp_path / name
    save_conversation(conv, path)
    return path, conv


def test_a_copy_is_older_than_its_file_saved_since_or_a_newer_copy(store, tmp_path):
    from chatdesk.core.recovery import against_since
    from chatdesk.core.session_state import SessionState

    path, conv = _saved_file(tmp_path, "q.json", "old")
    conv.draft = "old FASTKILL"
    store.save("early", conv, path)
    time.sleep(0.01)
    conv.draft = "old FASTKILL more"
    store.save("late", conv, path)
    crashed = SessionState()  # the last run did not close properly: no state written at close
    [late, early] = against_since(store.entries(), crashed)
    assert (late.id, late.older_than, late.kept_for_later) == ("late", "", False)
    assert early.older_than == "a newer recovery copy of it"
    time.sleep(0.01)
    _saved_file(tmp_path, "q.json", "old again")  # saved after both copies
    [late, early] = against_since(store.entries(), crashed)
    assert late.older_than == "q.json as it was saved since"


def test_a_copy_is_older_than_a_session_that_closed_properly_with_it_open(store, tmp_path):
    from chatdesk.core.recovery import against_since
    from chatdesk.core.session_state import (
        OpenConversation,
        SessionState,
        load_session_state,
        save_session_state,
    )

    path, conv = _saved_file(tmp_path, "q.json", "old")
    other, _ = _saved_file(tmp_path, "other.json", "")
    conv.draft = "old FASTKILL"
    store.save("q", conv, path)
    store.save("other", conv, other)
    time.sleep(0.01)
    state_file = tmp_path / "session.json"
    kept = SessionState([OpenConversation(str(path), "old again")], closed=True)
    save_session_state(kept, state_file)
    by_id = {e.id: e for e in against_since(store.entries(), load_session_state(state_file))}
    assert by_id["q"].older_than == "the conversation as chatdesk last closed it"
    assert by_id["q"].kept_for_later
    assert by_id["other"].older_than == ""  # not open since: its work is only in the copy
    assert by_id["other"].kept_for_later
    # The same state written while chatdesk ran (then killed) says nothing of the copies.
    save_session_state(SessionState(kept.conversations), state_file)
    running = load_session_state(state_file)
    assert not running.closed
    assert all(
        not e.older_than and not e.kept_for_later for e in against_since(store.entries(), running)
    )


def test_a_copy_holding_a_turn_its_file_never_got_is_not_marked_older(store, tmp_path):
    # The tester's steps: a turn sent ("And a stork?") and kill -9; relaunch, "Later" (the file
    # reopens as it is on disk, without the turn), Quit with Save; relaunch. The copy was
    # marked "older than mine.chatdesk.json" and unchecked, though only it held the turn.
    from chatdesk.core.recovery import against_since
    from chatdesk.core.session_state import OpenConversation, SessionState

    path, conv = _saved_file(tmp_path, "mine.chatdesk.json", "")
    conv.append(Message("assistant", "a"))
    conv.append(Message("user", "And a stork?"))
    conv.append(Message("assistant", "Also a bird."))
    store.save("mine", conv, path)
    time.sleep(0.01)
    _saved_file(tmp_path, "mine.chatdesk.json", "")  # saved again without the turns
    closed = SessionState([OpenConversation(str(path), "")], closed=True)
    [entry] = against_since(store.entries(), closed)
    assert entry.older_than == ""
    # Saved again with the turns (and one more): the copy is older than that file.
    conv.append(Message("user", "And a heron?"))
    from chatdesk.core.fileformat import save_conversation

    time.sleep(0.01)
    save_conversation(conv, path)
    [entry] = against_since(store.entries(), closed)
    assert entry.older_than == "mine.chatdesk.json as it was saved since"
