"""Issue 15 items 1-4 on the card and in the menus of the real window: Include again / Leave
out, ‹ 2/3 ›, Edit ▸ Undo and the preset question, and editing in place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from chatdesk.core.presets import BUILTIN_PRESETS
from tests.support.fake_azure import Fail, Reply
from tests.ui.test_main_window import contents, type_and_send, wait_idle


def click_action(qtbot, window, row, action):
    qtbot.wait(max(QApplication.doubleClickInterval() + 50, 100))  # a click, not a double
    view = window.transcript
    index = view.model().index(row, 0)
    view.scrollTo(index)
    rect = view.delegate.action_rects(view.visualRect(index), index)[action]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_include_again_and_leave_out_on_the_card(qtbot, window, server):
    server.enqueue(Fail.unauthorized())
    type_and_send(qtbot, window, "lost")
    wait_idle(qtbot, window)
    model = window.session.model
    assert not model.is_sent(0)
    click_action(qtbot, window, 0, "include")
    assert model.is_sent(0)
    assert window.session.conversation[0].meta.include is True
    click_action(qtbot, window, 0, "leave_out")
    assert not model.is_sent(0)


def test_the_version_arrows_on_the_card_flip_the_reply(qtbot, window, server):
    server.enqueue(Reply("first"), Reply("second"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    window.regenerate_action.trigger()
    wait_idle(qtbot, window)
    # "2/2" is painted between the arrows (it was lost once when the painting moved to
    # card_painter.py): more than the card's background in its place.
    view = window.transcript
    index = view.model().index(1, 0)
    qtbot.wait(50)
    lay = view.delegate.layout(view.visualRect(index), index)
    assert lay.version_text == "2/2"
    image, rect = view.viewport().grab().toImage(), lay.version_rect
    colours = {image.pixel(x, y) for x in range(rect.left(), rect.right())
               for y in range(rect.top(), rect.bottom())}  # fmt: skip
    assert len(colours) > 2
    click_action(qtbot, window, 1, "version_prev")
    assert contents(window)[1] == ("assistant", "first")
    click_action(qtbot, window, 1, "version_next")
    assert contents(window)[1] == ("assistant", "second")
    click_action(qtbot, window, 1, "version_next")  # round to the first
    assert contents(window)[1] == ("assistant", "first")


def test_edit_menu_undo_redo_and_the_preset_question(qtbot, window, server):
    server.enqueue(Reply("hi"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    window.clear_action.trigger()
    assert contents(window) == []
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert contents(window) == [("user", "hello"), ("assistant", "hi")]
    window.redo_action.trigger()
    assert contents(window) == []
    window.undo_action.trigger()

    window.system_editor.edit.setPlainText("My own words.")  # typed: the user's prompt
    preset = BUILTIN_PRESETS[0]
    window.system_editor.presetApplied.emit(preset)
    box = window.preset_question
    assert box is not None
    assert box.isVisible()
    box.button(box.StandardButton.Cancel).click()
    assert window.session.conversation.system_prompt == "My own words."
    window.system_editor.presetApplied.emit(preset)
    replace = next(b for b in window.preset_question.buttons() if "Replace" in b.text())
    replace.click()
    assert window.session.conversation.system_prompt == preset.system_prompt
    assert window.system_editor.text() == preset.system_prompt
    window.undo_action.trigger()
    assert window.session.conversation.system_prompt == "My own words."
    assert window.system_editor.text() == "My own words."


def test_edit_in_place_wraps_selects_nothing_escapes_and_resends(qtbot, window, server):
    server.enqueue(Reply("a1"), Reply("a1 again"))
    type_and_send(qtbot, window, "a question long enough to wrap " * 6)
    wait_idle(qtbot, window)
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    assert editor is not None
    assert editor.isVisible()
    assert editor.parent() is window.transcript.viewport()  # inside the card, not a dialog
    assert editor.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
    assert not editor.textCursor().hasSelection()
    assert editor.hasFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert window.inline_edit.editor is None
    assert contents(window)[0][1].startswith("a question")

    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    qtbot.keyClick(editor, Qt.Key.Key_A)  # typed at the end: nothing was wiped
    assert editor.toPlainText().endswith("wrap a")
    editor.setPlainText("short question")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "short question"), ("assistant", "a1 again")]
    window.session.show_version(0, 0)  # the old question is kept as a version
    assert contents(window)[1] == ("assistant", "a1")


def footer_top(view, row):
    """The top of what the card shows under its text: its badges, facts line and actions."""
    index = view.model().index(row, 0)
    lay = view.delegate.layout(view.visualRect(index), index)
    tops = [rect.top() for _name, rect in lay.actions]
    tops += [chip.rect.top() for chip in lay.chips]
    if lay.info_text:
        tops.append(lay.info.top())
    return min(tops)


def test_the_message_edited_in_place_overlaps_nothing_under_it(qtbot, window, server):
    # Reported: the editor grew over the card's footer (the facts and actions line) and the
    # reply under it. The card makes room for it instead, and gives it back when it closes.
    server.enqueue(Reply("a1"))
    type_and_send(qtbot, window, "a short question")
    wait_idle(qtbot, window)
    view = window.transcript
    window.transcript.trigger_action("edit", 0)
    editor = window.inline_edit.editor
    before = view.visualRect(view.model().index(0, 0)).height()
    for lines in (1, 6):
        editor.setPlainText("\n".join(f"line {i} of the question" for i in range(lines)))
        qtbot.wait(50)  # the list lays the taller card out
        assert editor.geometry().bottom() < footer_top(view, 0)
        assert editor.geometry().bottom() < view.visualRect(view.model().index(1, 0)).top()
    assert view.visualRect(view.model().index(0, 0)).height() > before
    window.inline_edit.stop()
    qtbot.waitUntil(lambda: view.visualRect(view.model().index(0, 0)).height() == before)
