"""A long message's body: rendered piece by piece, laid out and drawn only where seen."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.ui.transcript_model import TranscriptModel
from chatdesk.ui.transcript_view import TranscriptView

UNIT = (
    "A paragraph about invoices and totals, long enough to wrap once or twice in a card of "
    "ordinary width, as replies do.\n\n- first point\n- second point\n\n"
    "```python\ndef total(items):\n    return sum(i.price for i in items)\n```\n\n"
)


def _long_reply(units: int) -> str:
    return "".join(UNIT.replace("total", f"total_{i}") for i in range(units))


def _settle(turns: int = 6) -> None:
    for _ in range(turns):
        QApplication.processEvents()


@pytest.fixture
def make_view(qtbot):
    def make(messages: list[Message], width: int = 640, height: int = 600) -> TranscriptView:
        model = TranscriptModel()
        model.set_conversation(Conversation(history=messages))
        view = TranscriptView()
        qtbot.addWidget(view)
        view.setModel(model)
        view.linkActivated.disconnect(view.open_link)
        view.resize(width, height)
        view.show()
        qtbot.waitExposed(view)
        view.scrollToBottom()
        _settle()
        return view

    return make


def _body(view: TranscriptView, row: int):
    model = view.transcript()
    message = model.message(row)
    return view.delegate._docs[message.uid]  # the cached body of that row


def test_a_long_reply_renders_only_what_is_on_screen_then_the_rest_when_idle(qtbot, make_view):
    view = make_view([Message("user", "Explain"), Message("assistant", _long_reply(200))])
    rendered = view.delegate.render_count
    body = _body(view, 1)
    count = len(body.tops()) - 1
    assert count == 600  # a paragraph, a list and a code block each
    assert 0 < rendered < count // 4  # what is on screen, and a few idle slices
    qtbot.waitUntil(lambda: not body.pending(), timeout=20_000)  # the rest, in idle slices
    assert view.delegate.render_count >= count
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # still at the end once exact


def test_a_streamed_chunk_re_renders_only_the_growing_piece(qtbot, make_view):
    view = make_view([Message("user", "Explain"), Message("assistant", _long_reply(200))])
    model = view.transcript()
    model.set_streaming(1)
    body = _body(view, 1)
    qtbot.waitUntil(lambda: not body.pending(), timeout=20_000)
    _settle()
    for delta in ("More text", " and more", "\n\n```python\nx = 1", "\n```\n\nAfter."):
        before = view.delegate.render_count
        model.append_content(1, delta)
        _settle()
        # The last piece, and the piece the delta closed or opened: never the reply.
        assert view.delegate.render_count - before <= 2
    assert body.plain_text().rstrip().endswith("After.")


def test_copy_code_links_number_blocks_across_the_whole_message(qtbot, make_view):
    view = make_view([Message("assistant", _long_reply(30))], height=2000)
    body = _body(view, 0)
    body.lay_out_all()
    hrefs = set()
    tops = body.tops()
    for i in range(len(tops) - 1):
        for y in range(int(tops[i]), int(tops[i + 1]), 4):
            for x in range(0, int(body.width), 8):
                href = body.anchor_at(x, y)
                if href.startswith("chatdesk-code:"):
                    hrefs.add(href)
    assert hrefs == {f"chatdesk-code:{n}" for n in range(30)}
    view.copy_code(0, 29)
    assert "total_29" in QGuiApplication.clipboard().text()


def _slowest_turn(seconds: float) -> float:
    worst, end = 0.0, time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        QApplication.processEvents()
        worst = max(worst, time.perf_counter() - start)
    return worst


@pytest.mark.parametrize(
    "text", ["x" * 1_000_000, ("ab" * 40 + "/") * 12_500], ids=["one-char", "url-like"]
)
def test_a_1_mb_line_without_spaces_never_freezes_the_window(qtbot, make_view, text):
    # The reliability run's input: a 1 MB reply that is one line without spaces (issue 12.9).
    start = time.perf_counter()
    view = make_view([Message("user", "dump it"), Message("assistant", text)])
    assert time.perf_counter() - start < 5.0
    assert _slowest_turn(1.0) < 0.5  # generous for a loaded CI machine; ~20 ms here
    body = _body(view, 1)
    qtbot.waitUntil(lambda: not body.pending(), timeout=30_000)
    assert body.height() > 100_000  # wrapped into many lines, not one line cut off
    # The card is taller than QListView's 32,767 px limit for an item: its end is still
    # painted and clickable (the footer's Copy link, under the last line).
    view.scrollToBottom()
    _settle()
    index = view.model().index(1, 0)
    rects = view.delegate.action_rects(view.visualRect(index), index)
    assert view.viewport().rect().contains(rects["copy"])
    assert view.indexAt(rects["copy"].center()) == index
    with qtbot.waitSignal(view.copyRequested, timeout=1000):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rects["copy"].center())
    view.verticalScrollBar().setValue(0)
    assert _slowest_turn(0.3) < 0.5
