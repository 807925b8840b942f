"""A draft typed into a conversation file of the user's own is an unsaved change like any
other: the title's "*" shows it, and Close (Ctrl+W) and Quit (Ctrl+Q) ask before it is lost.
A library conversation's draft is written by the library: nothing to ask."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from tests.support.opening import open_and_wait

OLD = "the draft as saved"
TYPED = " plus more words"


def q_json(tmp_path):
    """The tester's q.json: a conversation outside the library, with a draft."""
    conv = Conversation(system_prompt="Be brief.")
    for n in range(3):
        conv.append(Message("user" if n % 2 == 0 else "assistant", f"message {n}"))
    conv.draft = OLD
    path = tmp_path / "q.json"
    save_conversation(conv, path)
    return path


def draft_in_file(path):
    return json.loads(path.read_text(encoding="utf-8"))["draft"]


def type_at_end(qtbot, window, text):
    box = window.composer.input
    box.setFocus()
    box.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(box, text)
    assert window.composer.text().endswith(text)


def test_ctrl_w_asks_before_an_edited_draft_is_lost(qtbot, window, tmp_path):
    # A library conversation's draft is written by the library: nothing to ask.
    type_at_end(qtbot, window, "kept by the library")
    qtbot.waitUntil(lambda: window.session.library_id is not None, timeout=5000)
    type_at_end(qtbot, window, " and more")
    assert not window.isWindowModified()
    window.close_action.trigger()
    assert window.files.question is None
    path = q_json(tmp_path)
    open_and_wait(qtbot, window, [str(path)])
    assert window.composer.text() == OLD
    assert not window.isWindowModified()
    type_at_end(qtbot, window, TYPED)
    assert window.isWindowModified()  # the title's "*": something here is not in the file
    qtbot.keyClick(window.composer.input, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    box = window.files.question
    assert box is not None
    assert box.isVisible()
    assert "Unsaved" in box.windowTitle()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.session.path == path
    assert window.composer.text() == OLD + TYPED
    window.close_action.trigger()
    window.files.question.button(QMessageBox.StandardButton.Save).click()
    assert all(s.path != path for s in window.sessions)  # closed, and written first
    assert draft_in_file(path) == OLD + TYPED
    # File ▸ Open recent: the draft typed last
    open_and_wait(qtbot, window, [window.context.settings.recent_files[0]])
    assert window.session.path == path
    assert window.composer.text() == OLD + TYPED
    assert not window.isWindowModified()


def test_dont_save_keeps_the_file_and_typing_back_clears_the_mark(qtbot, window, tmp_path):
    path = q_json(tmp_path)
    open_and_wait(qtbot, window, [str(path)])
    type_at_end(qtbot, window, "!")
    assert window.isWindowModified()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Backspace)
    assert window.composer.text() == OLD
    assert not window.isWindowModified()  # back to what the file holds: nothing to save
    window.close_action.trigger()
    assert window.files.question is None
    assert all(s.path != path for s in window.sessions)
    open_and_wait(qtbot, window, [str(path)])
    type_at_end(qtbot, window, TYPED)
    window.close_action.trigger()
    window.files.question.button(QMessageBox.StandardButton.Discard).click()
    assert all(s.path != path for s in window.sessions)
    assert draft_in_file(path) == OLD  # the user chose so


def test_quit_asks_about_an_edited_draft_too(qtbot, window, tmp_path):
    path = q_json(tmp_path)
    open_and_wait(qtbot, window, [str(path)])
    type_at_end(qtbot, window, TYPED)
    window.quit_action.trigger()  # Ctrl+Q
    box = window.files.question
    assert box is not None
    assert box.isVisible()
    assert window.isVisible()
    box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert draft_in_file(path) == OLD + TYPED


def relaunch(qtbot, context):
    from tests.ui.test_session_restore import launch

    again = launch(qtbot, context)
    qtbot.waitUntil(lambda: not any(s.loading for s in again.sessions), timeout=10_000)
    return again


def draft_of(window, path):
    window.activate(next(s for s in window.sessions if s.path == path))
    return window.composer.text()


def test_dont_save_at_quit_brings_back_the_files_own_draft(qtbot, window, tmp_path):
    # Reported: after Don't Save the next start showed the discarded draft, with "*".
    type_at_end(qtbot, window, "kept by the library")
    qtbot.waitUntil(lambda: window.session.path is not None, timeout=5000)
    kept = window.session.path
    path = q_json(tmp_path)
    open_and_wait(qtbot, window, [str(path)])
    type_at_end(qtbot, window, TYPED)
    window.quit_action.trigger()
    window.files.question.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert draft_in_file(path) == OLD

    again = relaunch(qtbot, window.context)
    assert [s.path for s in again.sessions] == [kept, path]
    assert draft_of(again, path) == OLD
    assert not again.isWindowModified()
    assert draft_of(again, kept) == "kept by the library"  # its saver kept it: not asked about
    again.close()
    assert again.files.question is None


def test_quit_saving_only_the_checked_drops_the_unchecked_ones_draft_only(
    qtbot, window, tmp_path
):
    path = q_json(tmp_path)
    other = tmp_path / "r.json"
    other.write_bytes(path.read_bytes())
    open_and_wait(qtbot, window, [str(path), str(other)])
    for name in (path, other):
        window.activate(next(s for s in window.sessions if s.path == name))
        type_at_end(qtbot, window, f" for {name.name}")
    window.quit_action.trigger()
    dialog = window.files.quit_dialog
    dialog.set_checked(0, False)  # q.json: let it go; r.json: saved
    with qtbot.waitSignal(dialog.answered):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())

    again = relaunch(qtbot, window.context)
    assert draft_of(again, path) == OLD
    assert draft_of(again, other) == OLD + " for r.json"
    assert not again.isWindowModified()
    again.close()
    assert again.files.question is None
