"""An edit in place never loses the user's typing without asking (testers, sessions 10-11), on
the real window: Esc or Cancel over changed text asks (Keep editing is the default and Esc's
answer), as does opening another question's editor; a kill keeps the edit in the recovery copy
and the next start opens the editor again with it, or puts the text in the message box when
its question is gone."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.paths import recovery_dir
from tests.support.fake_azure import Reply
from tests.ui.test_inline_editor import asked
from tests.ui.test_main_window import contents, wait_idle
from tests.ui.test_session_restore import close, launch

PARAGRAPH = ", by hand, for a rye loaf that has to rise overnight in a cold kitchen"


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def editing(window, row=0):
    window.transcript.trigger_action("edit", row)
    return window.inline_edit.editor


def test_esc_over_changed_text_asks_and_keep_editing_is_the_default(qtbot, window, server):
    asked(qtbot, window, server, "first question")
    editor = editing(window)
    qtbot.keyClicks(editor, PARAGRAPH)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    box = window.discard_question
    assert box is not None
    assert box.isVisible()
    assert box.text() == "Discard your changes to this question?"
    keep = button(box, "&Keep editing")
    assert box.defaultButton() is keep
    assert box.escapeButton() is keep
    assert window.inline_edit.editor is editor  # nothing dropped while it asks

    qtbot.keyClick(box, Qt.Key.Key_Escape)  # a second Esc out of habit: keeps editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.inline_edit.editor is editor
    assert editor.toPlainText() == f"first question{PARAGRAPH}"
    qtbot.waitUntil(editor.hasFocus)  # typing goes on where it was

    qtbot.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)  # Cancel asks alike
    box = window.discard_question
    assert box.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter: the default, Keep editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.inline_edit.editor is editor

    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    button(window.discard_question, "&Discard").click()
    assert window.inline_edit.editor is None
    assert contents(window) == [("user", "first question"), ("assistant", "a1")]


def test_esc_over_the_question_as_it_was_closes_at_once(qtbot, window, server):
    asked(qtbot, window, server, "first question")
    editor = editing(window)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert window.inline_edit.editor is None
    assert window.discard_question is None
    editor = editing(window)
    qtbot.keyClicks(editor, "!!")
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)  # typed and taken back: nothing to lose
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert window.inline_edit.editor is None
    assert window.discard_question is None


def test_editing_another_question_over_changed_text_asks(qtbot, window, server):
    asked(qtbot, window, server, "first question")
    asked(qtbot, window, server, "second question", "a2")
    editor = editing(window, 0)
    qtbot.keyClicks(editor, PARAGRAPH)
    window.transcript.trigger_action("edit", 2)
    box = window.discard_question
    assert box.isVisible()
    button(box, "&Keep editing").click()
    assert window.inline_edit.editor is editor
    assert window.inline_edit.row == 0
    window.transcript.trigger_action("edit", 2)
    button(window.discard_question, "&Discard").click()
    assert window.inline_edit.row == 2
    assert window.inline_edit.editor.toPlainText() == "second question"


def killed(window):
    """kill -9, as test_session_restore has it: nothing of the window runs any more; its
    recovery copies stay."""
    window.autosaver.stop()
    for session in window.sessions:
        session.shutdown()
    window.hide()


def copy_with_edit():
    for file in recovery_dir().glob("*.json"):
        data = json.loads(file.read_text("utf-8"))
        if "edit" in data:
            return data
    return None


def test_a_kill_keeps_the_edit_and_the_next_start_opens_it_again(qtbot, context, server):
    first = launch(qtbot, context)
    session = asked(qtbot, first, server, "first question")
    # (A window just launched sends once its tokenizer is loaded: the reply comes later.)
    qtbot.waitUntil(lambda: contents(first) == [("user", "first question"), ("assistant", "a1")])
    wait_idle(qtbot, first)
    qtbot.waitUntil(lambda: first.library_saver.tracked(session), timeout=10_000)
    revision = session.revision
    editor = editing(first)
    qtbot.keyClicks(editor, PARAGRAPH)
    assert session.revision == revision  # typing in the editor rewrites no library file
    # The autosaver's own timer writes the copy, with the edit (a library conversation,
    # which otherwise gets no copy: its library file never holds an edit).
    qtbot.waitUntil(lambda: copy_with_edit() is not None, timeout=10_000)
    assert copy_with_edit()["edit"] == {"index": 0, "text": f"first question{PARAGRAPH}"}
    killed(first)

    second = launch(qtbot, context)
    second.offer_recovery()
    dialog = second.recovery_dialog
    assert "2 messages and a question being edited, saved" in dialog.list.item(0).text()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    editor = second.inline_edit.editor
    assert editor is not None
    assert editor.isVisible()
    assert second.inline_edit.row == 0
    assert editor.toPlainText() == f"first question{PARAGRAPH}"
    assert contents(second) == [("user", "first question"), ("assistant", "a1")]
    server.enqueue(Reply("a1 again"))
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    resent = [("user", f"first question{PARAGRAPH}"), ("assistant", "a1 again")]
    qtbot.waitUntil(lambda: contents(second) == resent, timeout=10_000)
    wait_idle(qtbot, second)
    close(second)


def test_an_edit_whose_question_is_gone_comes_back_in_the_message_box(qtbot, context):
    from chatdesk.core.recovery import EditInPlace, RecoveryStore

    conv = Conversation(title="Bread")
    conv.append(Message("user", "How long do I knead?"))
    conv.append(Message("assistant", "Ten minutes."))
    conv.draft = "half a thought"
    # Index 1 is a reply now (the copy's history changed under the edit): no question to open.
    RecoveryStore().save(RecoveryStore.new_id(), conv, None, EditInPlace(1, "typed words"))
    window = launch(qtbot, context)
    window.offer_recovery()
    qtbot.mouseClick(window.recovery_dialog.restore_button, Qt.MouseButton.LeftButton)
    assert window.session.conversation.title == "Bread"
    assert window._inline_edit is None or window.inline_edit.editor is None
    assert window.composer.text() == "half a thought\n\ntyped words"
    assert window.session.draft == "half a thought\n\ntyped words"
    assert "what you typed into it is in the message box" in window.notice.text()
    close(window)
