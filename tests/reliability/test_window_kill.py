"""kill -9 of the window mid-stream, round after round: each time the next start offers the
conversation with the partial reply, marked incomplete, once (no duplicate, no damaged copy)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatdesk.core.recovery import RecoveryStore
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import Reply
from tests.ui.conftest import KEY
from tests.ui.test_files import DRIVER

ROOT = Path(__file__).resolve().parents[2]


def kill_mid_stream(script: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.stdout.readline().strip() != "STREAMING":
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.area("kill -9: the window")
def test_window_killed_mid_stream_round_after_round(
    qtbot, context, server, tmp_path, heavy, record_property
):
    rounds = 6 if heavy else 2
    record_property("cases", rounds)
    script = tmp_path / "driver.py"
    script.write_text(DRIVER.format(root=str(ROOT), url=server.url, key=KEY))
    for _ in range(rounds):
        server.enqueue(Reply(text="partial " * 500, chunk_size=8, delay=0.05))
        kill_mid_stream(script)
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
