"""kill -9 of the window after replies, round after round: every library conversation is
still there, whole, at the next start (listed by the index, which catches up from the files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from chatdesk.core.library import Library
from chatdesk.core.library_index import LibraryIndex
from chatdesk.core.paths import data_dir
from tests.support.fake_azure import Reply
from tests.ui.conftest import KEY

ROOT = Path(__file__).resolve().parents[2]

DRIVER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.settings import Settings
    from chatdesk.service.chat import ChatService
    from chatdesk.service.connections import Connections
    from chatdesk.service.secrets import MemorySecretStore, Secret
    from chatdesk.ui.app import make_app
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.main_window import MainWindow

    app = make_app()
    profile = ConnectionProfile("p", "azure-v1", {url!r}, "gpt-4o")
    settings = Settings(profiles=[profile], active_profile="p")
    store = MemorySecretStore()
    store.set("p", Secret({key!r}))
    connections = Connections(settings, secrets=store, env={{}})
    window = MainWindow(AppContext(settings, connections, ChatService(connections.credentials)))
    window.open_paths([])
    window.show()
    while window.session.budget is None:
        app.processEvents()
    window.composer.set_text({question!r})
    window.composer.input.submit.emit()
    said = False
    while True:
        app.processEvents()
        time.sleep(0.01)
        session = window.session
        done = not session.busy and len(session.conversation) == 2
        if done and not session.modified and not said:  # written: nothing only in memory
            print("WRITTEN", flush=True)
            said = True
    """
)


@pytest.mark.area("kill -9: the window")
def test_every_library_conversation_survives_kill_9(server, tmp_path, heavy, record_property):
    rounds = 5 if heavy else 2
    record_property("cases", rounds)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for n in range(rounds):
        script = tmp_path / f"driver{n}.py"
        question = f"question number {n}"
        script.write_text(DRIVER.format(root=str(ROOT), url=server.url, key=KEY,
                                        question=question))  # fmt: skip
        server.enqueue(Reply(text=f"answer number {n}", chunk_size=4))
        proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.stdout.readline().strip() != "WRITTEN":
                pass
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
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
