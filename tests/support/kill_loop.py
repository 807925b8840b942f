"""The crash tests' set-up: a real window in a child process sends one question to the loopback
Azure, runs until a condition holds, says so, and is killed with SIGKILL (kill -9) there.

    script = write_driver(tmp_path / "driver.py", url=server.url, question="hi",
                          until="not session.busy and not session.modified")
    assert kill_when_ready(script)

`until` is a Python expression over `window` and `session` (the shown `ChatSession`), checked
every 10 ms; `then` a statement run once it holds, before the child says it is ready.
`paths` are opened as `chatdesk PATH...` would (none: a new conversation); `question=None`
sends nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

from tests.ui.conftest import KEY

ROOT = Path(__file__).resolve().parents[2]
READY = "READY"

_DRIVER = textwrap.dedent(
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
    window.open_paths({paths!r})
    window.show()
    while window.session.budget is None:
        app.processEvents()
    if {question!r} is not None:
        window.composer.set_text({question!r})
        window.composer.input.submit.emit()
    said = False
    started = time.monotonic()
    while time.monotonic() - started < 60:
        app.processEvents()
        time.sleep(0.01)
        session = window.session
        if not said and ({until}):
            {then}
            print({ready!r}, flush=True)
            said = True
    """
)


def write_driver(
    path: Path,
    *,
    url: str,
    question: str | None,
    until: str,
    then: str = "pass",
    paths: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """Write the child's script to `path` (see the module docstring); returns `path`."""
    opened = [os.fspath(p) for p in paths]
    text = _DRIVER.format(root=str(ROOT), url=url, key=KEY, question=question, until=until,
                          then=then, paths=opened, ready=READY)  # fmt: skip
    path.write_text(text)
    return path


def kill_when_ready(script: Path, timeout: float = 60) -> bool:
    """Run `script` (offscreen), kill -9 it as soon as it says it is ready (or after
    `timeout` seconds); whether it said so."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    ready = False
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not ready:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break  # the child ended without saying so
            ready = line.strip() == READY
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.stdout:
            proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return ready
