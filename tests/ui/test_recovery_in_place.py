"""A library conversation's edit in place restored after kill -9 (tester, session 13): it goes
back into its own file, with no "(changed in two places)" copy and no word of another window,
when the file is as it was when the recovery copy was made; when another window or `chatdesk
send` wrote the file after the copy, both are kept and the status line says what happened."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import CONFLICT_MARK, Library
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir, recovery_dir
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.ui.test_session_restore import close, launch

REWRITE = " -- my careful rewrite that took ten minutes"
TITLE = "Explain the difference between a mutex and a semaphore"
SHORT = "Explain the difference between a mutex and a…"  # as the list names it


def library_conversation() -> tuple[Library, str]:
    library = Library(data_dir() / "library")
    conv = Conversation(system_prompt="sys")
    conv.append(Message("user", TITLE))
    conv.append(Message("assistant", "A mutex has an owner."))
    conv.append(Message("user", "And a spinlock?"))
    conv.append(Message("assistant", "It busy-waits."))
    return library, library.create(conv).id


def pause(ms: int) -> str:
    return f"[app.processEvents() or time.sleep(0.01) for _ in range({ms // 10})]"


def copy_with_edit() -> dict | None:
    for file in recovery_dir().glob("*.json"):
        data = json.loads(file.read_text("utf-8"))
        if "edit" in data:
            return data
    return None


def killed_while_editing(server, tmp_path, path) -> None:
    """The tester's steps in a child window: the library conversation open, Edit on its first
    question, words added, 3 s (the recovery copy is written meanwhile), kill -9."""
    steps = "; ".join([
        "from PySide6.QtGui import QTextCursor",
        "window.transcript.trigger_action('edit', 0)",
        "window.inline_edit.editor.moveCursor(QTextCursor.MoveOperation.End)",
        f"window.inline_edit.editor.insertPlainText({REWRITE!r})",
        pause(3000),
    ])  # fmt: skip
    script = write_driver(tmp_path / "driver.py", url=server.url, question=None, paths=[path],
                          until="not session.loading", then=steps)  # fmt: skip
    assert kill_when_ready(script)
    kept = copy_with_edit()
    assert kept is not None
    assert kept["edit"] == {"index": 0, "text": TITLE + REWRITE}


def restore_all(qtbot, window):
    window.offer_recovery()
    dialog = window.recovery_dialog
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)


def written(qtbot, window):
    qtbot.waitUntil(lambda: not window.session.modified, timeout=10_000)
    window.library_saver.wait()


def test_a_restored_edit_goes_back_into_its_own_file(qtbot, context, server, tmp_path):
    library, id = library_conversation()
    path = library.path(id)
    killed_while_editing(server, tmp_path, path)
    before = path.read_bytes()

    win = launch(qtbot, context)
    qtbot.waitUntil(lambda: not any(s.loading for s in win.sessions), timeout=10_000)
    restore_all(qtbot, win)
    session = win.session
    assert session.path == path
    assert win.inline_edit.editor.toPlainText() == TITLE + REWRITE
    assert win.inline_edit.row == 0
    written(qtbot, win)
    assert session.path == path  # not a copy
    assert "another window" not in win.notice.text()
    assert [e.id for e in library.entries()] == [id]
    assert json.loads(path.read_text())["title"] == ""
    assert json.loads(path.read_text())["messages"] == json.loads(before)["messages"]
    assert copy_with_edit() is not None  # the edit is still in no file but its copy
    assert [s.path for s in win.sessions] == [path]
    close(win)


def test_a_file_written_after_the_copy_keeps_both_and_says_so(qtbot, context, server, tmp_path):
    library, id = library_conversation()
    path = library.path(id)
    killed_while_editing(server, tmp_path, path)
    # After the kill, another window (or `chatdesk send`) adds a turn to the file.
    library.update(id, lambda conv: conv.append(Message("user", "Asked from window two")))

    win = launch(qtbot, context)
    qtbot.waitUntil(lambda: not any(s.loading for s in win.sessions), timeout=10_000)
    restore_all(qtbot, win)
    written(qtbot, win)
    restored = win.session
    assert restored.path != path
    assert restored.conversation.title == SHORT + CONFLICT_MARK
    assert win.inline_edit.editor.toPlainText() == TITLE + REWRITE
    notice = win.notice.text()
    assert notice == (
        f"“{SHORT}” was changed after its recovery copy was made (by another window or "
        f"chatdesk send): both versions are kept, the restored one as “{SHORT}{CONFLICT_MARK}”."
    )
    theirs = json.loads(path.read_text())
    assert theirs["messages"][-1]["content"] == "Asked from window two"
    assert theirs["title"] == ""
    assert len(library.entries()) == 2
    # The file as the other window left it is still open beside the restored copy.
    assert path in [s.path for s in win.sessions]
    close(win)


def test_an_older_copy_without_a_base_goes_back_into_its_file_too(qtbot, context):
    from chatdesk.core.recovery import EditInPlace, RecoveryStore

    library, id = library_conversation()
    path = library.path(id)
    # As chatdesk wrote a copy before it kept the base: the file was not written after it.
    conv = library.load(id).conversation
    RecoveryStore().save(RecoveryStore.new_id(), conv, path, EditInPlace(0, TITLE + REWRITE))
    assert "base" not in copy_with_edit()

    win = launch(qtbot, context)
    restore_all(qtbot, win)
    assert win.session.path == path
    assert win.inline_edit.editor.toPlainText() == TITLE + REWRITE
    written(qtbot, win)
    assert win.session.path == path
    assert [e.id for e in library.entries()] == [id]
    assert "another window" not in win.notice.text()
    close(win)


def test_the_copys_base_follows_the_library_file_written_while_an_edit_is_open(
    qtbot, window, server
):
    # A send or a reply's end writes the copy at once, the library file a few tenths later,
    # with no change of its own in between: the copy is written again with the file as
    # written (the write leaves the session unmodified, which rewrites a copy holding an
    # edit), so a kill after it still restores in place.
    from chatdesk.core.fileformat import load_conversation
    from tests.ui.test_inline_editor import asked

    session = asked(qtbot, window, server, "first question")
    qtbot.waitUntil(lambda: window.library_saver.tracked(session) and not session.modified,
                    timeout=10_000)  # fmt: skip
    window.transcript.trigger_action("edit", 0)
    window.inline_edit.editor.insertPlainText("careful ")
    qtbot.waitUntil(lambda: copy_with_edit() is not None, timeout=10_000)

    def base_is_the_file() -> bool:
        disk = load_conversation(session.path).disk
        return copy_with_edit().get("base") == {
            "mtime_ns": disk.mtime_ns, "size": disk.size, "digest": disk.digest.hex()
        }  # fmt: skip

    assert base_is_the_file()
    session.conversation.draft = "a draft"
    session.set_modified()
    window.autosaver.save(session)  # the copy first (what a send does at once) ...
    window.library_saver.flush(session)  # ... the library file after it
    assert not base_is_the_file()
    qtbot.waitUntil(base_is_the_file, timeout=5_000)
    assert json.loads(session.path.read_text())["draft"] == "a draft"


def test_save_asks_before_going_over_a_file_of_yours_written_after_its_copy(
    qtbot, context, tmp_path
):
    from chatdesk.core.fileformat import load_conversation, save_conversation
    from chatdesk.core.recovery import RecoveryStore

    path = tmp_path / "notes.chatdesk.json"
    conv = Conversation(title="My notes")
    conv.append(Message("user", "How long do I knead?"))
    save_conversation(conv, path)
    base = load_conversation(path).disk
    theirs = load_conversation(path).conversation
    conv.append(Message("assistant", "Ten minutes."))  # the copy's unsaved changes
    conv.draft = "typed before the kill"
    RecoveryStore().save(RecoveryStore.new_id(), conv, path, None, base)
    theirs.append(Message("assistant", "Ten minutes (chatdesk send)."))
    save_conversation(theirs, path)  # another program, after the copy

    win = launch(qtbot, context)
    restore_all(qtbot, win)
    assert win.session.path == path
    assert win.composer.text() == "typed before the kill"
    win.files.save(win.session)
    box = win.files.conflict
    assert box is not None
    assert box.isVisible()
    assert box.windowTitle() == "File changed on disk"
    assert load_conversation(path).conversation.messages()[-1].content == (
        "Ten minutes (chatdesk send)."
    )  # nothing written over it while it asks
    box.reject()
    close(win)
