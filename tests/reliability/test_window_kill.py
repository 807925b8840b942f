"""kill -9 of the window mid-stream, round after round: each time the next start offers the
conversation (a file of the user's, outside the library) with the partial reply, marked
incomplete, once (no duplicate, no damaged copy)."""

from __future__ import annotations

import pytest

from chatdesk.core.recovery import RecoveryStore
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import Reply
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.ui.test_files import MID_STREAM, users_file


@pytest.mark.area("kill -9: the window")
def test_window_killed_mid_stream_round_after_round(
    qtbot, context, server, tmp_path, heavy, record_property
):
    rounds = 6 if heavy else 2
    record_property("cases", rounds)
    script = write_driver(tmp_path / "driver.py", url=server.url, question="the question I typed",
                          paths=[users_file(tmp_path)], until=MID_STREAM,
                          then="window.autosaver.save(session)")  # fmt: skip
    for _ in range(rounds):
        server.enqueue(Reply(text="partial " * 500, chunk_size=8, delay=0.05))
        assert kill_when_ready(script)
        store = RecoveryStore()
        entries = store.entries()
        assert len(entries) == 1  # one per kill: the previous round's was restored and saved
        assert store.damaged == []
        window = MainWindow(context)
        qtbot.addWidget(window)
        window.open_paths([])
        window.offer_recovery()
        window.recovery_dialog.restoreRequested.emit(entries)
        conv = window.session.conversation
        assert conv[1].content.startswith("partial partial")
        assert conv[1].meta.incomplete
        for session in window.sessions:
            session.set_modified(False)  # as if saved: its copy goes
        window.close()
        assert RecoveryStore().entries() == []
