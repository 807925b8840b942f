"""Move to Trash is undone with Ctrl+Z and Edit ▸ Undo while the list has the focus (tester,
session 14, finding 7: only the sidebar's passing Undo button brought it back), and it stays
out of the shown conversation's own history."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from tests.support.fake_azure import Reply
from tests.ui.test_library_sidebar import add, reload, wait_listed
from tests.ui.test_main_window import type_and_send, wait_idle


def test_ctrl_z_in_the_list_brings_back_the_conversation_just_trashed(qtbot, window, server):
    library = window.context.library
    id = add(library, "Explain the Python GIL briefly", time.time())
    reload(qtbot, window, "Explain the Python GIL briefly")
    # The conversation shown has a history of its own: a message deleted.
    server.enqueue(Reply("hi"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    window.transcript.deleteRequested.emit(1)
    assert window.undo_action.text() == "&Undo Delete message"
    shown = [m.content for m in window.session.conversation]

    sidebar = window.sidebar
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_L, ctrl_shift)  # "Go to the conversation list"
    assert sidebar.list.hasFocus()
    sidebar.list.setCurrentIndex(sidebar.library_model.index(sidebar.library_model.row_of(id)))
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: library.path(id, trashed=True).exists()
                    and sidebar.library_model.row_of(id) == -1, timeout=10_000)  # fmt: skip
    # The list has the focus: Edit ▸ Undo names the move, and Ctrl+Z undoes it.
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == "&Undo Move to Trash"
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_listed(qtbot, window, "Explain the Python GIL briefly")
    assert library.path(id).exists()
    assert not sidebar.undo_bar.isVisible()
    assert [m.content for m in window.session.conversation] == shown  # not the message
    # Redo moves it to the trash again; the passing Undo button is the same step.
    assert window.redo_action.text() == "&Redo Move to Trash"
    window.redo_action.trigger()
    qtbot.waitUntil(lambda: library.path(id, trashed=True).exists(), timeout=10_000)
    qtbot.waitUntil(sidebar.undo_bar.isVisible, timeout=10_000)
    sidebar.undo_button.click()
    wait_listed(qtbot, window, "Explain the Python GIL briefly")
    assert not sidebar.undo_stack.canUndo()
    assert window.redo_action.text() == "&Redo Move to Trash"

    # Back in the message box, Edit ▸ Undo is the conversation's again.
    window.composer.input.setFocus()
    qtbot.waitUntil(lambda: window.undo_action.text() == "&Undo Delete message")
    window.undo_action.trigger()
    assert [m.content for m in window.session.conversation] == ["hello", "hi"]


def test_two_conversations_trashed_one_after_the_other_are_undone_newest_first(qtbot, window):
    # The second Move to Trash crashed the app (a segmentation fault): the undo step's
    # conversation id was an attribute named `id`, which PySide took for QUndoCommand.id()'s
    # override, and the stack called it to see whether the two steps merge.
    library = window.context.library
    first = add(library, "Bread notes", time.time() - 100)
    second = add(library, "Soup notes", time.time() - 50)
    reload(qtbot, window, "Bread notes")
    wait_listed(qtbot, window, "Soup notes")
    sidebar = window.sidebar
    for id in (first, second):
        sidebar.trash(id)
        qtbot.waitUntil(lambda id=id: library.path(id, trashed=True).exists(), timeout=10_000)
    qtbot.waitUntil(lambda: sidebar.undo_stack.count() == 2, timeout=10_000)
    sidebar.list.setFocus()
    qtbot.waitUntil(lambda: window.undo_action.text() == "&Undo Move to Trash")
    window.undo_action.trigger()
    wait_listed(qtbot, window, "Soup notes")
    assert library.path(first, trashed=True).exists()  # the newest step first
    window.undo_action.trigger()
    wait_listed(qtbot, window, "Bread notes")
    assert library.path(first).exists()
    assert library.path(second).exists()
