"""The transcript view while a reply streams: following from the bottom, and a chunk's cost
that does not grow with the conversation."""

from __future__ import annotations

import statistics
import time

from chatdesk.core.messages import Message
from chatdesk.ui.transcript_view import TranscriptView
from tests.support.transcript import long_history, settle


# -- scrolling and cost --------------------------------------------------------------------------
def test_follows_a_streaming_reply_only_from_the_bottom(make_view):
    view = make_view(long_history(200), height=400)
    model = view.transcript()
    bar = view.verticalScrollBar()
    view.scrollToBottom()
    settle()
    row = model.append(Message("assistant", ""))
    model.set_streaming(row)
    for _ in range(20):
        model.append_content(row, "a line of streamed text\n\n")
        settle()
    assert bar.value() == bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    settle()
    before = bar.value()
    for _ in range(20):
        model.append_content(row, "more streamed text\n\n")
        settle()
    assert bar.value() == before


def test_a_chunk_re_renders_only_its_row(make_view):
    view = make_view(long_history(5000), height=500)
    model = view.transcript()
    view.scrollToBottom()
    settle()
    delegate = view.delegate
    renders = delegate.render_count
    model.append_content(4999, " streamed")
    view.viewport().repaint()
    settle()
    assert delegate.render_count == renders + 1


def _chunk_cost(view: TranscriptView, repeats: int = 30) -> float:
    model = view.transcript()
    row = model.rowCount() - 1
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.append_content(row, "x")  # no new line: the row keeps its height
        view.viewport().repaint()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def test_a_chunk_costs_the_same_on_a_long_conversation(make_view):
    small = make_view(long_history(5), height=500)
    large = make_view(long_history(5000), height=500)
    for view in (small, large):
        view.scrollToBottom()
        settle()
    _chunk_cost(small, 5)  # warm up
    ratio = _chunk_cost(large) / _chunk_cost(small)
    assert ratio < 3, ratio
