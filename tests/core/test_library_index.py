"""The library index against a real sqlite3 with FTS5: listing, search, incremental updates,
rebuilding from the files, a damaged index, two processes."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from chatdesk.core.fileformat import FILE_SUFFIX
from chatdesk.core.library import Library
from chatdesk.core.library_index import LibraryIndex, available, damaged, index_path
from chatdesk.core.library_search import fts_query
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir
from tests.core.conftest import chat

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not available(), reason="this SQLite has no FTS5")


def test_the_index_lives_in_the_data_folder():
    assert index_path() == data_dir() / "library-index.sqlite3"


def test_query_words_are_never_fts_syntax():
    assert fts_query("") == ""
    assert fts_query('  "" -- ') == ""
    assert fts_query('tax OR NEAR("x") refund') == '"tax" "OR" "NEAR" "x" "refund"*'


def test_refresh_lists_without_opening_files_and_searches_every_message(lib, index):
    a = lib.create(chat("How do I file taxes?", "Use the form 1040.", title="Taxes")).id
    b = lib.create(chat("Recipe for bread", "Flour, water, salt and yeast.")).id
    report = index.refresh()
    assert set(report.read) == {a, b}
    assert report.rebuilt
    entries = {e.id: e for e in index.entries()}
    assert entries[a].title == "Taxes"
    assert entries[a].messages == 2
    assert entries[b].title == "Recipe for bread"
    assert index.refresh().read == ()  # nothing changed: nothing read

    [hit] = index.search("yeast")
    assert (hit.conversation_id, hit.message_index, hit.title) == (b, 1, "Recipe for bread")
    start, end = hit.highlights[0]
    assert hit.snippet[start:end] == "yeast"
    [both] = index.search("form 1040")  # every word, in one message
    assert both.message_index == 1
    assert both.conversation_id == a
    assert index.search("taxes 1040") == []  # not in one message
    # One result per conversation: the title matches too, the message is shown.
    assert [(h.conversation_id, h.message_index) for h in index.search("taxes")] == [(a, 0)]
    assert index.search("tax")  # the last word may be a prefix
    assert index.search("FLOUR")[0].conversation_id == b  # no case
    assert index.search("nothing-like-this") == []


def test_accents_and_snippets_of_long_messages(lib, index):
    long = "filler " * 200 + "the crème brûlée recipe " + "tail " * 200
    id = lib.create(chat(long)).id
    index.refresh()
    [hit] = index.search("creme brulee")
    assert hit.conversation_id == id
    assert len(hit.snippet) < 200
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["crème", "brûlée"]


def test_incremental_update_of_a_reply(lib, index):
    conv = chat("question one", "answer one")
    saved = lib.create(conv)
    index.refresh()
    conv.append(Message("user", "question two"))
    conv.append(Message("assistant", "answer zebra"))
    disk = lib.save(saved.id, conv, saved.disk).disk
    index.put(saved.id, conv, disk.mtime_ns, disk.size, from_message=2)
    assert [h.message_index for h in index.search("zebra")] == [3]
    assert [h.message_index for h in index.search("answer one")] == [1]
    assert index.entry(saved.id).messages == 4
    assert index.refresh().read == ()  # the stamps match the file: not read again
    conv.truncate(1)  # edit-and-resend dropped the later turns
    disk = lib.save(saved.id, conv, disk).disk
    index.put(saved.id, conv, disk.mtime_ns, disk.size, from_message=1)
    assert index.search("zebra") == []
    assert index.search("answer") == []


def test_changes_made_behind_its_back_are_found_by_refresh(lib, index):
    a = lib.create(chat("alpha")).id
    b = lib.create(chat("beta")).id
    index.refresh()
    lib.rename(a, "Renamed gamma")
    lib.trash(b)
    report = index.refresh()
    assert set(report.read) == {a, b}
    assert [e.title for e in index.entries()] == ["Renamed gamma"]
    assert [e.id for e in index.entries(trashed=True)] == [b]
    assert index.search("beta") == []  # trashed: not searched
    lib.empty_trash()
    assert index.refresh().dropped == (b,)
    assert index.entries(trashed=True) == []


def test_bad_files_are_listed_with_their_error(lib, index):
    good = lib.create(chat("fine")).id
    lib.folder.joinpath(f"20260101-000000-aaaaaa{FILE_SUFFIX}").write_text("{broken")
    index.refresh()
    entries = {e.id: e for e in index.entries()}
    assert entries[good].error is None
    assert "not valid JSON" in entries["20260101-000000-aaaaaa"].error
    assert entries["20260101-000000-aaaaaa"].title.endswith(FILE_SUFFIX)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_index_is_made_again_from_the_files(lib, tmp_path, damage):
    id = lib.create(chat("needle in the haystack")).id
    path = tmp_path / "index.sqlite3"
    first = LibraryIndex(lib, path)
    first.refresh()
    first.close()
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    else:
        data = path.read_bytes()
        path.write_bytes(data[:100] + b"\0" * (len(data) - 100))
    second = LibraryIndex(lib, path)
    try:
        assert second.search("needle") == []  # empty, never an exception
        report = second.refresh()
        assert report.rebuilt
        assert report.read == (id,)
        assert second.search("needle")[0].conversation_id == id
    finally:
        second.close()


def test_an_index_of_another_folder_is_not_used(lib, tmp_path):
    lib.create(chat("one"))
    index = LibraryIndex(lib, tmp_path / "i.sqlite3")
    index.refresh()
    index.close()
    other = Library(tmp_path / "other")
    moved = LibraryIndex(other, tmp_path / "i.sqlite3")
    try:
        assert moved.entries() == []
        assert moved.refresh().rebuilt
    finally:
        moved.close()


def test_the_index_is_in_wal_mode(index, tmp_path):
    index.entries()
    with sqlite3.connect(tmp_path / "index.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_processes_index_one_library_at_once(lib, tmp_path):
    """Two real processes each add and index 40 conversations on one library and index;
    neither loses the other's, and no "database is locked" escapes."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from chatdesk.core.conversation import Conversation
        from chatdesk.core.library import Library
        from chatdesk.core.library_index import LibraryIndex
        from chatdesk.core.messages import Message
        lib = Library(Path(sys.argv[1]))
        index = LibraryIndex(lib, Path(sys.argv[2]))
        for n in range(40):
            conv = Conversation(title=f"{sys.argv[3]} {n}")
            conv.append(Message("user", f"word{sys.argv[3]} number{n}"))
            saved = lib.create(conv)
            index.put(saved.id, conv, saved.disk.mtime_ns, saved.disk.size)
            if n % 10 == 0:
                index.refresh()
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [str(lib.folder), str(tmp_path / "index.sqlite3")]
    procs = [
        subprocess.Popen([sys.executable, "-c", script, *args, name], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("left", "right")
    ]  # fmt: skip
    # Both are waited for before judging, so a failure never leaves one running into the next test.
    results = [(proc, *proc.communicate(timeout=120)) for proc in procs]
    for proc, out, err in results:
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    index = LibraryIndex(lib, tmp_path / "index.sqlite3")
    try:
        assert index.refresh().read == ()  # each process indexed what it wrote
        assert len(index.entries()) == 80
        assert len(index.search("wordleft", limit=100)) == 40
        assert len(index.search("wordright", limit=100)) == 40
    finally:
        index.close()
    assert len([p for p in lib.folder.iterdir() if p.name.endswith(FILE_SUFFIX)]) == 80
    assert all(json.loads(p.read_text())["messages"] for p in lib.folder.glob("*.json"))


def test_only_a_damaged_file_is_deleted_never_one_that_is_busy_or_refused(tmp_path):
    """Deleting the index is for damage alone: a refused write (another process inserted the
    same id first) or a busy database must not wipe what other processes indexed."""
    with sqlite3.connect(tmp_path / "t.sqlite3") as db:
        db.execute("CREATE TABLE t(id TEXT UNIQUE)")
        db.execute("INSERT INTO t VALUES ('a')")
        with pytest.raises(sqlite3.IntegrityError) as refused:
            db.execute("INSERT INTO t VALUES ('a')")
    assert not damaged(refused.value)
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 200)
    with pytest.raises(sqlite3.DatabaseError) as junk:
        sqlite3.connect(tmp_path / "junk.sqlite3").execute("SELECT * FROM sqlite_master")
    assert damaged(junk.value)


def test_processes_opening_a_new_index_at_the_same_moment(lib, tmp_path):
    """CI failure of stop 23: two processes switching a new index to WAL at once got
    "database is locked" straight away (SQLite skips the busy handler there). Four processes
    start together on a fresh index, six times; every one opens and refreshes it."""
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from chatdesk.core.library import Library
        from chatdesk.core.library_index import LibraryIndex
        start = float(sys.argv[3])
        time.sleep(max(0.0, start - time.time()))
        index = LibraryIndex(Library(Path(sys.argv[1])), Path(sys.argv[2]))
        index.refresh()
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(6):
        start = time.time() + 1.0  # after all four have imported chatdesk
        path = tmp_path / f"index{round_}.sqlite3"
        procs = [
            subprocess.Popen([sys.executable, "-c", script, str(lib.folder), str(path), str(start)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]  # fmt: skip
        results = [(proc, *proc.communicate(timeout=120)) for proc in procs]
        for proc, out, err in results:
            assert proc.returncode == 0, err
            assert out.strip() == "ok"


def test_an_index_made_by_the_previous_version_is_made_anew_from_the_files(lib, tmp_path):
    """Schema 1 (no prefix indexes; rows in the order conversations were made): refresh
    makes it anew from the files, so every conversation is listed and found again and the
    new order and prefix indexes hold; the files are left as they were."""
    ids = [lib.create(chat(f"the {word} is here")).id for word in ("theory", "thimble")]
    files = {p: p.read_bytes() for p in lib.folder.glob(f"*{FILE_SUFFIX}")}
    path = tmp_path / "index.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:  # as schema 1 made it, one listed
        db.executescript(f"""
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            INSERT INTO meta VALUES ('schema', '1'),
                ('folder', '{os.path.normcase(os.path.realpath(lib.folder))}');
            CREATE TABLE conversations(num INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, title TEXT NOT NULL,
                last_activity REAL NOT NULL, messages INTEGER NOT NULL, pinned INTEGER NOT NULL,
                trashed INTEGER NOT NULL, error TEXT, mtime_ns INTEGER NOT NULL,
                size INTEGER NOT NULL);
            CREATE VIRTUAL TABLE message_text USING fts5(text, conversation UNINDEXED,
                position UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
            INSERT INTO conversations VALUES (1, '{ids[0]}', 'x', 'Old', 0, 1, 0, 0, NULL, 0, 0);
            INSERT INTO message_text(rowid, text, conversation, position)
                VALUES (16777217, 'the theory is here', '{ids[0]}', 0);
            PRAGMA journal_mode = WAL;
        """)
    index = LibraryIndex(lib, path)
    try:
        report = index.refresh()
        assert report.rebuilt
        assert sorted(report.read) == sorted(ids)
        assert sorted(e.id for e in index.entries()) == sorted(ids)
        assert {h.conversation_id for h in index.search("th")} == set(ids)
        assert index.search("thim")[0].conversation_id == ids[1]
        with contextlib.closing(sqlite3.connect(path)) as db:
            [sql] = db.execute("SELECT sql FROM sqlite_master WHERE name = 'message_text'")
        assert "prefix = '1 2 3 4'" in sql[0]
        assert not index.refresh().rebuilt  # made once
    finally:
        index.close()
    assert {p: p.read_bytes() for p in lib.folder.glob(f"*{FILE_SUFFIX}")} == files


def test_a_rebuild_lists_the_most_recent_conversations_first(lib, tmp_path):
    """Indexing many files (a first launch, a new index format) fills the top of the list
    first: the most recently written files are read first."""
    ids = [lib.create(chat(f"conversation {n}")).id for n in range(6)]
    for n, id in enumerate(ids):  # written an hour apart, the last one most recently
        when = time.time() - 3600 * (6 - n)
        os.utime(lib.path(id), (when, when))
    index = LibraryIndex(lib, tmp_path / "index.sqlite3")
    listed: list[list[str]] = []
    try:
        index.refresh(lambda done, total: listed.append([e.id for e in index.entries()]), 2)
    finally:
        index.close()
    assert [sorted(shown) for shown in listed] == [sorted(ids[4:]), sorted(ids[2:]), sorted(ids)]


def test_an_index_of_schema_2_is_kept_and_the_files_with_versions_read_once(
    lib, tmp_path, monkeypatch
):
    """Schema 3 adds the texts of the other versions of a turn (Regenerate, edits): an
    existing index keeps everything it holds (search and the list work before any file is
    read), only the files holding versions are read again, once, and it is never made anew."""
    from tests.core.conftest import regenerate

    plain = lib.create(chat("the harbour at dawn", "boats and gulls")).id
    conv = chat("sea birds?", "the pelican scoops fish")
    regenerate(conv, 1, "gulls everywhere")
    birds = lib.create(conv).id
    path = tmp_path / "index.sqlite3"
    index = LibraryIndex(lib, path)
    index.refresh()
    index.close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # as schema 2 left it
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
        # The other versions' rows (`library_rows`: 2**23 on, of 2**24 per conversation).
        db.execute("DELETE FROM message_text WHERE (rowid & ?) >= ?", ((1 << 24) - 1, 1 << 23))
    read: list[str] = []
    read_entry = Library.read_entry

    def reading(self, file):
        read.append(file.id)
        return read_entry(self, file)

    monkeypatch.setattr(Library, "read_entry", reading)
    index = LibraryIndex(lib, path)
    try:
        assert {h.conversation_id for h in index.search("gulls")} == {plain, birds}  # kept
        assert index.search("pelican") == []  # not yet: its file is read by refresh
        report = index.refresh()
        assert not report.rebuilt
        assert (report.read, report.dropped) == ((), ())
        assert read == [birds]  # the file without versions was not read
        [hit] = index.search("pelican")
        assert (hit.conversation_id, hit.message_index, hit.other_version) == (birds, 1, True)
        index.refresh()
        assert read == [birds]  # once
    finally:
        index.close()
    again = LibraryIndex(lib, path)  # the next start: nothing made anew or read
    try:
        assert not again.refresh().rebuilt
        assert read == [birds]
        assert again.search("pelican")[0].conversation_id == birds
    finally:
        again.close()


def test_an_index_of_schema_3_reads_the_files_with_versions_once_and_finds_nested_ones(
    lib, tmp_path, monkeypatch
):
    """Schema 4 indexes the versions kept inside versions and gives another version's message
    its own index: an index of schema 3 is kept (never made anew), and its files holding
    versions are read again, once (tester, session 13: "krakenblossom" was not found)."""
    from tests.core.conftest import regenerate

    plain = lib.create(chat("the harbour at dawn", "boats and gulls")).id
    conv = chat("Tell me about otters glimmerfjord", "Otters hold hands; krakenblossom.")
    regenerate(conv, 1, "Second try: otters are mustelids.")
    regenerate(conv, 0, "Tell me about beavers instead", "A question about beavers.")
    otters = lib.create(conv).id
    path = tmp_path / "index.sqlite3"
    index = LibraryIndex(lib, path)
    index.refresh()
    index.close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # as schema 3 left it
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
        db.execute("DELETE FROM message_text WHERE text LIKE '%krakenblossom%'")
    read: list[str] = []
    read_entry = Library.read_entry

    def reading(self, file):
        read.append(file.id)
        return read_entry(self, file)

    monkeypatch.setattr(Library, "read_entry", reading)
    index = LibraryIndex(lib, path)
    try:
        assert index.search("krakenblossom") == []
        assert {h.conversation_id for h in index.search("beavers")} == {otters}  # kept
        report = index.refresh()
        assert (report.rebuilt, report.read, report.dropped) == (False, (), ())
        assert read == [otters]  # the file without versions was not read
        [hit] = index.search("krakenblossom")
        assert (hit.conversation_id, hit.message_index, hit.turn) == (otters, 1, 0)
        index.refresh()
        assert read == [otters]  # once
        assert index.search("gulls")[0].conversation_id == plain
    finally:
        index.close()
