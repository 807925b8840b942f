"""A question edited in place, on the real window (tester, session 10): the edit stays with
its conversation while another is shown, the editor's Enter does what it does in the message
box (Preferences), it says its keys and has Resend and Cancel, and its card offers no second
Edit."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.fake_azure import Reply
from tests.ui.test_main_window import contents, type_and_send, wait_idle
from tests.ui.test_turn_cards import click_action


def asked(qtbot, window, server, question, answer="a1"):
    server.enqueue(Reply(answer))
    type_and_send(qtbot, window, question)
    wait_idle(qtbot, window)
    return window.session


def click_in_sidebar(qtbot, window, title):
    sidebar = window.sidebar
    model = sidebar.list.model()

    def row():
        return next((r for r in range(model.rowCount()) if model.index(r, 0).data() == title),
                    None)  # fmt: skip

    qtbot.waitUntil(lambda: row() is not None, timeout=10_000)
    rect = sidebar.list.visualRect(model.index(row(), 0))
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def set_enter_sends(window, enter_sends):
    values = window.prefs.current()
    values.enter_sends = enter_sends
    window.prefs.set_values(values)


def test_an_edit_comes_back_with_its_conversation(qtbot, window, server):
    first = asked(qtbot, window, server, "first question")
    window.new_conversation()
    asked(qtbot, window, server, "second question", "a2")
    click_in_sidebar(qtbot, window, "first question")
    assert window.session is first
    window.transcript.trigger_action("edit", 0)
    qtbot.keyClicks(window.inline_edit.editor, ", typed on")

    click_in_sidebar(qtbot, window, "second question")
    assert window.session is not first
    assert window.inline_edit.editor is None  # not over the other conversation's card
    click_in_sidebar(qtbot, window, "first question")
    assert window.session is first
    editor = window.inline_edit.editor
    assert editor is not None
    assert editor.isVisible()
    assert window.inline_edit.row == 0
    assert editor.toPlainText() == "first question, typed on"
    qtbot.waitUntil(editor.hasFocus)  # typing goes on there
    server.enqueue(Reply("a1 again"))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "first question, typed on"), ("assistant", "a1 again")]


def test_enter_resends_as_it_sends_in_the_message_box(qtbot, window, server):
    asked(qtbot, window, server, "first question")
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(editor, "second line")
    assert editor.toPlainText() == "first question\nsecond line"
    assert window.inline_edit.editor is editor  # Shift+Enter only added a line
    server.enqueue(Reply("a2"))
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Enter sends in the message box: it resends
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "first question\nsecond line"), ("assistant", "a2")]

    set_enter_sends(window, False)  # Preferences: Shift+Enter sends
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == "first question\nsecond line\n"
    assert window.inline_edit.editor is editor
    qtbot.keyClicks(editor, "third")
    server.enqueue(Reply("a3"))
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    wait_idle(qtbot, window)
    assert contents(window)[0] == ("user", "first question\nsecond line\nthird")


def test_the_editor_says_its_keys_and_has_resend_and_cancel(qtbot, window, server):
    asked(qtbot, window, server, "first question")
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    assert editor.hint.isVisible()
    whole = "Enter resends · Shift+Enter adds a line · Esc cancels"
    assert editor.hint.toolTip() == whole
    assert editor.hint.text() in (whole, "Enter resends · Esc cancels")  # as the card's width
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: editor.hint.text() == whole)
    assert editor.resend_button.isVisible()
    assert editor.cancel_button.isVisible()
    # Under the text, not over it: the text's viewport ends where the keys' line begins.
    footer = editor.footer.geometry()
    assert editor.viewport().geometry().bottom() < footer.top()
    assert footer.bottom() <= editor.rect().bottom()
    qtbot.keyClicks(editor, " changed")
    qtbot.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)
    discard = window.discard_question  # changed text: asked first (test_inline_edit_kept.py)
    next(b for b in discard.buttons() if b.text() == "&Discard").click()
    assert window.inline_edit.editor is None
    assert contents(window)[0] == ("user", "first question")

    set_enter_sends(window, False)
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    assert editor.hint.text() == "Shift+Enter resends · Enter adds a line · Esc cancels"
    window.resize(1180, 780)  # a narrower card (520 px): the keys that end the edit
    qtbot.waitUntil(lambda: editor.hint.text() == "Shift+Enter resends · Esc cancels")
    qtbot.keyClicks(editor, " again")
    server.enqueue(Reply("a2"))
    qtbot.mouseClick(editor.resend_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "first question again"), ("assistant", "a2")]


def test_the_card_being_edited_offers_no_second_edit(qtbot, window, server):
    asked(qtbot, window, server, "first question")
    view = window.transcript

    def offered(row):
        index = view.model().index(row, 0)
        return [name for name, _rect in view.delegate.layout(view.visualRect(index), index).actions]

    def in_menu(row):
        return [action.text() for action in view.context_menu(row).actions()]

    assert "edit" in offered(0)
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.keyClicks(editor, " typed")
    assert "edit" not in offered(0)
    assert "Edit" not in in_menu(0)
    view.trigger_action("edit", 0)  # Edit again by any other way: what was typed stays
    assert window.inline_edit.editor is editor
    assert editor.toPlainText() == "first question typed"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    discard = window.discard_question  # changed text: asked first (test_inline_edit_kept.py)
    next(b for b in discard.buttons() if b.text() == "&Discard").click()
    assert "edit" in offered(0)
    assert "Edit" in in_menu(0)
