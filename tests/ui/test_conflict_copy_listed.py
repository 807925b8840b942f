"""A copy kept because its conversation changed in two places is listed by its own title, by
the window's list and by `chatdesk list` (tester, session 13: `chatdesk list` showed the copy
as "Explain the difference between a mutex and a…", its file's title being "… (changed in two
places)": the index was given the conversation as it was before the copy was named)."""

from __future__ import annotations

from chatdesk.core.library import Library
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir
from tests.ui.test_library_sync import heron, run, titles

COPY = "What is a heron? (changed in two places)"


def test_the_copy_made_in_two_places_is_listed_by_its_title(qtbot, window, server):
    session = heron(qtbot, window, server)
    id = session.library_id
    session.conversation.append(Message("user", "typed here, not written yet"))
    session.set_modified()
    window.library_saver.stop()  # the window's write comes late, after the other's
    Library(data_dir() / "library").update(id, lambda c: c.append(Message("user", "theirs")))
    window.library_saver.flush(session)
    assert session.library_id != id
    assert session.conversation.title == COPY
    [copy] = [e for e in Library(data_dir() / "library").entries() if e.id != id]
    assert copy.title == COPY  # the file
    [row] = [e for e in window.library_saver.index.entries() if e.id == session.library_id]
    assert row.title == COPY  # the index
    [line] = [x for x in run("list").stdout.splitlines() if x.startswith(session.library_id)]
    assert line.endswith(f"   {COPY}")
    qtbot.waitUntil(lambda: COPY in titles(window), timeout=10_000)
