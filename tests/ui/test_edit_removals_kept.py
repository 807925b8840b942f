"""Images taken out of a question edited in place are part of the edit, on the real window: the
edit set aside (another conversation shown) or recovered after a kill comes back without them;
an edit that only took an image out is a change Quit and Close ask about; and the ✕s are
reached with Tab, Space or Enter taking the image out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton

from tests.support.fake_azure import Reply
from tests.support.images import image_part
from tests.ui.test_edit_with_images import (
    BLUE,
    BLUE_PART,
    RED,
    RED_PART,
    _ask,
    _painted,
    _png,
    _remove_button,
    _screen,
    _wait_pictures,
    _whole,
)
from tests.ui.test_inline_edit_kept import copy_with_edit, killed
from tests.ui.test_inline_editor import click_in_sidebar
from tests.ui.test_main_window import contents, type_and_send, wait_idle
from tests.ui.test_session_restore import close, launch
from tests.ui.test_turn_cards import click_action

QUESTION = "Compare these two."
GREEN = (40, 200, 60)
GREEN_PART = image_part(_png(60, 60, GREEN))
WITHOUT_RED = [{"role": "user", "content": [{"type": "text", "text": QUESTION}, BLUE_PART]}]


def _removers(window):
    return window.transcript.viewport().findChildren(QToolButton)


def _red_taken_out(qtbot, window):
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.mouseClick(_remove_button(window, 1), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _painted(_screen(window), RED)[0] == 0, timeout=5000)
    return editor


def _resent(qtbot, window, server, editor):
    """Resend, and what the request carried (the system message left out)."""
    server.enqueue(Reply("Blue."))
    qtbot.mouseClick(editor.resend_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    return [m for m in server.last_request.json["messages"] if m["role"] != "system"]


def _shown_without_red(qtbot, window):
    """The editor open again over the question, its red image still taken out."""
    editor = window.inline_edit.editor
    assert editor is not None
    assert editor.toPlainText() == QUESTION
    window.transcript.scrollToTop()
    _wait_pictures(qtbot, window, [RED_PART, BLUE_PART])
    qtbot.waitUntil(lambda: _whole(_screen(window), BLUE) is not None, timeout=5000)
    assert _painted(_screen(window), RED)[0] == 0
    assert _remove_button(window, 2)  # the blue one's ✕; the red one has none
    return editor


def test_an_image_taken_out_stays_out_when_the_edit_comes_back(qtbot, window, server):
    _ask(qtbot, window, server, QUESTION, [RED_PART, BLUE_PART])
    first = window.session
    _red_taken_out(qtbot, window)
    window.new_conversation()  # the edit is set aside with its conversation
    assert window.inline_edit.editor is None
    click_in_sidebar(qtbot, window, QUESTION)
    assert window.session is first
    editor = _shown_without_red(qtbot, window)
    assert _resent(qtbot, window, server, editor) == WITHOUT_RED


def test_a_kill_keeps_the_image_taken_out_and_the_next_start_too(qtbot, context, server):
    first = launch(qtbot, context)
    server.enqueue(Reply("Two colours."))
    first.session.set_draft_images([RED_PART, BLUE_PART])
    type_and_send(qtbot, first, QUESTION)
    qtbot.waitUntil(lambda: len(first.session.conversation) == 2, timeout=10_000)
    wait_idle(qtbot, first)
    first.transcript.scrollToTop()
    _wait_pictures(qtbot, first, [RED_PART, BLUE_PART])
    _red_taken_out(qtbot, first)  # the text as it was: the image taken out is the edit
    # The autosaver's own timer writes the copy, with the edit (a library conversation).
    qtbot.waitUntil(lambda: copy_with_edit() is not None, timeout=10_000)
    assert copy_with_edit()["edit"] == {"index": 0, "text": QUESTION, "removed": [1]}
    killed(first)

    second = launch(qtbot, context)
    second.offer_recovery()
    dialog = second.recovery_dialog
    assert "2 messages and a question being edited, saved" in dialog.list.item(0).text()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    editor = _shown_without_red(qtbot, second)
    assert editor.changed()
    assert _resent(qtbot, second, server, editor) == WITHOUT_RED
    close(second)


def test_quit_and_close_ask_about_an_edit_that_only_took_an_image_out(qtbot, window, server):
    _ask(qtbot, window, server, QUESTION, [RED_PART, BLUE_PART])
    session = window.session
    editor = _red_taken_out(qtbot, window)
    assert editor.toPlainText() == QUESTION
    window.quit_action.trigger()
    box = window.files.question
    assert box is not None
    assert box.text() == (f"The question you are editing in “{QUESTION}” is not resent. "
                          "Quit and drop the edit?")  # fmt: skip
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible()
    assert window.inline_edit.editor is editor
    assert editor.removed == {1}

    window.close_action.trigger()
    box = window.files.question
    assert box.text().endswith("Close and drop the edit?")
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert session in window.sessions
    assert window.inline_edit.editor is editor


def test_the_images_are_taken_out_from_the_keyboard(qtbot, window, server):
    _ask(qtbot, window, server, QUESTION, [RED_PART, BLUE_PART])
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.waitUntil(editor.hasFocus)
    red, blue = _remove_button(window, 1), _remove_button(window, 2)

    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # the ✕s follow the editor, in the images' order
    qtbot.waitUntil(red.hasFocus)
    qtbot.keyClick(red, Qt.Key.Key_Tab)
    qtbot.waitUntil(blue.hasFocus)
    qtbot.keyClick(blue, Qt.Key.Key_Backtab)
    qtbot.waitUntil(red.hasFocus)

    qtbot.keyClick(red, Qt.Key.Key_Space)  # Space takes it out; the focus goes to the next ✕
    qtbot.waitUntil(lambda: _painted(_screen(window), RED)[0] == 0, timeout=5000)
    assert editor.removed == {1}
    qtbot.waitUntil(lambda: len(_removers(window)) == 1)  # (the ✕s before: deleted)
    blue = _remove_button(window, 2)
    qtbot.waitUntil(blue.hasFocus)
    assert QApplication.focusWidget() is blue
    # Its focus frame is drawn, as after Tab (a focus moved by a click would not draw it).
    assert window.testAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange)

    qtbot.keyClick(blue, Qt.Key.Key_Escape)  # Esc on a ✕ cancels as in the editor: it asks
    box = window.discard_question
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    box.reject()  # Keep editing
    assert window.inline_edit.editor is editor

    blue.setFocus()
    qtbot.keyClick(blue, Qt.Key.Key_Return)  # Enter takes it out too; the focus: the text
    qtbot.waitUntil(lambda: _painted(_screen(window), BLUE)[0] == 0, timeout=5000)
    assert editor.removed == {1, 2}
    qtbot.waitUntil(editor.hasFocus)
    sent = _resent(qtbot, window, server, editor)
    assert sent == [{"role": "user", "content": QUESTION}]
    assert contents(window)[0] == ("user", QUESTION)


def test_a_click_on_an_image_leaves_the_focus_where_it_was(qtbot, window, server):
    """(A click on a ✕ gave the focus to the transcript: the next keys went there.)"""
    _ask(qtbot, window, server, QUESTION, [RED_PART, BLUE_PART, GREEN_PART])
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.waitUntil(editor.hasFocus)
    qtbot.mouseClick(_remove_button(window, 3), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _painted(_screen(window), GREEN)[0] == 0, timeout=5000)
    assert editor.hasFocus()  # typing goes on in the editor
    qtbot.keyClicks(QApplication.focusWidget(), "!")
    assert editor.toPlainText() == f"{QUESTION}!"

    red = _remove_button(window, 1)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.waitUntil(red.hasFocus)
    qtbot.mouseClick(_remove_button(window, 2), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _painted(_screen(window), BLUE)[0] == 0, timeout=5000)
    assert editor.removed == {2, 3}
    assert red.hasFocus()  # the red one's ✕ keeps it: Space now would take out red
    assert _remove_button(window, 1) is red
