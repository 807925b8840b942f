"""The transcript's card delegate: painting Markdown into a card, badges and footer items."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.transcript_view import TranscriptView
from tests.support.transcript import REPLY, settle


# -- the delegate ------------------------------------------------------------------------------
def _paint_row(view: TranscriptView, row: int) -> QImage:
    index = view.model().index(row, 0)
    rect = view.visualRect(index)
    image = QImage(rect.size(), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    option = QStyleOptionViewItem()
    option.rect = QRect(QPoint(0, 0), rect.size())
    option.palette = view.palette()
    painter = QPainter(image)
    view.delegate.paint(painter, option, index)
    painter.end()
    return image


def _painted_pixels(image: QImage) -> int:
    step = 4
    return sum(
        1
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
        if image.pixelColor(x, y).alpha() > 0
    )


def test_delegate_paints_markdown_into_a_card(make_view):
    view = make_view([Message("user", "show me"), Message("assistant", REPLY)])
    body = view.delegate.body(view.transcript().message(1), 400, False)
    assert body.plain_text().startswith("Sorting")
    html = "".join(doc.toHtml() for doc in body.documents())
    assert "sorted(xs)" in html
    assert "def" in html
    image = _paint_row(view, 1)
    assert image.height() > 150  # heading, table and code make a tall card
    assert _painted_pixels(image) > 100


def test_badges_and_footer_items(make_view):
    flagged = {"violence": {"filtered": True, "severity": "high"}, "hate": {"severity": "safe"}}
    messages = [
        Message("user", "old"),
        Message("assistant", "cut", meta=MessageMeta(incomplete=True)),
        Message("assistant", "long", meta=MessageMeta(finish_reason="length")),
        Message("assistant", "", meta=MessageMeta(finish_reason="content_filter")),
        Message("assistant", "x", meta=MessageMeta(content_filter=flagged)),
        Message("assistant", "y", meta=MessageMeta(error="The service is busy (429)")),
        Message(
            "assistant",
            "ok",
            meta=MessageMeta(
                finish_reason="stop",
                usage={"prompt_tokens": 120, "completion_tokens": 80},
                latency_ms=1234,
            ),
        ),
    ]
    view = make_view(messages)
    model = view.transcript()
    model.set_first_sent(1)
    settle()

    def texts(row: int) -> list[str]:
        return [item.text for item in view.delegate.footer_items(model.index(row))]

    assert "Left out of the next request" in texts(0)
    assert "Incomplete — the reply was cut off" in texts(1)
    assert "Cut at the length limit — Continue" in texts(2)
    assert "Filtered by Azure content filter" in texts(3)
    assert "Filtered by Azure content filter: violence (high)" in texts(4)
    assert "The service is busy (429) — Retry" in texts(5)
    assert texts(6) == ["finish: stop · prompt 120 · completion 80 · 1.2 s"]
    assert [i.kind for i in view.delegate.footer_items(model.index(5))] == ["error"]
    for row in range(len(messages)):  # every kind of card paints
        assert _painted_pixels(_paint_row(view, row)) > 50
    assert "Left out of the next request" not in texts(1)


def test_html_in_a_message_is_shown_as_text(make_view):
    view = make_view([Message("assistant", "<b>bold</b> and <script>x()</script>")])
    body = view.delegate.body(view.transcript().message(0), 400, False)
    assert body.plain_text().strip() == "<b>bold</b> and <script>x()</script>"
