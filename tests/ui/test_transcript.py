"""The transcript: list model, Markdown rendering, the card delegate and the view."""

from __future__ import annotations

import statistics
import time

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.markdown import code_blocks, parse_code_link, render_markdown
from chatdesk.ui.transcript_model import Roles, TranscriptModel
from chatdesk.ui.transcript_view import TranscriptView

REPLY = """# Sorting

| Function | Returns |
|---|--:|
| `sorted(xs)` | a new list |

```python
def top(xs):
    return sorted(xs)[:3]
```

See [the docs](https://docs.python.org/3/).
"""


def _model(messages: list[Message]) -> TranscriptModel:
    model = TranscriptModel()
    model.set_conversation(Conversation(history=messages))
    return model


def _big(n: int) -> list[Message]:
    roles = ("user", "assistant")
    return [Message(roles[i % 2], f"message {i} " + "words " * (i % 40)) for i in range(n)]


class _Spy:
    """Records a model's notifications as tuples."""

    def __init__(self, model: TranscriptModel) -> None:
        self.events: list[tuple] = []
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("inserted", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("removed", a, b)))
        model.modelReset.connect(lambda: self.events.append(("reset",)))
        model.dataChanged.connect(
            lambda tl, br, roles: self.events.append(("changed", tl.row(), br.row()))
        )

    def of(self, kind: str) -> list[tuple]:
        return [e for e in self.events if e[0] == kind]


def _settle() -> None:
    # Measuring on paint can stage new heights; a few turns let the layout converge.
    for _ in range(6):
        QApplication.processEvents()


@pytest.fixture
def make_view(qtbot):
    def make(messages: list[Message], width: int = 640, height: int = 900) -> TranscriptView:
        view = TranscriptView()
        qtbot.addWidget(view)
        view.setModel(_model(messages))
        view.linkActivated.disconnect(view.open_link)  # never launch a browser from a test
        view.resize(width, height)
        view.show()
        qtbot.waitExposed(view)
        _settle()
        return view

    return make


# -- the model ---------------------------------------------------------------------------------
def test_model_passes_the_model_tester_through_every_mutation(qtmodeltester):
    model = _model([Message("user", "hi"), Message("assistant", "hello")])
    qtmodeltester.check(model)
    row = model.append(Message("user", "more"))
    assert row == 2
    model.append(Message("assistant", ""))
    model.set_streaming(3)
    model.append_content(3, "part")
    model.append_content(3, " two")
    model.set_streaming(None)
    model.set_content(0, "edited")
    model.set_error(3, "boom")
    model.set_first_sent(2)
    model.remove(1)
    model.truncate(1)
    model.truncate(5)  # past the end: nothing
    model.set_conversation(Conversation(history=[Message("user", "x")]))
    qtmodeltester.check(model)
    assert [m.content for m in model.conversation] == ["x"]


def test_roles_and_accessible_text():
    meta = MessageMeta(finish_reason="stop")
    model = _model([Message("user", "hi", name="ann"), Message("assistant", "yo", meta=meta)])
    model.set_first_sent(1)
    model.set_streaming(1)
    first, second = model.index(0), model.index(1)
    assert first.data(Qt.ItemDataRole.DisplayRole) == "hi"
    assert first.data(Roles.Role) == "user"
    assert first.data(Roles.Name) == "ann"
    assert first.data(Roles.Tokens) is None  # no ledger
    assert second.data(Roles.Meta) is meta
    assert (first.data(Roles.Sent), second.data(Roles.Sent)) == (False, True)
    assert (first.data(Roles.Streaming), second.data(Roles.Streaming)) == (False, True)
    assert first.data(Roles.Uid) == model.message(0).uid
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "You (ann): hi"
    assert second.data(Qt.ItemDataRole.AccessibleTextRole) == "Assistant: yo"
    assert "Left out of the next request" in first.data(Qt.ItemDataRole.AccessibleDescriptionRole)


def test_tokens_come_from_the_ledger():
    from chatdesk.core.tokens import TokenCounter
    from chatdesk.core.trimming import TokenLedger

    conversation = Conversation(history=[Message("user", "hello there")])
    ledger = TokenLedger(conversation, TokenCounter("o200k_base"))
    model = TranscriptModel()
    model.set_conversation(conversation, ledger)
    before = model.index(0).data(Roles.Tokens)
    assert before == ledger.count(0) > 0
    model.append_content(0, " and a good deal more text")
    assert model.index(0).data(Roles.Tokens) > before


def test_append_on_a_long_history_is_one_insert_and_nothing_else():
    model = _model(_big(5000))
    spy = _Spy(model)
    model.append(Message("user", "new"))
    assert spy.events == [("inserted", 5000, 5000)]


def test_append_content_changes_exactly_one_row():
    model = _model(_big(5000))
    spy = _Spy(model)
    model.append_content(4999, " more")
    model.set_content(10, "replaced")
    model.set_meta_changed(20)
    model.set_error(30, "failed")
    # A meta change may change whether its turn is sent (an error on the question, an empty
    # stopped reply): the turn's rows are told, a turn, never the history.
    assert spy.events == [
        ("changed", 4999, 4999),
        ("changed", 10, 10),
        ("changed", 20, 21),
        ("changed", 30, 31),
    ]
    assert model.message(4999).content.endswith(" more")


def test_set_first_sent_signals_only_the_rows_that_flip():
    model = _model(_big(100))
    spy = _Spy(model)
    model.set_first_sent(30)
    model.set_first_sent(10)
    model.set_first_sent(10)  # no change: no signal
    model.set_first_sent(500)  # past the end: only the existing rows flip
    assert spy.events == [("changed", 0, 29), ("changed", 10, 29), ("changed", 10, 99)]
    assert model.index(99).data(Roles.Sent) is False


def test_set_streaming_signals_the_old_and_new_rows():
    model = _model(_big(10))
    spy = _Spy(model)
    model.set_streaming(9)
    model.set_streaming(None)
    assert spy.events == [("changed", 9, 9), ("changed", 9, 9)]


def test_remove_and_truncate_keep_streaming_and_sent_rows_consistent():
    model = _model(_big(10))
    model.set_first_sent(4)
    model.set_streaming(8)
    model.remove(1)
    assert (model.first_sent, model.streaming_row) == (3, 7)
    model.truncate(7)
    assert model.streaming_row is None
    assert model.rowCount() == 7
    model.truncate(2)
    assert model.first_sent == 2


def test_changes_behind_the_models_back_reset_it():
    conversation = Conversation(history=_big(3))
    model = TranscriptModel()
    model.set_conversation(conversation)
    spy = _Spy(model)
    conversation.append(Message("user", "direct"))
    assert spy.events == [("reset",)]
    assert model.rowCount() == 4
    model.set_conversation(None)
    conversation.append(Message("user", "after"))  # unsubscribed: no reset
    assert model.rowCount() == 0


def test_last_assistant_row_follows_changes():
    model = _model([Message("user", "a"), Message("assistant", "b"), Message("user", "c")])
    assert model.last_assistant_row() == 1
    model.append(Message("assistant", "d"))
    assert model.last_assistant_row() == 3
    model.truncate(2)
    assert model.last_assistant_row() == 1


# -- Markdown ----------------------------------------------------------------------------------
def test_markdown_renders_headings_tables_code_and_links():
    html = render_markdown(REPLY, dark=False)
    assert "<h1>Sorting</h1>" in html
    assert '<table border="1" cellspacing="0" cellpadding="4"' in html
    assert '<th align="right">Returns</th>' in html
    assert "<pre" in html
    assert "style=" in html
    assert '<a href="https://docs.python.org/3/">the docs</a>' in html
    assert render_markdown(REPLY, dark=True) != html  # another highlighting style


def test_markdown_escapes_html_and_unsafe_links():
    html = render_markdown("<b>bold</b> <script>alert(1)</script> [x](javascript:alert(1))", True)
    assert "<b>" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    image = render_markdown("![cat](https://example.com/cat.png)", False)
    assert "<img" not in image
    assert '<a href="https://example.com/cat.png">cat</a>' in image


def test_code_blocks_are_extracted_in_order():
    text = "```python\nprint(1)\n```\n\ntext\n\n```\nplain <b>\n```\n\n    indented\n"
    assert code_blocks(text) == ["print(1)\n", "plain <b>\n", "indented\n"]
    assert code_blocks("no code") == []
    html = render_markdown(text, False)
    assert html.count("chatdesk-code:") == 3
    assert parse_code_link("chatdesk-code:2") == 2
    assert parse_code_link("https://example.com") is None


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
    _settle()

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


# -- clicks --------------------------------------------------------------------------------------
# The offscreen platform cannot raise, grab or size popups; real platforms can.
offscreen_popups = pytest.mark.qt_log_ignore("This plugin does not support")


def _click_action(qtbot, view: TranscriptView, row: int, action: str) -> None:
    index = view.model().index(row, 0)
    view.scrollTo(index)
    _settle()
    rects = view.delegate.action_rects(view.visualRect(index), index)
    assert action in rects, sorted(rects)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rects[action].center())


@pytest.mark.parametrize(
    ("row", "action", "signal"),
    [
        (0, "edit", "editRequested"),
        (0, "delete", "deleteRequested"),
        (3, "regenerate", "regenerateRequested"),
        (1, "continue", "continueRequested"),
        (2, "retry", "retryRequested"),
    ],
)
def test_clicking_an_action_link_emits_its_signal(qtbot, make_view, row, action, signal):
    view = make_view(
        [
            Message("user", "question"),
            Message("assistant", "cut", meta=MessageMeta(finish_reason="length")),
            Message("assistant", "failed", meta=MessageMeta(error="Network error")),
            Message("assistant", "last reply", meta=MessageMeta(finish_reason="stop")),
        ]
    )
    with qtbot.waitSignal(getattr(view, signal), timeout=1000) as blocker:
        _click_action(qtbot, view, row, action)
    assert blocker.args == [row]


def test_copy_and_copy_code_links_copy_to_the_clipboard(qtbot, make_view):
    view = make_view([Message("user", "plain text"), Message("assistant", REPLY)])
    with qtbot.waitSignal(view.copyRequested, timeout=1000) as blocker:
        _click_action(qtbot, view, 0, "copy")
    assert blocker.args == [0]
    assert QGuiApplication.clipboard().text() == "plain text"
    with qtbot.waitSignal(view.copyCodeRequested, timeout=1000) as blocker:
        _click_action(qtbot, view, 1, "copy_code")
    assert blocker.args == [1, 0]
    assert QGuiApplication.clipboard().text() == "def top(xs):\n    return sorted(xs)[:3]\n"


@offscreen_popups
def test_copy_code_with_several_blocks_offers_a_menu(qtbot, make_view):
    view = make_view([Message("assistant", "```\nfirst\n```\n\n```\nsecond\n```\n")])
    _click_action(qtbot, view, 0, "copy_code")
    assert view.menu is not None
    labels = [a.text() for a in view.menu.actions()]
    assert labels == ["Copy code 1: first", "Copy code 2: second"]
    with qtbot.waitSignal(view.copyCodeRequested, timeout=1000) as blocker:
        view.menu.actions()[1].trigger()
    assert blocker.args == [0, 1]
    assert QGuiApplication.clipboard().text() == "second\n"
    view.menu.close()


def _anchor_pos(view: TranscriptView, row: int, href: str) -> QPoint:
    """A viewport point over the link `href` in a row's body."""
    index = view.model().index(row, 0)
    layout = view.delegate.layout(view.visualRect(index), index)
    body = layout.body
    for y in range(0, int(body.height()), 3):
        for x in range(0, int(body.width()), 3):
            if layout.doc.anchor_at(x, y) == href:
                return QPoint(int(body.left()) + x, int(body.top()) + y)
    raise AssertionError(f"no link {href!r} in row {row}")


def test_clicking_a_body_link_emits_link_activated(qtbot, make_view):
    view = make_view([Message("assistant", REPLY)])
    pos = _anchor_pos(view, 0, "https://docs.python.org/3/")
    with qtbot.waitSignal(view.linkActivated, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["https://docs.python.org/3/"]


def test_the_copy_link_on_a_code_block_copies_that_block(qtbot, make_view):
    view = make_view([Message("assistant", "```\nfirst\n```\n\n```\nsecond\n```\n")])
    pos = _anchor_pos(view, 0, "chatdesk-code:1")
    with qtbot.waitSignal(view.copyCodeRequested, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [0, 1]
    assert QGuiApplication.clipboard().text() == "second\n"


def test_ctrl_c_copies_the_current_message(qtbot, make_view):
    view = make_view([Message("user", "one"), Message("assistant", "two")])
    view.setCurrentIndex(view.model().index(1, 0))
    view.setFocus()
    with qtbot.waitSignal(view.copyRequested, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "two"


@offscreen_popups
def test_context_menu_and_select_all_text(qtbot, make_view):
    view = make_view([Message("user", "question"), Message("assistant", REPLY)])
    menu = view.context_menu(1)
    labels = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert labels == ["Copy", "Copy as text", "Copy code", "Delete", "Regenerate",
                      "Leave out", "Select all text"]  # fmt: skip
    assert [a.text() for a in view.context_menu(0).actions() if a.text()] == [
        "Copy",
        "Copy as text",
        "Edit",
        "Delete",
        "Leave out",
        "Select all text",
    ]
    select = next(a for a in view.context_menu(1).actions() if a.text() == "Select all text")
    select.trigger()
    assert view.text_selection.active
    assert "Sorting" in view.text_selection.text()
    view.menu.close()


def test_view_accessibility(make_view):
    view = make_view([Message("user", "hi")])
    assert view.accessibleName() == "Conversation transcript"
    assert view.accessibleDescription()
    assert view.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_view_scrolls_only_vertically_with_its_bar_always_shown(make_view):
    """Always shown: a bar that came and went with the content would change the width the
    rows are laid out in. No horizontal bar: the cards wrap to the width."""
    view = make_view([Message("user", "hi")])
    assert view.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOn
    assert view.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert view.focusPolicy() == Qt.FocusPolicy.StrongFocus  # keys reach it: Ctrl+C, arrows


# -- scrolling and cost --------------------------------------------------------------------------
def test_follows_a_streaming_reply_only_from_the_bottom(make_view):
    view = make_view(_big(200), height=400)
    model = view.transcript()
    bar = view.verticalScrollBar()
    view.scrollToBottom()
    _settle()
    row = model.append(Message("assistant", ""))
    model.set_streaming(row)
    for _ in range(20):
        model.append_content(row, "a line of streamed text\n\n")
        _settle()
    assert bar.value() == bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    _settle()
    before = bar.value()
    for _ in range(20):
        model.append_content(row, "more streamed text\n\n")
        _settle()
    assert bar.value() == before


def test_a_chunk_re_renders_only_its_row(make_view):
    view = make_view(_big(5000), height=500)
    model = view.transcript()
    view.scrollToBottom()
    _settle()
    delegate = view.delegate
    renders = delegate.render_count
    model.append_content(4999, " streamed")
    view.viewport().repaint()
    _settle()
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
    small = make_view(_big(5), height=500)
    large = make_view(_big(5000), height=500)
    for view in (small, large):
        view.scrollToBottom()
        _settle()
    _chunk_cost(small, 5)  # warm up
    ratio = _chunk_cost(large) / _chunk_cost(small)
    assert ratio < 3, ratio
