"""Issue 14 item 6 in the real window: the first launch offers the recent files for import."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.ui.main_window import MainWindow


def test_the_first_launch_offers_recent_files_and_copies_them(qtbot, context, tmp_path):
    saved = tmp_path / "old.chatdesk.json"
    save_conversation(Conversation(history=[Message("user", "an old chat")]), saved)
    context.settings.recent_files = [str(saved)]
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.open_paths([])
    window.show()
    qtbot.waitUntil(lambda: getattr(window, "library_welcome", None) is not None, timeout=10_000)
    box = window.library_welcome
    assert "1 recently opened file" in box.text()
    box.buttons()[0].click()
    library = context.library
    qtbot.waitUntil(lambda: len(list(library.files())) == 1, timeout=10_000)
    assert library.entries()[0].title == "an old chat"
    assert saved.exists()  # nothing deleted
    assert context.settings.library_migrated
    for session in window.sessions:
        session.set_modified(False)
    window.close()
