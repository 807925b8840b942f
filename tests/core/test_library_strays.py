"""Conversation files put into the library folder by hand (issue 14's leftover): a chatdesk
conversation named `.json` (saved so, or by a version before `.chatdesk.json`) is given an id
and listed, as a hand-named `.chatdesk.json` is; any other plain `.json` (one chatdesk cannot
read or open, a request body, notes) is the user's: left exactly as it is, unlisted, said once
with why (the refresh's `skipped`), and not read again while it stays as it is."""

from __future__ import annotations

import json
import logging
import os

import pytest

from chatdesk.core import fileformat
from chatdesk.core.fileformat import FILE_SUFFIX, dumps
from chatdesk.core.library import Library
from chatdesk.core.library_index import LibraryIndex
from tests.core.conftest import chat

# The first format (chatdesk's first versions, saved as ".json"): text messages, version 1.
VERSION_1 = {
    "format": "chatdesk.conversation", "version": 1, "title": "", "profile": "work",
    "model": "gpt-4o", "params": {"temperature": 0.5}, "draft": "",
    "messages": [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": "Where do puffins nest?"},
                 {"role": "assistant", "content": "In burrows on sea cliffs."}],
}  # fmt: skip
OTHERS = {
    "notes.json": '{"shopping": ["eggs"]}',
    "body.json": json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    "broken.json": '{"format": "chatdesk.conversation", "version": 2, "messages": [',
    "theirs.json": json.dumps({"format": "another.app", "messages": []}),
    "mentions.json": json.dumps({"text": 'it writes "format": "chatdesk.conversation"'}),
    "list.json": '["chatdesk.conversation"]',
    "empty.json": "",
    # A conversation of a newer chatdesk, and one whose fields this one cannot read (tester's
    # finding 8: both were renamed to ids, the user's file gone from where they put it).
    "newer.json": json.dumps({**VERSION_1, "version": 99}),
    "damaged.json": json.dumps({**VERSION_1, "messages": 5}),
}


def drop(lib: Library, name: str, text: str) -> None:
    lib.folder.mkdir(parents=True, exist_ok=True)
    (lib.folder / name).write_text(text, encoding="utf-8")


def test_chatdesk_conversations_named_json_are_listed_and_other_json_is_left_alone(
    lib, index, caplog
):
    kept = lib.create(chat("already here")).id
    drop(lib, "Puffins.json", json.dumps(VERSION_1))
    saved = dumps(chat("What is a heron?", "A wading bird.", title="Herons"))
    drop(lib, "herons export.json", saved)
    for name, text in OTHERS.items():
        drop(lib, name, text)
    drop(lib, ".partial.json", saved)  # a temporary file: never taken
    lib.trash_folder.mkdir()
    drop(lib, "trash/in the trash.json", saved)  # the trash holds only what was listed

    with caplog.at_level(logging.DEBUG):
        report = index.refresh()
    assert caplog.records == []  # nothing logged about the files left alone: said to the user
    entries = {e.title: e for e in index.entries()}
    assert set(entries) == {"already here", "Where do puffins nest?", "Herons"}
    assert all(e.error is None for e in entries.values())
    assert len(report.read) == 3
    why = {skipped.name: skipped.why for skipped in report.skipped}
    assert set(why) == set(OTHERS)
    assert "not valid JSON" in why["broken.json"]
    assert "request body" in why["body.json"]
    assert "newer chatdesk" in why["newer.json"]
    assert "number, not a list" in why["damaged.json"]
    assert "neither a chatdesk conversation" in why["notes.json"]
    assert index.refresh().skipped == ()  # said once
    for title in ("Where do puffins nest?", "Herons"):
        path = entries[title].path
        assert path.name == entries[title].id + FILE_SUFFIX
        assert path.parent == lib.folder
    assert entries["Herons"].path.read_text(encoding="utf-8") == saved  # moved, not rewritten
    assert lib.load(entries["Where do puffins nest?"].id).conversation.system_prompt == "Be brief."
    left = sorted(p.name for p in lib.folder.iterdir() if not p.name.endswith(FILE_SUFFIX))
    assert left == sorted([*OTHERS, ".partial.json", "trash"])
    for name, text in OTHERS.items():
        assert (lib.folder / name).read_text(encoding="utf-8") == text
    assert (lib.trash_folder / "in the trash.json").exists()
    assert entries["already here"].id == kept


def test_json_left_alone_is_not_read_again_until_it_changes(lib, index, monkeypatch):
    for name, text in OTHERS.items():
        drop(lib, name, text)
    read = fileformat.read_file
    reads: list[str] = []

    def counted(path):
        reads.append(str(path))
        return read(path)

    monkeypatch.setattr(fileformat, "read_file", counted)
    index.refresh()
    assert len(reads) == len(OTHERS)
    index.refresh()
    index.refresh()
    assert len(reads) == len(OTHERS)  # each looked at once
    (lib.folder / "broken.json").write_text("{}")
    assert [s.name for s in index.refresh().skipped] == ["broken.json"]  # changed: said again

    (lib.folder / "notes.json").write_text(dumps(chat("now a chat")))
    index.refresh()
    assert len(reads) == len(OTHERS) + 3  # judged, then indexed as a conversation
    assert [e.title for e in index.entries()] == ["now a chat"]
    assert not (lib.folder / "notes.json").exists()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="permissions do not stop root (CI runs as root): a file cannot be made unreadable",
)
def test_a_json_file_chatdesk_may_not_read_is_left_as_it_is(lib, index):
    saved = dumps(chat("What is a heron?", "A wading bird."))
    drop(lib, "private.json", saved)
    path = lib.folder / "private.json"
    path.chmod(0)
    try:
        report = index.refresh()
        [skipped] = report.skipped
        assert skipped.name == "private.json"
        assert "cannot be read" in skipped.why
        assert index.entries() == []
        assert path.exists()
    finally:
        path.chmod(0o644)
    assert path.read_text(encoding="utf-8") == saved


def test_json_left_alone_is_said_once_across_starts(lib, index, tmp_path):
    # Tester, session 10: the note about notes.json came back at every start, although the
    # README says once until it changes. What was said is kept with the index (outside the
    # library folder, so keeping it starts no second look).
    for name, text in OTHERS.items():
        drop(lib, name, text)
    assert sorted(s.name for s in index.refresh().skipped) == sorted(OTHERS)
    before = sorted(os.listdir(lib.folder))
    index.close()
    again = LibraryIndex(Library(lib.folder), tmp_path / "index.sqlite3")  # the next start
    try:
        assert again.refresh().skipped == ()
        (lib.folder / "broken.json").write_text("{}")
        os.remove(lib.folder / "theirs.json")
        assert [s.name for s in again.refresh().skipped] == ["broken.json"]
        assert sorted(os.listdir(lib.folder)) == sorted(set(before) - {"theirs.json"})
    finally:
        again.close()
    third = LibraryIndex(Library(lib.folder), tmp_path / "index.sqlite3")
    try:
        (lib.folder / "theirs.json").write_text(OTHERS["theirs.json"])  # back: said again
        assert [s.name for s in third.refresh().skipped] == ["theirs.json"]
    finally:
        third.close()
