"""The library by keyboard and by right-click, in the real window, as a tester used it: F2
renames the shown conversation wherever the focus is (never sending the typed name), a key
brings the keyboard into the list, and trashing another conversation leaves the view alone."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library, iso_time
from chatdesk.core.messages import Message, MessageMeta
from tests.support.opening import open_and_wait

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def add(library: Library, texts: tuple[str, ...], when: float) -> str:
    conv = Conversation()
    conv.created_at = iso_time(when)
    for i, text in enumerate(texts):
        meta = MessageMeta(created_at=iso_time(when))
        conv.append(Message("user" if i % 2 == 0 else "assistant", text, meta=meta))
    return library.create(conv).id


def titles(window) -> list[str]:
    model = window.sidebar.library_model
    return [model.index(r).data() for r in range(model.rowCount())]


def listed(qtbot, window, title: str) -> None:
    window.sidebar.jobs.refresh()
    qtbot.waitUntil(lambda: title in titles(window), timeout=10_000)


def click_row(qtbot, window, id: str, button=Qt.MouseButton.LeftButton) -> None:
    sidebar = window.sidebar
    # Conversations made one after another may be listed by two refreshes (the folder's watch
    # saw the first file): a row not listed yet has no rectangle, and a click at (0, 0) opened
    # another conversation (seen under load).
    qtbot.waitUntil(lambda: sidebar.library_model.row_of(id) >= 0, timeout=10_000)
    rect = sidebar.list.visualRect(sidebar.library_model.index(sidebar.library_model.row_of(id)))
    qtbot.mouseClick(sidebar.list.viewport(), button, pos=rect.center())


def keys(qtbot, *steps) -> None:
    """Each step to whichever widget has the focus then, as a user's keyboard does."""
    for step in steps:
        target = QApplication.focusWidget()
        assert target is not None
        if isinstance(step, str):
            qtbot.keyClicks(target, step)
        else:
            qtbot.keyClick(target, *step)


def test_f2_after_clicking_a_row_renames_it_and_sends_nothing(qtbot, window, server):
    library = window.context.library
    id = add(library, ("What is the capital of Australia?", "Canberra."), time.time() - 60)
    listed(qtbot, window, "What is the capital of Australia?")
    click_row(qtbot, window, id)
    qtbot.waitUntil(lambda: window.session.path == library.path(id), timeout=10_000)
    assert QApplication.focusWidget() is window.composer.input  # a click: typing goes on there
    keys(qtbot, (Qt.Key.Key_F2,), (Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier),
         "Australia notes", (Qt.Key.Key_Return,))  # fmt: skip
    qtbot.waitUntil(lambda: "Australia notes" in titles(window), timeout=10_000)
    assert window.composer.input.toPlainText() == ""
    assert len(window.session.conversation) == 2  # nothing was sent
    assert server.requests == []
    assert window.session.conversation.title == "Australia notes"
    qtbot.waitUntil(lambda: library.load(id).conversation.title == "Australia notes",
                    timeout=10_000)  # fmt: skip


def test_the_keyboard_gets_into_the_list_and_delete_trashes_there(qtbot, window):
    library = window.context.library
    id = add(library, ("Bread notes", "Flour, water."), time.time() - 60)
    listed(qtbot, window, "Bread notes")
    sidebar = window.sidebar
    window.composer.input.setFocus()
    keys(qtbot, (Qt.Key.Key_L, CTRL_SHIFT))
    assert QApplication.focusWidget() is sidebar.list
    # Down from the search box goes there too.
    keys(qtbot, (Qt.Key.Key_F, CTRL_SHIFT))
    assert QApplication.focusWidget() is sidebar.search
    keys(qtbot, (Qt.Key.Key_Down,))
    assert QApplication.focusWidget() is sidebar.list
    sidebar.list.setCurrentIndex(sidebar.library_model.index(sidebar.library_model.row_of(id)))
    keys(qtbot, (Qt.Key.Key_Delete,))
    qtbot.waitUntil(lambda: library.path(id, trashed=True).exists(), timeout=10_000)


def test_f2_in_the_list_renames_the_row_selected_there(qtbot, window):
    library = window.context.library
    id = add(library, ("Soup ideas", "Leek."), time.time() - 60)
    listed(qtbot, window, "Soup ideas")
    sidebar = window.sidebar
    sidebar.list.setFocus()
    sidebar.list.setCurrentIndex(sidebar.library_model.index(sidebar.library_model.row_of(id)))
    keys(qtbot, (Qt.Key.Key_F2,), (Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier),
         "Soups", (Qt.Key.Key_Return,))  # fmt: skip
    qtbot.waitUntil(lambda: library.load(id).conversation.title == "Soups", timeout=10_000)


@pytest.mark.parametrize("plan_open", [True, False])
def test_trashing_another_conversation_leaves_the_view_where_it_is(qtbot, window, plan_open):
    library = window.context.library
    plan = add(library, ("How do I plan a trip?", "Start early."), time.time() - 120)
    big = add(library, ("A long one", "Yes."), time.time() - 90)
    bread = add(library, ("Bread notes", "Flour, water."), time.time() - 60)
    listed(qtbot, window, "How do I plan a trip?")
    opened = (bread, plan, big, bread) if plan_open else (bread, big, bread)
    for id in opened:  # "Bread notes" shown last
        click_row(qtbot, window, id)
        qtbot.waitUntil(lambda id=id: window.session.path == library.path(id), timeout=10_000)
    sidebar = window.sidebar
    click_row(qtbot, window, plan, Qt.MouseButton.RightButton)
    assert sidebar.list.currentIndex().row() == sidebar.library_model.row_of(bread)
    index = sidebar.library_model.index(sidebar.library_model.row_of(plan))
    next(a for a in sidebar.context_menu(index).actions() if a.text() == "Move to trash").trigger()
    qtbot.waitUntil(lambda: library.path(plan, trashed=True).exists(), timeout=10_000)
    qtbot.waitUntil(lambda: sidebar.library_model.row_of(plan) == -1, timeout=10_000)
    assert window.session.path == library.path(bread)
    current = sidebar.list.currentIndex()
    assert current.row() == sidebar.library_model.row_of(bread)
    assert sidebar.list.selectionModel().isSelected(current)


def test_new_and_unsent_conversations_are_not_listed_as_open_files(qtbot, window):
    from chatdesk.ui.library_model import Kind, Roles

    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    model = sidebar.library_model

    def files() -> list[str]:
        return [model.index(r).data() for r in range(model.rowCount())
                if model.index(r).data(Roles.Kind) is Kind.FILE]  # fmt: skip

    window.new_conversation()
    assert files() == []
    qtbot.keyClicks(window.composer.input, "an unsent question about rye")
    assert files() == []
    # Written to the library about a second later: a library row from then on.
    qtbot.waitUntil(lambda: window.session.path is not None, timeout=10_000)
    id = window.session.library_id
    qtbot.waitUntil(lambda: model.row_of(id) >= 0, timeout=10_000)
    assert files() == []
    assert sidebar.list.currentIndex().row() == model.row_of(id)


def test_two_windows_on_one_library_keep_both_and_the_copy_says_so(qtbot, window, server):
    """Window 2 (`chatdesk FILE` on a library file) and window 1 both send in "Write a long
    essay": both versions kept, the later writer's as "… (changed in two places)", and that
    window says so in its status bar."""
    from chatdesk.core.library import CONFLICT_MARK
    from chatdesk.ui.main_window import MainWindow
    from tests.support.fake_azure import Reply

    library = window.context.library
    id = add(library, ("Write a long essay", "Here it is."), time.time() - 60)
    listed(qtbot, window, "Write a long essay")
    click_row(qtbot, window, id)
    qtbot.waitUntil(lambda: window.session.path == library.path(id), timeout=10_000)
    second = MainWindow(window.context)
    qtbot.addWidget(second)
    open_and_wait(qtbot, second, [str(library.path(id))])
    second.show()
    qtbot.waitUntil(lambda: second.session.budget is not None, timeout=10_000)
    for win, text in ((window, "Make it longer."), (second, "Make it shorter.")):
        server.enqueue(Reply(text=f"Sure: {text}"))
        win.composer.set_text(text)
        win.composer.input.submit.emit()
        qtbot.waitUntil(lambda win=win: len(win.session.conversation) == 4
                        and not win.session.busy and not win.session.modified,
                        timeout=10_000)  # fmt: skip
    original = library.load(id).conversation
    assert original[2].content == "Make it longer."
    copy_id = second.session.library_id
    assert copy_id != id
    copy = library.load(copy_id).conversation
    assert copy[2].content == "Make it shorter."
    assert copy.title == "Write a long essay" + CONFLICT_MARK
    assert second.session.conversation.title == "Write a long essay" + CONFLICT_MARK
    assert "changed in two places" in second.notice.text()
    for session in second.sessions:
        session.set_modified(False)
        session.shutdown()
