"""Issue 14 item 6: the first launch offers recent files and recovery copies; nothing deleted."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.library import Library
from chatdesk.core.library_migration import candidates, run
from chatdesk.core.messages import Message
from chatdesk.core.recovery import RecoveryStore
from chatdesk.core.settings import Settings


def test_recent_files_and_recovery_copies_are_offered_and_copied(tmp_path):
    library = Library(tmp_path / "library")
    saved = tmp_path / "saved.chatdesk.json"
    save_conversation(Conversation(history=[Message("user", "from a file")]), saved)
    store = RecoveryStore(tmp_path / "recovery")
    store.save("a" * 32, Conversation(history=[Message("user", "never saved")]), None)
    store.save("b" * 32, Conversation(history=[Message("user", "edited")]), saved)
    settings = Settings(recent_files=[str(saved), str(tmp_path / "gone.json")])
    found = candidates(settings, library, store)
    assert found.files == (saved,)
    assert len(found.recovered) == 2
    ids, problems = run(found, library, store)
    assert problems == []
    texts = sorted(library.load(i).conversation[0].content for i in ids)
    assert texts == ["edited", "from a file", "never saved"]
    assert saved.exists()  # nothing deleted
    assert len(store.entries()) == 2  # the copies stay offered by crash recovery
    settings.library_migrated = True
    assert len(candidates(settings, library, store)) == 0
