"""A file's state on disk (core/disk_state.py): what a save compares with so that nothing is
written over another program's changes; a state whose digest is computed later (after a large
file's conversation is ready) protects exactly as one hashed at once."""

from __future__ import annotations

import json
import os
import threading

import pytest

from chatdesk.core import disk_state
from chatdesk.core.disk_state import ChangedOnDisk, DiskState, changed_since
from chatdesk.core.file_steps import read_in_steps
from chatdesk.core.fileformat import (
    FORMAT,
    MAX_FILE_BYTES,
    VERSION,
    load_conversation,
    read_file,
    save_conversation,
)
from tests.support.images import data_url, image_bytes


def _state(path, later: bool) -> DiskState:
    read = read_file(path)
    make = DiskState.later if later else DiskState.read
    return make(read.data, read.mtime_ns, read.size)


def test_a_digest_computed_later_is_the_same_state(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b'{"messages": []}\n' * 1000)
    now, later = _state(path, False), _state(path, True)
    assert "not yet computed" in repr(later)
    assert later == now
    assert hash(later) == hash(now)
    assert later.digest == now.digest
    assert repr(later) == repr(now)


@pytest.mark.parametrize("later", [False, True])
def test_a_change_by_another_program_is_seen_before_and_after_the_digest(tmp_path, later):
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 100_000)
    state = _state(path, later)
    assert not changed_since(path, state, MAX_FILE_BYTES)
    os.utime(path, ns=(state.mtime_ns + 10**9, state.mtime_ns + 10**9))  # touched, same bytes
    assert not changed_since(path, state, MAX_FILE_BYTES)
    path.write_bytes(b"y" * 100_000)  # another program, same size
    os.utime(path, ns=(state.mtime_ns + 2 * 10**9, state.mtime_ns + 2 * 10**9))
    assert changed_since(path, state, MAX_FILE_BYTES)
    path.write_bytes(b"x" * 100_001)
    assert changed_since(path, state, MAX_FILE_BYTES)


def test_threads_asking_for_a_later_digest_compute_it_once(tmp_path, monkeypatch):
    computed = []
    real = disk_state._digest
    gate = threading.Event()

    def slow(data: bytes) -> bytes:  # the 54 MB hash, held until the test lets it go
        computed.append(1)
        gate.wait(5)
        return real(data)

    monkeypatch.setattr(disk_state, "_digest", slow)
    state = DiskState.later(b"z" * 10_000, 1, 10_000)
    digests: list[bytes] = []
    threads = [threading.Thread(target=lambda: digests.append(state.digest)) for _ in range(3)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert digests == [real(b"z" * 10_000)] * 3
    assert computed == [1]


def test_a_large_file_is_ready_before_its_hash_and_still_saves_over_nothing(
    tmp_path, monkeypatch
):
    """The steps of reading a file of large images end with its `DiskState` before its digest
    is computed (it was computed first: 70-200 ms for 54 MB before the meter could count); a
    save made before the digest is done, over a file another program changed, is refused."""
    url = data_url(image_bytes(300, 200, noise=True))
    part = {"type": "image_url", "image_url": {"url": url, "detail": "high"}}
    doc = {"format": FORMAT, "version": VERSION, "title": "P", "model": "gpt-4o",
           "messages": [{"role": "user", "content": [part]}]}  # fmt: skip
    path = tmp_path / "pictures.chatdesk.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    computed = []
    real = disk_state._digest
    monkeypatch.setattr(disk_state, "_digest", lambda data: computed.append(1) or real(data))
    steps = read_in_steps(path, 300)
    kinds = []
    for step in steps:
        kinds.append(type(step).__name__)
        if isinstance(step, DiskState):
            break
    assert kinds == ["Opened", "ImagesRead", "DiskState"]
    assert computed == []  # ready: nothing waited for the hash
    opened = load_conversation(path)
    # Another program writes the file meanwhile; a save with the state read is refused.
    doc["title"] = "Changed elsewhere"
    path.write_text(json.dumps(doc), encoding="utf-8")
    elsewhere = path.read_bytes()
    with pytest.raises(ChangedOnDisk):
        save_conversation(opened.conversation, path, step)
    assert path.read_bytes() == elsewhere
    next(steps, None)  # the reader goes on: the digest, on its thread
    assert step == opened.disk
