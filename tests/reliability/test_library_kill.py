"""kill -9 of the window after replies, round after round: every library conversation is
still there, whole, at the next start (listed by the index, which catches up from the files)."""

from __future__ import annotations

import pytest

from chatdesk.core.library import Library
from chatdesk.core.library_index import LibraryIndex
from chatdesk.core.paths import data_dir
from chatdesk.core.recovery import RecoveryStore
from tests.support.fake_azure import Reply
from tests.support.kill_loop import kill_when_ready, write_driver

# The reply is in, and written: nothing is only in memory any more.
WRITTEN = "not session.busy and len(session.conversation) == 2 and not session.modified"


@pytest.mark.area("kill -9: the window")
def test_every_library_conversation_survives_kill_9(server, tmp_path, heavy, record_property):
    rounds = 5 if heavy else 2
    record_property("cases", rounds)
    for n in range(rounds):
        script = write_driver(tmp_path / f"driver{n}.py", url=server.url,
                              question=f"question number {n}", until=WRITTEN)  # fmt: skip
        server.enqueue(Reply(text=f"answer number {n}", chunk_size=4))
        assert kill_when_ready(script)
        assert RecoveryStore().entries() == []  # a library conversation needs no copy
        library = Library(data_dir() / "library")
        entries = library.entries()
        assert len(entries) == n + 1  # every earlier round's conversation too
        assert all(e.error is None for e in entries)
        index = LibraryIndex(library)
        try:
            index.refresh()
            assert {e.id for e in index.entries()} == {e.id for e in entries}
            [hit] = index.search(f"answer number {n}")
            assert hit.message_index == 1
        finally:
            index.close()
