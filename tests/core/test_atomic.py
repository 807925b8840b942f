"""Atomic writes keep what the file was: its permissions (a tester's a.json 0644 became 0600)."""

from __future__ import annotations

import os
import stat

import pytest

from chatdesk.core.atomic import atomic_write_bytes, atomic_write_text

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@posix_only
def test_an_existing_files_mode_is_kept(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("{}")
    os.chmod(path, 0o644)
    atomic_write_text(path, '{"messages": []}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.chmod(path, 0o640)
    atomic_write_bytes(path, b"{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "{}"


@posix_only
def test_a_new_file_gets_the_default_mode_less_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.json", "{}")
        os.umask(0o077)
        atomic_write_text(tmp_path / "private.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.json").stat().st_mode) == 0o600


def test_only_the_files_own_leftovers_of_a_gone_writer_are_removed(tmp_path):
    from chatdesk.core.atomic import remove_stale_temporaries

    target = tmp_path / "notes [1]*.json"  # glob's special characters, taken literally
    gone_pid = 2**22 + 12345  # above Linux's pid_max: no such process
    stale = tmp_path / f".{target.name}.chatdesk-{gone_pid}-x1.tmp"
    mine = tmp_path / f".{target.name}.chatdesk-{os.getpid()}-x2.tmp"  # a write under way
    other = tmp_path / f".other.json.chatdesk-{gone_pid}-x3.tmp"  # another file's
    for path in (stale, mine, other):
        path.write_text("{}")
    assert remove_stale_temporaries(target) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])
    assert remove_stale_temporaries(tmp_path / "missing" / "a.json") == 0  # no folder: nothing
