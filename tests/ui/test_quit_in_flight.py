"""Quit, closing the window and Ctrl+W while work is in flight, on the real window (tester,
session 10): a reply still being written, a question edited in place and not resent. They ask
first, inside the question about unsaved changes when there is one; Cancel lets the work go on;
Quit keeps what arrived, said "Stopped by you" alike in the window, the file and the export."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from chatdesk import cli
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.ui.transcript_rows import badges
from tests.support.fake_azure import Reply
from tests.support.opening import open_and_wait
from tests.ui.test_main_window import type_and_send, wait_idle
from tests.ui.test_quit import three_unsaved

LONG = "word " * 200  # 200 chunks, 40 ms apart: about 8 s to stream


def streaming(qtbot, window, server, question="tell me a long story"):
    """A reply being written into the current conversation, some of it arrived."""
    server.enqueue(Reply(LONG, chunk_size=5, delay=0.04))
    type_and_send(qtbot, window, question)
    conv = window.session.conversation
    qtbot.waitUntil(lambda: len(conv) == 2 and bool(conv[1].content), timeout=10_000)
    return window.session


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def saved_reply(path):
    return json.loads(path.read_text())["messages"][-1]


def test_quit_while_a_reply_is_written_asks_and_cancel_lets_it_finish(qtbot, window, server):
    session = streaming(qtbot, window, server)
    window.quit_action.trigger()  # Ctrl+Q
    assert window.isVisible()
    box = window.files.question
    assert box.isVisible()
    assert box.text() == ("A reply is still being written in “tell me a long story”. "
                          "Quit and keep what has arrived so far?")  # fmt: skip
    assert "Stopped by you" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert session.busy  # asking stops nothing
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible()
    wait_idle(qtbot, window, timeout=20_000)
    reply = session.conversation[1]
    assert reply.content == LONG  # written to its end
    assert not reply.meta.stopped
    assert not reply.meta.incomplete


def test_quit_confirmed_keeps_what_arrived_said_alike_in_window_file_and_export(
    qtbot, window, server, tmp_path
):
    session = streaming(qtbot, window, server)
    window.close()  # the window's close button asks as Ctrl+Q does
    button(window.files.question, "&Quit").click()
    assert not window.isVisible()
    reply = session.conversation[1]
    assert reply.content
    assert reply.content != LONG
    assert reply.meta.stopped  # the user chose to stop it: the badge's words are true
    assert "Stopped by you — Continue" in [badge.text for badge in badges(reply)]
    assert saved_reply(session.path)["metadata"]["stopped"] is True
    out = tmp_path / "story.md"
    assert cli.main(["export", str(session.path), "-o", str(out)]) == 0
    assert "stopped by you" in out.read_text()


def test_ctrl_w_on_a_conversation_being_written_asks_to_close_it(qtbot, window, server):
    session = streaming(qtbot, window, server)
    window.new_conversation()
    window.activate(session)
    window.close_action.trigger()  # Ctrl+W
    box = window.files.question
    assert box.windowTitle() == "Close the conversation?"
    assert box.text().endswith("Close and keep what has arrived so far?")
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert session in window.sessions
    assert session.busy
    window.close_action.trigger()
    button(window.files.question, "&Close").click()
    assert session not in window.sessions
    # Written to the library as it ended, not as it was when Ctrl+W was pressed.
    kept = saved_reply(session.path)
    assert kept["metadata"]["stopped"] is True
    assert kept["content"] == session.conversation[1].content


def test_an_unsaved_file_being_written_is_one_question_and_save_keeps_the_stopped_reply(
    qtbot, window, server, tmp_path
):
    path = tmp_path / "mine.chatdesk.json"
    save_conversation(Conversation(), path)
    open_and_wait(qtbot, window, [str(path)])
    session = streaming(qtbot, window, server)
    assert session.modified
    window.quit_action.trigger()
    box = window.files.question  # the unsaved-changes question, saying the rest
    assert box.windowTitle() == "Unsaved changes"
    assert "A reply is still being written in “mine.chatdesk.json”: quitting stops it" in (
        box.informativeText())  # fmt: skip
    assert window.files.quit_dialog is None  # no second dialog
    box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.isVisible())
    kept = saved_reply(path)
    assert kept["metadata"]["stopped"] is True
    assert kept["content"] == session.conversation[1].content


def test_several_unsaved_and_a_reply_being_written_are_one_dialog(
    qtbot, window, server, tmp_path
):
    three_unsaved(window, tmp_path)
    window.new_conversation()
    session = streaming(qtbot, window, server, "a story in the library")
    window.quit_action.trigger()
    dialog = window.files.quit_dialog
    assert dialog.isVisible()
    assert dialog.note.isVisible()
    assert "A reply is still being written in “a story in the library”" in dialog.note.text()
    dialog.cancel_button.click()
    assert session.busy
    window.quit_action.trigger()
    window.files.quit_dialog.discard_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert saved_reply(session.path)["metadata"]["stopped"] is True


def edit_typed(qtbot, window, more=" and more"):
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    qtbot.keyClicks(editor, more)
    return editor


def test_quit_asks_about_a_question_edited_and_not_resent(qtbot, window, server):
    server.enqueue(Reply("a1"))
    type_and_send(qtbot, window, "first question")
    wait_idle(qtbot, window)
    editor = edit_typed(qtbot, window)
    window.quit_action.trigger()
    box = window.files.question
    assert box.text() == ("The question you are editing in “first question” is not resent. "
                          "Quit and drop the edit?")  # fmt: skip
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible()
    assert window.inline_edit.editor is editor
    assert editor.toPlainText() == "first question and more"

    # Shown another conversation, the edit is kept with its own, and still asked about.
    window.new_conversation()
    window.quit_action.trigger()
    assert "editing in “first question”" in window.files.question.text()
    button(window.files.question, "&Quit").click()
    assert not window.isVisible()


def test_ctrl_w_asks_about_an_edit_not_resent(qtbot, window, server):
    server.enqueue(Reply("a1"))
    type_and_send(qtbot, window, "first question")
    wait_idle(qtbot, window)
    session = window.session
    edit_typed(qtbot, window)
    window.close_action.trigger()
    box = window.files.question
    assert box.text().endswith("Close and drop the edit?")
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert session in window.sessions
    window.close_action.trigger()
    button(window.files.question, "&Close").click()
    assert session not in window.sessions
    assert window.inline_edit.editor is None

    # An editor holding the question as it is loses nothing: nothing to ask.
    asked_before = window.files.question
    window.open_session(Conversation(history=[Message("user", "as it was")]))
    window.transcript.trigger_action("edit", 0)
    qtbot.keyClicks(window.inline_edit.editor, "!")
    qtbot.keyClick(window.inline_edit.editor, Qt.Key.Key_Backspace)
    closing = window.session
    window.close_action.trigger()
    assert closing not in window.sessions
    assert window.files.question is asked_before  # no new question


def test_trashing_a_conversation_being_written_asks_first(qtbot, window, server):
    # Left alone by session 10: the sidebar's "Move to trash" closed a conversation mid-reply
    # without a word, as Ctrl+W no longer does.
    session = streaming(qtbot, window, server)
    qtbot.waitUntil(lambda: window.library_link.library_id(session) is not None, timeout=10_000)
    id = window.library_link.library_id(session)
    window.sidebar.trash(id)
    box = window.files.question
    assert box.isVisible()
    assert box.windowTitle() == "Move to trash?"
    assert box.text().endswith("Move to trash and keep what has arrived so far?")
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert session in window.sessions
    assert session.busy
    library = window.context.library
    window.sidebar.trash(id)
    button(window.files.question, "&Move to trash").click()
    assert session not in window.sessions
    qtbot.waitUntil(lambda: library.path(id, trashed=True).exists(), timeout=10_000)
    kept = saved_reply(library.path(id, trashed=True))
    assert kept["metadata"]["stopped"] is True
    assert kept["content"] == session.conversation[1].content
