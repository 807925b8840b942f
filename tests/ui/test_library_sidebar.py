"""The sidebar is the library, in the real window: groups, pins, rename in place (F2), trash
with Undo and Empty trash, duplicate, a broken file's warning row, search with snippets, and
a search hit opening its conversation at the message (older rows brought in)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library, iso_time
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.library_model import Kind, LibraryModel, Roles, SearchModel
from tests.support.opening import open_and_wait, wait_loaded

DAY = 86_400.0


def add(library: Library, title: str, when: float, texts=("hello", "hi"), pinned=False) -> str:
    conv = Conversation()
    conv.title = title
    conv.created_at = iso_time(when)
    for i, text in enumerate(texts):
        meta = MessageMeta(created_at=iso_time(when))
        conv.append(Message("user" if i % 2 == 0 else "assistant", text, meta=meta))
    conv.pinned_in_list = pinned
    return library.create(conv).id


@pytest.fixture
def library(window):
    return window.context.library


def rows(model):
    return [
        (model.index(r).data(Roles.Kind).value, model.index(r).data())
        for r in range(model.rowCount())
    ]


def wait_listed(qtbot, window, title):
    model = window.sidebar.library_model
    qtbot.waitUntil(lambda: title in [model.index(r).data() for r in range(model.rowCount())],
                    timeout=10_000)  # fmt: skip


def reload(qtbot, window, title):
    window.sidebar.jobs.refresh()
    wait_listed(qtbot, window, title)


def test_the_library_is_grouped_with_pinned_on_top(qtbot, window, library):
    now = time.time()
    add(library, "Old one", now - 90 * DAY)
    add(library, "This morning", now - 60)
    add(library, "Last week", now - 4 * DAY)
    add(library, "Pinned long ago", now - 400 * DAY, pinned=True)
    reload(qtbot, window, "Pinned long ago")  # the last one written: a listing has them all
    got = [r for r in rows(window.sidebar.library_model) if r[0] != "file"]
    labels = [label for kind, label in got]
    assert labels.index("Pinned") < labels.index("Pinned long ago") < labels.index("Today")
    assert labels.index("Today") < labels.index("This morning") < labels.index("Previous 7 days")
    assert labels.index("Last week") < labels.index("Old one")
    assert ("heading", "Previous 7 days") in got
    assert got[labels.index("Old one") - 1][0] == "heading"  # its month


def test_rename_in_place_with_f2(qtbot, window, library):
    id = add(library, "Draft title", time.time())
    reload(qtbot, window, "Draft title")
    sidebar = window.sidebar
    row = sidebar.library_model.row_of(id)
    sidebar.list.setFocus()
    sidebar.list.setCurrentIndex(sidebar.library_model.index(row))
    qtbot.keyClick(sidebar.list, Qt.Key.Key_F2)
    editor = sidebar.list.focusWidget()
    assert editor is not sidebar.list
    editor.selectAll()
    qtbot.keyClicks(editor, "Quarterly report")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait_listed(qtbot, window, "Quarterly report")
    assert library.load(id).conversation.title == "Quarterly report"


def test_trash_undo_and_empty_trash(qtbot, window, library):
    id = add(library, "To be binned", time.time())
    reload(qtbot, window, "To be binned")
    sidebar = window.sidebar
    sidebar.list.setFocus()
    sidebar.list.setCurrentIndex(sidebar.library_model.index(sidebar.library_model.row_of(id)))
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: sidebar.undo_bar.isVisible(), timeout=10_000)
    assert "To be binned" in sidebar.undo_label.text()
    assert sidebar.library_model.row_of(id) == -1
    assert library.path(id, trashed=True).exists()
    sidebar.undo_button.click()
    wait_listed(qtbot, window, "To be binned")
    assert library.path(id).exists()
    # Now for good: trash it, show the trash, empty it.
    sidebar.trash(id)
    qtbot.waitUntil(lambda: sidebar.trash_model.row_of(id) >= 0, timeout=10_000)
    sidebar.trash_button.click()
    assert sidebar.list.model() is sidebar.trash_model
    sidebar.empty_button.click()
    box = sidebar.empty_box
    assert "1 conversation" in box.text()
    delete = next(b for b in box.buttons() if b.text() == "Delete for good")
    delete.click()
    qtbot.waitUntil(lambda: sidebar.trash_model.row_of(id) == -1, timeout=10_000)
    assert not library.path(id, trashed=True).exists()


def test_context_menu_duplicates_and_pins(qtbot, window, library):
    id = add(library, "Recipe ideas", time.time() - 3 * DAY)
    reload(qtbot, window, "Recipe ideas")
    sidebar = window.sidebar
    index = sidebar.library_model.index(sidebar.library_model.row_of(id))
    menu = sidebar.context_menu(index)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Open", "Rename…", "Pin", "Duplicate", "Move to trash"]
    next(a for a in menu.actions() if a.text() == "Duplicate").trigger()
    wait_listed(qtbot, window, "Recipe ideas (copy)")
    index = sidebar.library_model.index(sidebar.library_model.row_of(id))
    next(a for a in sidebar.context_menu(index).actions() if a.text() == "Pin").trigger()
    qtbot.waitUntil(lambda: sidebar.library_model.index(
        sidebar.library_model.row_of(id)).data(Roles.Pinned), timeout=10_000)
    assert rows(sidebar.library_model)[sidebar.library_model.row_of(id) - 1] == (
        "heading", "Pinned")


def test_a_broken_file_is_a_warning_row_with_its_error(qtbot, window, library):
    add(library, "Fine", time.time())
    broken = library.folder / "20261130-000000-abcdef.chatdesk.json"
    broken.write_text("{ this is not json", encoding="utf-8")
    reload(qtbot, window, "Fine")
    model = window.sidebar.library_model
    qtbot.waitUntil(lambda: any(model.index(r).data(Roles.Kind) is Kind.BROKEN
                                for r in range(model.rowCount())), timeout=10_000)  # fmt: skip
    row = next(r for r in range(model.rowCount()) if model.index(r).data(Roles.Kind) is Kind.BROKEN)
    assert model.index(row).data(Roles.Error)
    assert model.index(row).data(Qt.ItemDataRole.ToolTipRole).endswith(
        model.index(row).data(Roles.Error))
    assert "Fine" in [model.index(r).data() for r in range(model.rowCount())]


def test_search_shows_snippets_and_opens_the_conversation_at_the_message(qtbot, window, library):
    texts = [f"message number {i}" for i in range(1000)]
    texts[12] = "the pelican briefly visited the harbour"
    id = add(library, "Birds", time.time() - DAY, texts=texts)
    add(library, "Cats", time.time(), texts=["no birds here"])
    reload(qtbot, window, "Birds")
    sidebar = window.sidebar
    qtbot.keyClicks(sidebar.search, "pelic")  # as you type: a word's start finds it
    qtbot.waitUntil(lambda: sidebar.list.model() is sidebar.search_model
                    and sidebar.search_model.rowCount() == 1, timeout=10_000)  # fmt: skip
    hit = sidebar.search_model.index(0).data(Roles.Hit)
    assert (hit.conversation_id, hit.message_index) == (id, 12)
    start, end = hit.highlights[0]
    assert hit.snippet[start:end] == "pelican"
    assert sidebar.status.text() == "1 conversation"
    rect = sidebar.list.visualRect(sidebar.search_model.index(0))
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: window.session.path == library.path(id) and not window.session.loading,
        timeout=10_000,
    )
    model = window.session.model
    assert model.hidden <= 12  # the older rows were brought in to show message 12
    assert model.history_index(window.transcript.currentIndex().row()) == 12
    # The searched words are marked there, with the find bar: "1 of 1".
    bar = window.find_bar
    assert bar.isVisible()
    assert bar.field.text() == "pelic"
    qtbot.waitUntil(lambda: bar.count.text() == "1 of 1", timeout=10_000)
    uid = window.session.conversation[12].uid
    assert window.transcript.delegate.find_marks(uid) is not None
    # Esc in the search box goes back to the library.
    sidebar.search.setFocus()
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Escape)
    assert sidebar.list.model() is sidebar.library_model


def test_ten_thousand_conversations_are_cheap_rows(qtbot):
    from chatdesk.core.library import LibraryEntry
    from chatdesk.ui.library_view import LibraryView

    now = time.time()
    entries = [
        LibraryEntry(f"id{i}", None, f"Conversation {i}", now - i * 600.0, 4, i % 1000 == 0)
        for i in range(10_000)
    ]
    from PySide6.QtWidgets import QWidget

    view = LibraryView()
    qtbot.addWidget(view)
    widgets_before = len(view.findChildren(QWidget))
    model = LibraryModel()
    started = time.perf_counter()
    model.set_entries(entries, now)
    view.setModel(model)
    view.resize(240, 600)
    view.show()
    qtbot.waitExposed(view)
    elapsed = time.perf_counter() - started
    assert model.rowCount() > 10_000  # the entries and their headings
    assert len(view.findChildren(QWidget)) == widgets_before  # painted rows, no widget per row
    assert elapsed < 2.0  # ~50 ms on a quiet machine


def test_models_pass_the_model_tester(qtmodeltester):
    from chatdesk.core.library import LibraryEntry
    from chatdesk.core.library_search import SearchHit, SearchPage

    model = LibraryModel()
    model.set_entries([LibraryEntry("a", None, "A", time.time(), 2, False)])
    qtmodeltester.check(model)
    search = SearchModel()
    search.set_page("x", SearchPage((SearchHit("a", "A", 0, "an x here", ((3, 4),), 2),), 7))
    qtmodeltester.check(search)
    search.add_page("x", SearchPage((SearchHit("b", "B", None, "x", ((0, 1),)),), None))
    assert search.rowCount() == 2
    qtmodeltester.check(search)


def test_the_library_does_not_load_before_the_first_paint(qtbot, context, monkeypatch):
    from chatdesk.ui import library_jobs
    from chatdesk.ui.main_window import MainWindow

    calls = []
    monkeypatch.setattr(library_jobs.LibraryJobs, "load", lambda self: calls.append("load"))
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([])
    assert calls == []
    win.show()
    qtbot.waitUntil(lambda: calls == ["load"], timeout=10_000)
    for session in win.sessions:
        session.shutdown()


def test_an_open_file_outside_the_library_is_listed_under_open_files(qtbot, window, tmp_path):
    from chatdesk.core.fileformat import save_conversation

    path = tmp_path / "mine.json"
    save_conversation(Conversation(history=[Message("user", "outside")]), path)
    open_and_wait(qtbot, window, [str(path)])
    model = window.sidebar.library_model
    assert rows(model)[:2] == [("heading", "Open files"), ("file", "mine.json")] or (
        ("file", "mine.json") in rows(model))
    window.activate(window.sessions[0])
    index = model.index(next(r for r in range(model.rowCount()) if model.index(r).data() ==
                             "mine.json"))  # fmt: skip
    qtbot.mouseClick(window.sidebar.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.sidebar.list.visualRect(index).center())  # fmt: skip
    assert window.session.path == path




def test_search_waits_for_a_pause_in_typing_and_runs_once(qtbot, window, monkeypatch):
    from chatdesk.ui import library_jobs

    calls = []
    monkeypatch.setattr(library_jobs.LibraryJobs, "search", lambda self, q: calls.append(q))
    qtbot.waitUntil(lambda: window.sidebar.jobs is not None, timeout=10_000)
    qtbot.keyClicks(window.sidebar.search, "pelican")  # seven keystrokes, no search yet
    assert calls == []
    qtbot.waitUntil(lambda: calls == ["pelican"], timeout=2000)  # one search, after the pause


def test_an_open_conversation_is_renamed_pinned_and_trashed_through_its_window(
    qtbot, window, library
):
    id = add(library, "Open one", time.time())
    reload(qtbot, window, "Open one")
    session = window.library_link.open(id)
    assert window.session is session
    wait_loaded(qtbot, window)
    model = window.sidebar.library_model
    assert model.index(model.row_of(id)).data(Roles.Open)
    model.setData(model.index(model.row_of(id)), "Renamed while open")
    wait_listed(qtbot, window, "Renamed while open")
    assert session.conversation.title == "Renamed while open"
    assert library.load(id).conversation.title == "Renamed while open"
    assert len(library.entries()) == 1  # saved in place: no "changed in two places" copy
    window.sidebar.trash(id)
    qtbot.waitUntil(lambda: library.path(id, trashed=True).exists(), timeout=10_000)
    assert session not in window.sessions


def test_the_search_runs_off_the_gui_thread(qtbot, window, library, monkeypatch):
    import threading

    from chatdesk.core.library_index import LibraryIndex

    threads = []
    real = LibraryIndex.search_page

    def search_page(self, *args):
        threads.append(threading.current_thread())
        return real(self, *args)

    monkeypatch.setattr(LibraryIndex, "search_page", search_page)
    add(library, "Harbour birds", time.time(), texts=["a pelican again"])
    reload(qtbot, window, "Harbour birds")
    window.sidebar.search.setText("pelican")
    qtbot.waitUntil(lambda: window.sidebar.search_model.rowCount() == 1, timeout=10_000)
    assert threads
    assert threading.main_thread() not in threads


def test_a_new_listing_keeps_the_list_where_it_was_scrolled(qtbot, window, library):
    now = time.time()
    for i in range(120):
        add(library, f"Conversation {i:03}", now - i * DAY / 4)
    reload(qtbot, window, "Conversation 119")
    bar = window.sidebar.list.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum() // 2)
    kept = bar.value()
    add(library, "Arrived meanwhile", now - DAY * 40)  # another process wrote one
    reload(qtbot, window, "Arrived meanwhile")
    assert bar.value() == kept


def write_files(library, n):
    import json

    library.folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        doc = {"format": "chatdesk.conversation", "version": 2, "title": f"Imported {i}",
               "messages": [{"role": "user", "content": f"question {i}"}]}
        (library.folder / f"20260101-000000-{i:06x}.chatdesk.json").write_text(json.dumps(doc))


def test_a_first_indexing_shows_its_progress(qtbot, context):
    from chatdesk.ui.main_window import MainWindow

    write_files(context.library, 1200)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([])
    seen = []
    win.show()
    qtbot.waitUntil(lambda: win.sidebar.jobs is not None, timeout=10_000)
    win.sidebar.jobs.progress.connect(lambda done, total: seen.append((done, total)))
    model = win.sidebar.library_model
    qtbot.waitUntil(lambda: len(model.entries) == 1200, timeout=60_000)
    assert seen
    assert seen[-1] == (1200, 1200)
    assert win.sidebar.status.text() == ""  # the progress line is gone once it is done
    for session in win.sessions:
        session.shutdown()


def test_closing_during_a_long_indexing_does_not_wait_for_it(qtbot, context):
    from chatdesk.ui.main_window import MainWindow

    write_files(context.library, 4000)
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win.sidebar.jobs is not None, timeout=10_000)
    started = []
    win.sidebar.jobs.progress.connect(lambda done, total: started.append(done))
    qtbot.waitUntil(lambda: bool(started), timeout=30_000)
    before = time.monotonic()
    win.close()
    assert time.monotonic() - before < 5  # it stopped at its next batch of files
    assert len(context.library_index.entries()) < 4000  # kept what it had; goes on next time


def test_a_file_changed_in_place_is_listed_when_the_window_is_active_again(
    qtbot, window, library
):
    # Tester, session 11: an editor saving over a library file (no new name, so the folder's
    # watch sees nothing) was listed only after some later change to the folder.
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    id = add(library, "Before", time.time())
    reload(qtbot, window, "Before")
    qtbot.wait(1500)  # the folder's own change (the file created) has been followed
    path = library.path(id)
    path.write_text(path.read_text().replace('"Before"', '"Renamed in place"'))  # same name
    qtbot.wait(1500)
    model = window.sidebar.library_model
    assert "Before" in [model.index(r).data() for r in range(model.rowCount())]  # unseen yet
    QApplication.instance().applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
    wait_listed(qtbot, window, "Renamed in place")
