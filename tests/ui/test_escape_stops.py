"""Esc stops a reply being written wherever the focus is in the window (tester, session 11: from
the transcript, after clicking Regenerate, Esc did nothing), unless Esc has a nearer meaning
there: cancelling an edit in place, closing the find bar, clearing a selection or a search."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_main_window import wait_idle
from tests.ui.test_quit_in_flight import streaming


def test_esc_in_the_transcript_stops_the_reply(qtbot, window, server):
    session = streaming(qtbot, window, server)
    window.transcript.setFocus()
    qtbot.keyClick(window.transcript, Qt.Key.Key_Escape)
    wait_idle(qtbot, window, timeout=10_000)
    reply = session.conversation[1]
    assert reply.meta.stopped


def test_esc_in_the_sidebar_stops_the_reply(qtbot, window, server):
    session = streaming(qtbot, window, server)
    window.sidebar.list.setFocus()
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_Escape)
    wait_idle(qtbot, window, timeout=10_000)
    assert session.conversation[1].meta.stopped


def test_esc_clearing_the_sidebar_search_does_not_stop_the_reply(qtbot, window, server):
    session = streaming(qtbot, window, server)
    window.sidebar.search.setText("story")
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Escape)
    assert window.sidebar.search.text() == ""
    assert session.busy  # Esc cleared the search, nothing more
    session.stop()
    wait_idle(qtbot, window, timeout=10_000)
