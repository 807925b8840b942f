"""File ▸ Open recent holds the user's own files, not library conversations (issue 14's
leftover: every conversation opened from the sidebar went into it, as an id-named path), and
an earlier version's settings that list library files lose those entries, never the user's."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from tests.support.opening import open_and_wait, wait_loaded
from tests.ui.test_library_sync import heron


def users_file(folder, name: str) -> str:
    conv = Conversation()
    conv.append(Message("user", f"What is in {name}?"))
    path = folder / name
    save_conversation(conv, path)
    return str(path)


def file_menu(window):
    return window.recent_menu.menuAction().associatedObjects()[0]


def shown_recent(qtbot, window) -> list[str] | None:
    """What Open recent offers as the File menu opens (None: the submenu is disabled)."""
    menu = file_menu(window)
    menu.popup(window.mapToGlobal(QPoint(10, 10)))
    qtbot.waitUntil(menu.isVisible)
    recent = window.recent_menu
    offered = [a.text() for a in recent.actions()] if recent.isEnabled() else None
    menu.close()
    return offered


def test_a_library_conversation_opened_from_the_sidebar_is_not_a_recent_file(
    qtbot, window, server, tmp_path
):
    id = heron(qtbot, window, server).library_id
    window.close_current()
    window.library_link.open(id)
    wait_loaded(qtbot, window)
    library_path = str(window.context.library.path(id))
    assert window.session.path == window.context.library.path(id)
    assert library_path not in window.context.settings.recent_files
    assert shown_recent(qtbot, window) is None  # nothing of the user's yet
    mine = users_file(tmp_path, "mine.chatdesk.json")
    open_and_wait(qtbot, window, [mine])
    assert shown_recent(qtbot, window) == [mine]  # the emptied submenu comes back


def test_library_files_an_earlier_version_listed_are_left_out_and_never_push_out_the_users(
    qtbot, window, server, tmp_path
):
    library = window.context.library
    id = heron(qtbot, window, server).library_id
    trashed = library.path("20250101-000000-abcdef", trashed=True)
    users = [users_file(tmp_path, f"mine-{n}.json") for n in range(5)]
    gone = library.folder / "20250101-000000-fedcba.chatdesk.json"
    stray, kept = library.folder / "a stray.chatdesk.json", f"{library.path(id)}.old"
    old = [str(library.path(id)), users[0], str(trashed), users[1], users[2], str(gone),
           users[3], users[4], str(stray), kept]  # fmt: skip
    window.context.settings.recent_files = list(old)
    assert shown_recent(qtbot, window) == users  # read as they are: nothing rewritten
    assert window.context.settings.recent_files == old

    newest = users_file(tmp_path, "newest.json")
    open_and_wait(qtbot, window, [newest])
    assert window.context.settings.recent_files == [newest, *users]  # all five kept
    assert shown_recent(qtbot, window) == [newest, *users]
    window.close_current()
    window.library_link.open(id)  # the library's: no change at all
    wait_loaded(qtbot, window)
    assert window.context.settings.recent_files == [newest, *users]


def test_a_recent_file_gone_away_is_explained_and_the_conversation_shown_stays(
    qtbot, window, tmp_path, monkeypatch
):
    """Tester: a file moved away and then clicked in Open recent said "...does not exist." and
    the window switched from q.json to another conversation."""
    q = users_file(tmp_path, "q.json")
    other = users_file(tmp_path, "other.json")
    gone = users_file(tmp_path, "gone.json")
    open_and_wait(qtbot, window, [q, other, gone])
    window.close_current()  # gone.json is closed and stays in Open recent
    window.activate(next(s for s in window.sessions if str(s.path) == q))
    (tmp_path / "gone.json").rename(tmp_path / "moved.json")
    told = []
    monkeypatch.setattr(window, "show_message", lambda title, text: told.append(text))
    window.open_paths([gone])
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    assert "does not exist" in told[0]
    assert str(window.session.path) == q
    assert [str(s.path) for s in window.sessions if s.path] == [q, other]
