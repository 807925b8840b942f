"""The library folder cannot be written for a while (a removed drive, a full disk), then can
again: the red line, the title's "*" and the recovery copies follow the library saver at once,
not at the next change (issue 15's leftover: the "*" was stale until the user typed again)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from chatdesk.core.library import Library
from tests.support.fake_azure import Reply


def send(qtbot, window, text, reply: Reply, wait: bool = True) -> None:
    window.server.enqueue(reply)
    window.composer.input.setFocus()
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    if wait:
        qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)


def break_folder(library: Library) -> Path:
    """A file where the library folder was, as a drive taken away leaves it: every write there
    fails with the system's reason (for root too, whom a read-only mode does not stop)."""
    aside = library.folder.with_name("library-away")
    os.rename(library.folder, aside)
    library.folder.write_text("")
    return aside


def mend_folder(library: Library, aside: Path) -> None:
    library.folder.unlink()
    os.rename(aside, library.folder)


def failing(window) -> bool:
    return "not being saved to the library" in window.disk_warning.text()


def written(window) -> bool:
    saver = window.library_saver
    return bool(saver.written(window.session))


def written_then_broken(qtbot, window, server) -> tuple[Library, Path]:
    """A library conversation, written; then its folder cannot be written (see `break_folder`)."""
    window.server = server
    send(qtbot, window, "What is a heron?", Reply(text="A wading bird."))
    qtbot.waitUntil(lambda: written(window), timeout=5_000)
    assert not window.isWindowModified()
    library = window.context.library
    return library, break_folder(library)


def test_the_star_shows_as_soon_as_the_library_cannot_be_written_and_goes_when_it_can(
    qtbot, window, server
):
    library, aside = written_then_broken(qtbot, window, server)

    window.session.set_system_prompt("Answer in one line.")  # a change that cannot be written
    qtbot.waitUntil(lambda: failing(window), timeout=5_000)
    assert window.disk_warning.isVisibleTo(window)
    assert window.isWindowModified()  # at once: it was stale until the next change
    recovery = window.autosaver.store.folder
    qtbot.waitUntil(lambda: any(recovery.glob("*.json")), timeout=1_000)  # copies, meanwhile

    mend_folder(library, aside)
    qtbot.waitUntil(lambda: not failing(window), timeout=5_000)
    assert not window.disk_warning.isVisibleTo(window)
    assert not window.isWindowModified()
    saved = json.loads(window.session.path.read_text())
    assert saved["messages"][0] == {"role": "system", "content": "Answer in one line."}


def test_the_star_goes_when_the_library_mends_while_a_reply_streams(qtbot, window, server):
    # The session is never unmodified while a reply streams (each write is behind by a few
    # chunks), so only the saver's state can take the "*" away before the reply ends.
    library, aside = written_then_broken(qtbot, window, server)
    slow = Reply(text="Herons wade in shallow water and wait for fish. " * 12, chunk_size=4,
                 delay=0.03)  # fmt: skip
    send(qtbot, window, "Tell me more.", slow, wait=False)
    qtbot.waitUntil(lambda: failing(window), timeout=5_000)
    assert window.session.busy
    assert window.isWindowModified()

    mend_folder(library, aside)
    qtbot.waitUntil(lambda: not failing(window), timeout=5_000)
    assert window.session.busy  # still streaming: the test shows what it means to
    assert not window.isWindowModified()
    qtbot.waitUntil(lambda: not window.session.busy, timeout=20_000)
    qtbot.waitUntil(lambda: written(window), timeout=5_000)
    assert not window.isWindowModified()


def test_the_warning_goes_with_the_last_change_that_could_not_be_written(qtbot, window, server):
    # Closed with Don't Save, the conversation leaves nothing unwritten: the red line saying
    # conversations are not being saved does not stay until some later change is written.
    library, aside = written_then_broken(qtbot, window, server)
    window.session.set_system_prompt("Answer in one line.")
    qtbot.waitUntil(lambda: failing(window), timeout=5_000)
    path = window.session.path

    window.close_current()
    window.files.question.button(QMessageBox.StandardButton.Discard).click()
    assert not failing(window)
    assert not window.disk_warning.isVisibleTo(window)
    assert not window.isWindowModified()
    mend_folder(library, aside)
    first = json.loads(path.read_text())["messages"][0]
    assert first == {"role": "system", "content": "You are a helpful assistant."}  # as written
