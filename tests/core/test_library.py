"""The library folder: ids, titles, saves that never overwrite another's, trash, import."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import FILE_SUFFIX, ConversationFileError, load_conversation
from chatdesk.core.library import (
    CONFLICT_MARK,
    Library,
    display_title,
    iso_seconds,
    iso_time,
    last_activity,
    library_dir,
)
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.paths import data_dir


def chat(*texts: str, title: str = "") -> Conversation:
    conv = Conversation(title=title)
    for i, text in enumerate(texts):
        conv.append(Message("user" if i % 2 == 0 else "assistant", text))
    return conv


def test_the_folder_is_in_the_data_folder_unless_a_setting_moves_it(tmp_path):
    assert library_dir() == data_dir() / "library"
    assert Library().folder == data_dir() / "library"
    assert library_dir(str(tmp_path / "elsewhere")) == tmp_path / "elsewhere"
    assert library_dir("  ") == data_dir() / "library"


def test_the_listed_title_is_the_users_else_the_first_question():
    assert display_title(chat()) == "New conversation"
    assert display_title(chat("\n  How do I   file taxes?\nmore")) == "How do I file taxes?"
    assert display_title(chat("ignored", title="  Taxes  2026 ")) == "Taxes 2026"


def test_last_activity_is_the_newest_stamp_in_epoch_seconds():
    conv = chat("a", "b")
    conv.created_at = "2026-01-01T00:00:00.000+00:00"
    conv[0].meta = MessageMeta(created_at="2026-03-01T00:00:00.000+00:00")
    conv[1].meta = MessageMeta(created_at="not a time")
    assert last_activity(conv) == iso_seconds("2026-03-01T00:00:00+00:00")
    assert iso_time(last_activity(conv)) == "2026-03-01T00:00:00+00:00"
    assert iso_seconds("2026-03-01T00:00:00") == iso_seconds("2026-03-01T00:00:00Z")


def test_create_load_save_round_trip(tmp_path):
    lib = Library(tmp_path)
    saved = lib.create(chat("hello", "hi there"))
    assert lib.path(saved.id) == tmp_path / f"{saved.id}{FILE_SUFFIX}"
    assert lib.id_of(lib.path(saved.id)) == saved.id
    assert lib.id_of(tmp_path.parent / f"{saved.id}{FILE_SUFFIX}") is None
    opened = lib.load(saved.id)
    assert [m.content for m in opened.conversation] == ["hello", "hi there"]
    opened.conversation.append(Message("user", "more"))
    again = lib.save(saved.id, opened.conversation, opened.disk)
    assert again.id == saved.id
    assert again.conflict is None
    assert len(lib.load(saved.id).conversation) == 3


def test_ids_cannot_leave_the_folder(tmp_path):
    lib = Library(tmp_path)
    for bad in ("../x", "", ".hidden", "a/b", "a" * 65):
        with pytest.raises(ValueError, match="not a library id"):
            lib.path(bad)


def test_a_file_changed_by_another_process_is_never_overwritten(tmp_path):
    lib = Library(tmp_path)
    first = lib.create(chat("hello"))
    mine = lib.load(first.id)
    theirs = lib.load(first.id)
    theirs.conversation.append(Message("assistant", "their reply"))
    lib.save(first.id, theirs.conversation, theirs.disk)
    mine.conversation.append(Message("assistant", "my reply"))
    result = lib.save(first.id, mine.conversation, mine.disk)
    assert result.conflict == first.id
    assert result.id != first.id
    assert [m.content for m in lib.load(first.id).conversation] == ["hello", "their reply"]
    kept = lib.load(result.id).conversation
    assert [m.content for m in kept] == ["hello", "my reply"]
    assert kept.title == "hello" + CONFLICT_MARK


def test_a_new_conversation_never_takes_an_existing_files_place(tmp_path):
    lib = Library(tmp_path)
    other = lib.create(chat("theirs"))
    result = lib.save(other.id, chat("mine"), None)
    assert result.conflict == other.id
    assert lib.load(other.id).conversation[0].content == "theirs"


def test_rename_and_pin_are_kept_in_the_file(tmp_path):
    lib = Library(tmp_path)
    saved = lib.create(chat("hello"))
    lib.rename(saved.id, "  My   chat ")
    lib.set_pinned(saved.id, True)
    document = json.loads(lib.path(saved.id).read_text())
    assert document["title"] == "My chat"
    assert document["pinned"] is True
    [entry] = lib.entries()
    assert (entry.title, entry.pinned, entry.messages) == ("My chat", True, 1)
    lib.rename(saved.id, "")
    assert lib.entries()[0].title == "hello"


def test_entries_pinned_first_then_newest_activity(tmp_path):
    lib = Library(tmp_path)
    ids = []
    for n, stamp in enumerate(["2026-01-01", "2026-03-01", "2026-02-01"]):
        conv = chat(f"chat {n}")
        conv[0].meta = MessageMeta(created_at=f"{stamp}T00:00:00.000+00:00")
        conv.created_at = "2025-01-01T00:00:00.000+00:00"
        ids.append(lib.create(conv).id)
    lib.set_pinned(ids[0], True)
    assert [e.title for e in lib.entries()] == ["chat 0", "chat 1", "chat 2"]
    assert iso_time(lib.entries()[1].last_activity).startswith("2026-03-01")


def test_trash_restore_and_empty(tmp_path):
    lib = Library(tmp_path)
    keep, gone = lib.create(chat("keep")).id, lib.create(chat("gone")).id
    lib.trash(gone)
    assert [e.id for e in lib.entries()] == [keep]
    assert [e.id for e in lib.entries(trashed=True)] == [gone]
    lib.restore(gone)
    assert {e.id for e in lib.entries()} == {keep, gone}
    lib.trash(gone)
    with pytest.raises(KeyError):
        lib.trash(gone)
    assert lib.empty_trash() == 1
    assert lib.entries(trashed=True) == []
    with pytest.raises(KeyError):
        lib.restore(gone)


def test_duplicate(tmp_path):
    lib = Library(tmp_path)
    original = lib.create(chat("hello", "hi", title="Plans")).id
    lib.set_pinned(original, True)
    copy = lib.duplicate(original)
    conv = lib.load(copy).conversation
    assert conv.title == "Plans (copy)"
    assert not conv.pinned_in_list
    assert [m.content for m in conv] == ["hello", "hi"]


def test_import_copies_files_and_request_bodies(tmp_path):
    lib = Library(tmp_path / "lib")
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"model": "gpt-4o", "messages": [{"role": "system",
                    "content": "terse"}], "tools": [{"type": "function"}]}))  # fmt: skip
    id = lib.import_file(body)
    conv = lib.load(id).conversation
    assert conv.title == "body"
    assert conv.request_extra["tools"] == [{"type": "function"}]
    assert body.read_text().startswith('{"model"')  # the source is untouched
    with pytest.raises(ConversationFileError):
        lib.import_file(tmp_path / "missing.json")


def test_a_bad_file_is_listed_with_its_error_and_hides_nothing(tmp_path):
    lib = Library(tmp_path)
    good = lib.create(chat("fine")).id
    (tmp_path / f"20260101-000000-aaaaaa{FILE_SUFFIX}").write_text("{not json")
    newer = {"format": "chatdesk.conversation", "version": 99, "messages": []}
    (tmp_path / f"20260101-000000-bbbbbb{FILE_SUFFIX}").write_text(json.dumps(newer))
    unreadable = tmp_path / f"20260101-000000-cccccc{FILE_SUFFIX}"
    unreadable.write_text("{}")
    unreadable.chmod(0)
    (tmp_path / "notes.txt").write_text("not a conversation")
    try:
        entries = {e.id: e for e in lib.entries()}
    finally:
        unreadable.chmod(0o600)
    assert entries[good].error is None
    assert "not valid JSON" in entries["20260101-000000-aaaaaa"].error
    assert "newer chatdesk" in entries["20260101-000000-bbbbbb"].error
    if os.geteuid() != 0:  # root reads anything
        assert "cannot be read" in entries["20260101-000000-cccccc"].error
    assert len(entries) == 4


def test_update_reapplies_when_another_process_wrote_between(tmp_path, monkeypatch):
    lib = Library(tmp_path)
    id = lib.create(chat("hello")).id
    real_load = Library.load
    calls = []

    def racing_load(self, id):
        opened = real_load(self, id)
        if not calls:  # another process appends right after this one read
            other = real_load(self, id)
            other.conversation.append(Message("assistant", "theirs"))
            Library.save(self, id, other.conversation, other.disk)
        calls.append(1)
        return opened

    monkeypatch.setattr(Library, "load", racing_load)
    lib.rename(id, "Renamed")
    conv = load_conversation(lib.path(id)).conversation
    assert conv.title == "Renamed"
    assert [m.content for m in conv] == ["hello", "theirs"]
    assert len(calls) == 2


def test_files_skips_temporaries_and_foreign_names(tmp_path):
    lib = Library(tmp_path)
    id = lib.create(chat("x")).id
    (tmp_path / f".{id}{FILE_SUFFIX}.chatdesk-1-x.tmp").write_text("")
    (tmp_path / "bad name!.chatdesk.json").write_text("{}")
    assert [f.id for f in lib.files()] == [id]
    assert list(Library(Path(tmp_path / "missing")).files()) == []


GONE_PID = 2**22 + 12345  # above Linux's pid_max: no such process


def test_a_look_at_the_folder_removes_what_killed_writers_left_and_nothing_else(lib):
    """The temporaries of a writer killed mid-save go at the library's next look at its folder
    (`stamps`, what every refresh runs); those of a writer still at work, in another process
    or this one, and files not named as chatdesk names them, stay."""
    import subprocess
    import sys

    id = lib.create(chat("hello")).id
    name = lib.path(id).name
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lib.trash_folder.mkdir()
        stale = lib.folder / f".{name}.chatdesk-{GONE_PID}-x1.tmp"
        stale_in_trash = lib.trash_folder / f".{name}.chatdesk-{GONE_PID}-x2.tmp"
        live = lib.folder / f".{name}.chatdesk-{writer.pid}-x3.tmp"  # another process's write
        mine = lib.folder / f".{name}.chatdesk-{os.getpid()}-x4.tmp"  # this one's, on a thread
        foreign = lib.folder / f".{name}.someone-else.tmp"
        for path in (stale, stale_in_trash, live, mine, foreign):
            path.write_text("{}")
        assert lib.stamps() == {id: stamp(lib, id)}
        assert not stale.exists()
        assert not stale_in_trash.exists()
        assert live.exists()
        assert mine.exists()
        assert foreign.exists()
    finally:
        writer.kill()
        writer.wait()


def stamp(lib, id):
    info = lib.path(id).stat()
    return info.st_mtime_ns, info.st_size, False


def test_writing_a_conversation_does_not_list_the_library_folder(lib, monkeypatch):
    """A save listed all 10,000 files of a big library to look for a killed writer's
    temporaries; the library's own look at its folder removes them instead."""
    id = lib.create(chat("hello")).id
    stale = lib.folder / f".{lib.path(id).name}.chatdesk-{GONE_PID}-x1.tmp"
    stale.write_text("{}")
    listed: list[str] = []
    scandir, listdir = os.scandir, os.listdir
    monkeypatch.setattr(os, "scandir", lambda p=".": listed.append(os.fspath(p)) or scandir(p))
    monkeypatch.setattr(os, "listdir", lambda p=".": listed.append(os.fspath(p)) or listdir(p))
    opened = lib.load(id)
    opened.conversation.append(Message("assistant", "hi"))
    lib.save(id, opened.conversation, opened.disk)  # the window's write after a reply
    lib.rename(id, "Greetings")
    lib.create(chat("another"))
    assert listed == []
    assert stale.exists()
    lib.stamps()
    assert not stale.exists()
