"""kill -9 of the window with several conversations open (library ones and a file of the
user's, with a draft typed into each): the next start shows the conversation that was
selected, with its draft, as it does after a clean quit, also once the recovery copy of the
user's file is restored (one tab for it, not shown in the selected one's place)."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.library import Library
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.ui.test_session_restore import close, launch


def library_conversation(library, words):
    conv = Conversation(system_prompt="sys")
    conv.append(Message("user", f"{words} question"))
    conv.append(Message("assistant", f"{words} answer"))
    return library.path(library.create(conv).id)


def own_file(tmp_path, words):
    conv = Conversation(system_prompt="sys")
    conv.append(Message("user", f"{words} question"))
    path = tmp_path / f"{words}.json"
    save_conversation(conv, path)
    return path


DRAFT = "typed into the second"


def pause(ms):
    """The child's event loop running for about `ms` milliseconds."""
    return f"[app.processEvents() or time.sleep(0.01) for _ in range({ms // 10})]"


def typing(text):
    """`text` typed a key every 100 ms (the library writes the draft meanwhile)."""
    keys = f"range(1, {len(text) + 1})"
    return f"[window.composer.set_text({text!r}[:n]) or {pause(100)} for n in {keys}]"


def test_restoring_an_own_file_after_kill_9_keeps_the_selected_conversation_shown(
    qtbot, context, server, tmp_path
):
    # The tester's steps: three open, a few words typed into the user's file (a recovery copy
    # keeps them; the session state, written a second later, too), the second chosen, a few
    # words typed there, and kill -9 a moment after the last key (its file holds them by then).
    library = Library(data_dir() / "library")
    first = library_conversation(library, "first")
    second = library_conversation(library, "second")
    mine = own_file(tmp_path, "mine")
    choose = f"window.activate(next(s for s in window.sessions if s.path.name == {second.name!r}))"
    steps = "; ".join([typing("kept by a copy"), pause(1500), choose, typing(DRAFT), pause(700)])
    script = write_driver(tmp_path / "driver.py", url=server.url, question=None,
                          paths=[first, second, mine], until="True", then=steps)  # fmt: skip
    assert kill_when_ready(script)

    win = launch(qtbot, context)
    qtbot.waitUntil(lambda: not any(s.loading for s in win.sessions), timeout=10_000)
    assert win.session.path == second
    win.offer_recovery()
    [entry] = win.recovery_dialog.entries
    win.recovery_dialog.restoreRequested.emit([entry])
    assert [s.path for s in win.sessions] == [first, second, mine]
    assert win.session.path == second
    assert win.composer.text() == DRAFT
    assert win.sessions[2].draft == "kept by a copy"
    assert win.sessions[2].modified
    close(win)
