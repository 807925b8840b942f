"""A full disk and a read-only data folder, on a real tmpfs: recovery copies that cannot be
written are said, lastingly; settings writes and the recovery clean-up never raise; Save says
it could not save and keeps the old file. Needs to mount a tmpfs (root, or CAP_SYS_ADMIN):
skipped with the reason otherwise."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.messages import Message
from tests.reliability.conftest import clean_env, run_chatdesk
from tests.support.fake_azure import Reply
from tests.support.opening import open_and_wait
from tests.ui.conftest import KEY


def _mount(options: str, target: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True, text=True)  # fmt: skip


@pytest.fixture
def tmpfs(tmp_path):
    """A 1 MB tmpfs mounted for this test alone."""
    target = tmp_path / "tmpfs"
    target.mkdir()
    try:
        done = _mount("size=1m,mode=0755", target)
    except FileNotFoundError:
        pytest.skip("no mount command here: a full disk cannot be made for this test")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def fill(folder: Path) -> list[Path]:
    """Fill the file system of `folder` to the last byte; the files that fill it."""
    files = []
    for size in (65536, 1):  # big blocks, then the last bytes
        path = folder / f"filler-{size}.bin"
        files.append(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT)
        try:
            _write_until_full(fd, b"\0" * size)
        finally:
            os.close(fd)
    return files


def _write_until_full(fd: int, block: bytes) -> None:
    while True:
        try:
            os.write(fd, block)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            return


@pytest.fixture
def full_home(tmpfs, monkeypatch):
    """CHATDESK_HOME on the tmpfs (set before the window starts its recovery store)."""
    monkeypatch.setenv("CHATDESK_HOME", str(tmpfs / "home"))
    (tmpfs / "home" / "data" / "recovery").mkdir(parents=True)
    return tmpfs


@pytest.mark.area("disk trouble")
def test_full_disk_is_told_and_nothing_raises(qtbot, full_home, window, tmp_path):
    original = full_home / "chat.json"
    conv = Conversation(system_prompt="s")
    conv.append(Message("user", "kept as it was"))
    save_conversation(conv, original)
    window.context.settings_path = full_home / "home" / "config" / "settings.json"
    open_and_wait(qtbot, window, [str(original)])
    fillers = fill(full_home)

    window.session.conversation.title = "x" * 20_000  # an edit the recovery copy must hold
    window.session.set_modified()
    window.autosaver.save(window.session)
    assert window.disk_warning.isVisibleTo(window)
    assert "Recovery copies are not being written" in window.disk_warning.text()
    assert window.context.save_settings() is False  # said, not raised
    assert "Settings could not be saved" in window.disk_warning.text()

    window.save_action.trigger()
    assert window.message_box.windowTitle() == "Could not save"
    assert window.session.modified
    assert load_conversation(original).conversation[0].content == "kept as it was"

    window.autosaver.save_changed()  # the warning lasts while the trouble does
    assert window.disk_warning.isVisibleTo(window)
    for filler in fillers:
        filler.unlink()
    window.autosaver.save(window.session)
    assert window.context.save_settings()
    assert not window.disk_warning.isVisibleTo(window)
    assert list((full_home / "home" / "data" / "recovery").glob("*.json"))


@pytest.mark.area("disk trouble")
def test_read_only_data_folder_is_told_and_closing_never_raises(qtbot, full_home, window):
    window.context.settings_path = full_home / "home" / "config" / "settings.json"
    window.session.conversation.title = "before the folder went read-only"
    window.session.set_modified()
    window.autosaver.save(window.session)  # a copy exists
    remount = subprocess.run(["mount", "-o", "remount,ro", str(full_home)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip("cannot remount the tmpfs read-only here")
    window.session.conversation.title = "after"
    window.session.set_modified()
    window.autosaver.save(window.session)
    assert "Recovery copies are not being written" in window.disk_warning.text()
    assert "Read-only file system" in window.disk_warning.text()
    for session in window.sessions:
        session.set_modified(False)  # the copy's clean-up fails on the read-only folder
    window.close()  # closes: saves geometry into settings, drops recovery copies; no raise
    assert window.context.settings_problem


@pytest.mark.area("disk trouble")
def test_send_on_a_full_disk_says_the_reply_is_not_saved(full_home, server, tmp_path):
    path = full_home / "chat.json"
    conv = Conversation(system_prompt="s")
    conv.append(Message("user", "question"))
    save_conversation(conv, path)
    before = path.read_bytes()
    fill(full_home)
    server.enqueue(Reply("the answer " * 50))
    env = clean_env(
        CHATDESK_HOME=str(tmp_path / "home"), AZURE_OPENAI_ENDPOINT=server.azure_endpoint,
        AZURE_OPENAI_API_KEY=KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o",
    )  # fmt: skip
    done = run_chatdesk("send", str(path), env=env, timeout=60)
    assert done.returncode == 1
    assert "the answer" in done.stdout  # shown, at least
    assert "the reply is not saved" in done.stderr
    assert "was saved" not in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
