"""A recovery copy records the file its changes were made on (its base), and restoring tells
whether another program wrote that file since (tester, session 13: every restored library edit
became a "(changed in two places)" copy): a file still as the base, touched but not changed,
or already holding the copy's conversation was not; a file with another's turn in it was.
Copies written before the base was kept still read, and go by the times."""

from __future__ import annotations

import json
import os

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import DiskState
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.recovered_file import file_since_copy
from chatdesk.core.recovery import EditInPlace, RecoveryStore

EDIT = EditInPlace(0, "How long do I knead rye, by hand?")


def exchange() -> Conversation:
    conv = Conversation(title="Bread")
    conv.append(Message("user", "How long do I knead?"))
    conv.append(Message("assistant", "Ten minutes."))
    return conv


@pytest.fixture
def store(tmp_path) -> RecoveryStore:
    return RecoveryStore(tmp_path / "recovery")


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "bread.chatdesk.json"
    save_conversation(exchange(), file)
    return file


def copied(store, path, conv=None, base="read"):
    """The entry of a copy of `conv` (the file's own by default) with an edit in place, its
    base the file as read now (`base="read"`), or none (a copy from before bases)."""
    disk = load_conversation(path).disk if base == "read" else base
    store.save("a", conv or exchange(), path, EDIT, disk)
    [entry] = store.entries()
    return entry


def another_writes(path, text="Asked from window two"):
    conv = load_conversation(path).conversation
    conv.append(Message("user", text))
    save_conversation(conv, path)


def test_the_copy_keeps_its_base_and_reads_it_back(store, path):
    disk = load_conversation(path).disk
    entry = copied(store, path)
    data = json.loads(store.file("a").read_text("utf-8"))
    assert data["base"] == {"mtime_ns": disk.mtime_ns, "size": disk.size,
                            "digest": disk.digest.hex()}  # fmt: skip
    assert entry.base == disk
    assert file_since_copy(entry).written_since is False
    assert file_since_copy(entry).disk == disk


def test_a_file_written_after_the_copy_was_written_since(store, path):
    entry = copied(store, path)
    another_writes(path)
    since = file_since_copy(entry)
    assert since.written_since is True
    assert since.disk == entry.base  # a save against it notices the change


def test_a_file_touched_but_not_changed_was_not(store, path):
    entry = copied(store, path)
    os.utime(path, ns=(entry.base.mtime_ns + 5_000_000_000,) * 2)
    since = file_since_copy(entry)
    assert since.written_since is False
    assert since.disk == load_conversation(path).disk


def test_a_file_that_already_holds_the_copys_conversation_was_not(store, path):
    # The window wrote its library file after the copy was made, then died: the copy's base
    # is older, the file holds what the copy holds.
    conv = exchange()
    conv.append(Message("user", "And rye?"))
    entry = copied(store, path, conv)
    save_conversation(conv, path)
    assert file_since_copy(entry).written_since is False


def test_a_file_that_is_gone_was_not(store, path):
    entry = copied(store, path)
    path.unlink()
    assert file_since_copy(entry) == file_since_copy(entry)  # (a value)
    assert file_since_copy(entry).written_since is False
    assert file_since_copy(entry).disk is None


def test_an_older_copy_without_a_base_still_reads_and_goes_by_the_times(store, path):
    entry = copied(store, path, base=None)
    assert "base" not in json.loads(store.file("a").read_text("utf-8"))
    assert entry.base is None
    assert entry.edit == EDIT
    # The file was written before the copy: as it was.
    before = entry.saved_datetime.timestamp() * 1e9
    os.utime(path, ns=(int(before) - 1_000_000_000,) * 2)
    since = file_since_copy(entry)
    assert since.written_since is False
    assert since.disk == load_conversation(path).disk
    another_writes(path)
    os.utime(path, ns=(int(before) + 1_000_000_000,) * 2)
    assert file_since_copy(entry).written_since is True


@pytest.mark.parametrize(
    "base",
    ["not a state", {"mtime_ns": "1", "size": 2, "digest": "ab"},
     {"mtime_ns": 1, "size": 2, "digest": "not hex"}, {"mtime_ns": True, "size": 2}],
)  # fmt: skip
def test_a_base_the_reader_cannot_use_is_none_and_the_copy_still_reads(store, path, base):
    copied(store, path)
    data = json.loads(store.file("a").read_text("utf-8"))
    data["base"] = base
    store.file("a").write_text(json.dumps(data))
    [entry] = store.entries()
    assert entry.base is None
    assert entry.edit == EDIT
    assert store.damaged == []


def test_a_copy_without_a_file_has_no_base(store):
    store.save("a", exchange(), None, EDIT, DiskState(1, 2, b"\x03"))  # (no file: not kept)
    assert "base" not in json.loads(store.file("a").read_text("utf-8"))
    [entry] = store.entries()
    assert entry.base is None
    assert file_since_copy(entry).written_since is False
