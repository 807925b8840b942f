"""The window's library follows changes made elsewhere: a real `chatdesk` command line process
imports or changes a conversation while the window is open, and the sidebar lists it without
anything being done in the window (tester findings: an import stayed unlisted for minutes
while search found it; a conversation changed by `chatdesk attach`/`send` showed its old
messages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from chatdesk.ui.library_model import Roles


def run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-m", "chatdesk", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def titles(window) -> list[str]:
    model = window.sidebar.library_model
    return [model.index(r).data() for r in range(model.rowCount())]


def test_a_conversation_imported_by_the_command_line_is_listed(qtbot, window, tmp_path):
    window.library_link.start()
    qtbot.waitUntil(lambda: window.sidebar.jobs is not None and not window.sidebar.jobs.busy,
                    timeout=10_000)  # fmt: skip
    body = tmp_path / "flamingos.json"
    body.write_text(json.dumps({"messages": [
        {"role": "user", "content": "Where do flamingos live?"},
        {"role": "assistant", "content": "In warm, watery places."},
    ]}))  # fmt: skip
    run("import", body)  # indexes what it adds: the window's index finds nothing to read
    qtbot.waitUntil(lambda: "Where do flamingos live?" in titles(window), timeout=5_000)
    # Search found it too (it always did): the list and the search agree.
    window.sidebar.search.setText("flamingos")
    window.sidebar.run_search()
    model = window.sidebar.search_model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5_000)
    assert model.index(0).data(Roles.Id) in window.context.library_index.stamps()
