"""kill -9 of the window while a library conversation holds an unsent draft: the next start
shows the draft its file kept (written a second after typing), not the older one the session
state kept (written when the open conversations last changed), and writes nothing over it."""

from __future__ import annotations

import json

import pytest

from chatdesk.core.library import Library
from chatdesk.core.paths import data_dir
from chatdesk.core.session_state import load_session_state, state_path
from tests.support.fake_azure import Reply
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.ui.test_session_restore import close, launch

WRITTEN = "not session.busy and len(session.conversation) == 2 and not session.modified"
# The tester's steps: the reply is in and the session state written (a second later), then
# "unsent draft 42" typed into the message box, 4 s, kill -9.
TYPE_AND_WAIT = (
    "[app.processEvents() or time.sleep(0.01) for _ in range(150)]; "
    "window.composer.set_text('unsent draft 42'); "
    "[app.processEvents() or time.sleep(0.01) for _ in range(400)]"
)


@pytest.mark.area("kill -9: the window")
def test_the_draft_typed_last_comes_back_after_kill_9(qtbot, context, server, tmp_path):
    script = write_driver(tmp_path / "driver.py", url=server.url, question="hello",
                          until=WRITTEN, then=TYPE_AND_WAIT)  # fmt: skip
    server.enqueue(Reply(text="hi there"))
    assert kill_when_ready(script)
    [entry] = Library(data_dir() / "library").entries()
    assert json.loads(entry.path.read_text())["draft"] == "unsent draft 42"
    [kept] = load_session_state().conversations
    assert kept.path == str(entry.path)
    assert kept.draft == ""  # the state's is the older one

    win = launch(qtbot, context)
    qtbot.waitUntil(lambda: not win.session.loading, timeout=10_000)
    assert win.session.path == entry.path
    assert win.composer.text() == "unsent draft 42"
    win.memory.save()  # what the start-up writes keeps it too
    assert load_session_state().conversations[0].draft == "unsent draft 42"
    close(win)
    assert json.loads(entry.path.read_text())["draft"] == "unsent draft 42"
    assert json.loads(state_path().read_text())["conversations"][0]["draft"] == "unsent draft 42"
