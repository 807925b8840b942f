"""Closing a conversation gives its memory back at once, and leaves the others' as they were:
no reference kept by what opened it, and no collector pass walking the long ones still open
(core/collector.py)."""

from __future__ import annotations

import gc
import time
import weakref

from tests.support.opening import wait_loaded
from tests.ui.test_file_open import write_conversation


def open_counted(qtbot, window, path) -> None:
    window.open_paths([str(path)])
    wait_loaded(qtbot, window, timeout=120_000)
    qtbot.waitUntil(lambda: window.session.budget is not None, timeout=120_000)


def closed_and_gone(qtbot, window, path) -> bool:
    """Close the conversation of file `path` and say whether its messages were freed, with the
    automatic collector off: by their last reference going, not by a collection."""
    (session,) = [s for s in window.sessions if s.path == path]
    conversation = weakref.ref(session.conversation)
    enabled = gc.isenabled()
    gc.disable()
    try:
        window.close_session_now(session)
        del session
        qtbot.wait(100)  # the session's deleteLater
        return conversation() is None
    finally:
        if enabled:
            gc.enable()


def test_a_file_closed_after_another_was_opened_is_freed(qtbot, window, tmp_path):
    # The second file's loader held the conversation shown before it (to show it again if
    # the file failed): closing the first file kept all its messages until the second closed.
    first, second = tmp_path / "first.chatdesk.json", tmp_path / "second.chatdesk.json"
    write_conversation(first, 2_000)
    write_conversation(second, 2_000)
    open_counted(qtbot, window, first)
    open_counted(qtbot, window, second)
    assert window.session.path == second
    assert closed_and_gone(qtbot, window, first)


def test_closing_one_long_conversation_leaves_the_other_out_of_collections(
    qtbot, window, tmp_path
):
    # Two files of 100,000 messages open, one closed: the closed one's ~200,000 objects are
    # freed with it, and the other's stay out of the collector's passes. Before: the close
    # handed every frozen object back, and each later full pass walked them (500-650 ms).
    first, second = tmp_path / "first.chatdesk.json", tmp_path / "second.chatdesk.json"
    write_conversation(first, 100_000)
    write_conversation(second, 100_000)
    open_counted(qtbot, window, first)
    open_counted(qtbot, window, second)
    assert closed_and_gone(qtbot, window, first)
    assert gc.get_freeze_count() > 200_000  # the open one's messages, still frozen
    started = time.perf_counter()
    gc.collect()  # what the next automatic full pass would cost the window
    took = time.perf_counter() - started
    assert took < 0.15, took


def test_the_last_long_conversation_closed_gives_the_collector_everything_back(
    qtbot, window, tmp_path
):
    path = tmp_path / "long.chatdesk.json"
    write_conversation(path, 20_000)
    open_counted(qtbot, window, path)
    assert gc.get_freeze_count() > 0
    assert closed_and_gone(qtbot, window, path)
    assert gc.get_freeze_count() == 0  # a cycle anywhere is reclaimed as usual again
