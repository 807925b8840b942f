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
