"""After kill -9, the new conversation you were writing in is the one that comes back (tester,
session 13: Ctrl+N, a draft typed, 30 s, kill -9: another conversation was shown, and the
draft's conversation was listed as "New conversation" with nothing pointing to it). The
session state is written once the new conversation has its file, and a conversation holding
only a draft is named by the draft's first words, marked "(draft)"."""

from __future__ import annotations

import json

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir
from chatdesk.core.session_state import load_session_state
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.ui.test_session_restore import close, launch

DRAFT = "How long do I knead a rye loaf by hand?\n\nIt is for a cold kitchen."


def pause(ms: int) -> str:
    return f"[app.processEvents() or time.sleep(0.01) for _ in range({ms // 10})]"


def typing(text: str) -> str:
    """`text` typed a key every 50 ms, as a person types (longer than the second after which
    the session state is written)."""
    keys = f"range(1, {len(text) + 1})"
    return f"[window.composer.set_text({text!r}[:n]) or {pause(50)} for n in {keys}]"


def titles(window) -> list[str]:
    model = window.sidebar.library_model
    return [model.index(r).data() for r in range(model.rowCount())]


def test_the_new_conversation_with_a_draft_comes_back_after_kill_9(
    qtbot, context, server, tmp_path
):
    library = Library(data_dir() / "library")
    conv = Conversation(system_prompt="sys")
    conv.append(Message("user", "Explain a mutex"))
    conv.append(Message("assistant", "It has an owner."))
    first = library.path(library.create(conv).id)
    # The tester's steps: a library conversation shown, Ctrl+N, a draft typed (not sent) over
    # 3 s, 3 s more (the tester waited 30), kill -9.
    steps = "; ".join([
        pause(1500), "window.new_action.trigger()", pause(300),
        typing(DRAFT), pause(3000),
    ])  # fmt: skip
    script = write_driver(tmp_path / "driver.py", url=server.url, question=None, paths=[first],
                          until="not session.loading", then=steps)  # fmt: skip
    assert kill_when_ready(script)
    [drafted] = [e for e in library.entries() if e.path != first]
    assert json.loads(drafted.path.read_text())["draft"] == DRAFT
    state = load_session_state()
    assert [c.path for c in state.conversations] == [str(first), str(drafted.path)]
    assert state.selected == 1

    win = launch(qtbot, context)
    qtbot.waitUntil(lambda: not any(s.loading for s in win.sessions), timeout=10_000)
    assert win.session.path == drafted.path
    assert win.composer.text() == DRAFT
    assert [s.path for s in win.sessions] == [first, drafted.path]
    named = "How long do I knead a rye loaf by hand? (draft)"
    assert drafted.title == named
    qtbot.waitUntil(lambda: named in titles(win), timeout=10_000)
    assert win.windowTitle() == f"{named}[*] — chatdesk"
    close(win)
