"""The transcript: a list view painting each message as a card with a Markdown body.

Cost model. A streamed chunk re-renders one row's Markdown and repaints the visible rows;
nothing walks the whole history. Row heights come from `MessageDelegate.sizeHint`, which is a
dict lookup for rows already measured and an estimate from the text's length for rows never
painted; a row is measured exactly when it is painted or changes while visible, and only then
is `sizeHintChanged` emitted (coalesced to once per event-loop turn). QListView itself lays out
every row on an insert or a size change (one cheap sizeHint call per row); it is kept from doing
so on every dataChanged, see `TranscriptView.dataChanged`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFontMetrics,
    QGuiApplication,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyledItemDelegate,
    QWidget,
)

from chatdesk.core import alternatives
from chatdesk.core.cards import shown_text
from chatdesk.core.messages import Message
from chatdesk.core.usage import cached_tokens, completion_tokens, prompt_tokens, reasoning_tokens
from chatdesk.ui.markdown import code_blocks, has_code, parse_code_link
from chatdesk.ui.transcript_model import Badge, Roles, TranscriptModel, badges, heading

if TYPE_CHECKING:
    from PySide6.QtGui import QFont, QTextLayout
    from PySide6.QtWidgets import QMenu, QStyleOptionViewItem

    from chatdesk.core.pricing import Prices
    from chatdesk.core.session_state import ScrollAnchor
    from chatdesk.ui.find_marks import FindMarks
    from chatdesk.ui.message_body import MessageBody, Position

# Geometry, in pixels.
MARGIN_X, MARGIN_Y = 12, 5  # around a card
PAD = 12  # inside a card
GAP = 6  # between header, body and footer
CHIP_PAD = 4  # inside a badge
ACTION_SPACING = 14
DIM_OPACITY = 0.5  # cards left out of the next request
STREAM_STEP_LINES = 4  # a streaming row grows in steps, so the list re-lays out less often
DOC_CACHE_SIZE = 200
_SHRT_MAX = 32767  # QListView's limit on an item's height, see TranscriptView.visualRect

ACTION_LABELS = {
    "copy": "Copy",
    "copy_code": "Copy code",
    "edit": "Edit",
    "delete": "Delete",
    "regenerate": "Regenerate",
    "continue": "Continue",
    "retry": "Retry",
    "leave_out": "Leave out",
    "include": "Include again",
    "version_prev": "‹",
    "version_next": "›",
}
_MENU_LABELS = {"version_prev": "Previous version", "version_next": "Next version"}
# Shown in the footer's action row; Continue and Retry are links inside their badges.
_ROW_ACTIONS = ("copy", "copy_code", "edit", "delete", "regenerate", "leave_out")

_ERROR = {False: "#c62828", True: "#ff7b72"}
_WARNING = {False: "#8a5a00", True: "#e3b341"}
_FILTER = {False: "#b3410e", True: "#f0883e"}


def is_dark(palette: QPalette) -> bool:
    return palette.window().color().lightness() < 128


def available_actions(model: TranscriptModel, row: int) -> list[str]:
    """The actions offered for a row, in menu order."""
    message = model.message(row)
    streaming = model.streaming_row is not None
    out = ["copy"]
    if has_code(shown_text(message)):
        out.append("copy_code")
    if message.role == "user" and not streaming:
        out.append("edit")
    if row != model.streaming_row:
        out.append("delete")
    if message.role == "assistant" and not streaming and row == model.last_assistant_row():
        out.append("regenerate")
    if message.meta.finish_reason == "length" and not streaming:
        out.append("continue")
    if message.meta.error and not streaming:
        out.append("retry")
    if row != model.streaming_row and not streaming:
        # Any message can be left out of later requests; one left out can come back.
        out.append("include" if model.left_out(model.history_index(row)) else "leave_out")
    if alternatives.position(message) is not None and not streaming:
        out += ["version_prev", "version_next"]
    return out


def info_text(message: Message, tokens: int | None, prices: Prices | None = None) -> str:
    """The muted facts line: tokens, finish reason, usage, latency, and the reply's cost when
    the deployment's prices are set."""
    meta = message.meta
    parts = [f"{tokens} tokens"] if tokens is not None else []
    if message.role == "assistant":
        if meta.finish_reason:
            parts.append(f"finish: {meta.finish_reason}")
        usage = meta.usage or {}
        prompt, completion = prompt_tokens(usage), completion_tokens(usage)  # either API's
        if prompt is not None:
            parts.append(f"prompt {prompt}")
        if completion is not None:
            parts.append(f"completion {completion}")
        reasoning, cached = reasoning_tokens(usage), cached_tokens(usage)
        if reasoning:
            parts.append(f"reasoning {reasoning}")
        if cached:
            parts.append(f"cached {cached}")
        if meta.latency_ms is not None:
            parts.append(f"{meta.latency_ms / 1000:.1f} s")
        if prices is not None:  # decimal is imported once prices are set, not at start-up
            from chatdesk.core.pricing import format_cost, reply_cost

            cost = reply_cost(prices, usage)
            if cost is not None:
                parts.append(format_cost(cost.total))
    return " · ".join(parts)


# Older messages brought in at a time when the reader scrolls to the top.
REVEAL_STEP = 200


class _Metrics:
    """The fonts and line heights cards are laid out with, for one view font."""

    def __init__(self, font: QFont) -> None:
        from PySide6.QtGui import QFont  # with the first card, like the other paint types

        self.font = font
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.small = QFont(font)
        self.small.setPointSizeF(max(font.pointSizeF() * 0.88, 7.0))
        self.fm, self.small_fm = QFontMetrics(font), QFontMetrics(self.small)
        self.line = self.fm.lineSpacing()  # body line spacing
        self.small_line = self.small_fm.lineSpacing()
        self.avg_char = max(self.fm.averageCharWidth(), 1)


@dataclass
class _Chip:
    """A laid-out badge under a card, with its link's rectangle if it has one."""

    badge: Badge
    rect: QRect
    text: QTextLayout
    origin: QPointF
    link: QRect | None


@dataclass
class _CardLayout:
    """Where every part of one card goes."""

    card: QRect
    header: QRect
    body: QRectF
    doc: MessageBody
    chips: list[_Chip] = field(default_factory=list)
    info: QRect | None = None
    info_text: str = ""
    actions: list[tuple[str, QRect]] = field(default_factory=list)
    height: int = 0  # the row's height: the card and its outer margins
    version_text: str = ""  # "2/3" between the ‹ › actions in the header, when there are
    version_rect: QRect | None = None

    def action_rects(self) -> dict[str, QRect]:
        rects = dict(self.actions)
        rects.update({c.badge.action: c.link for c in self.chips if c.badge.action and c.link})
        return rects


def _wrapped(text: str, font: QFont, width: float, link: str | None, color: QColor) -> QTextLayout:
    from PySide6.QtGui import QTextCharFormat, QTextLayout

    # QTextLayout breaks lines at U+2028, not at "\n" (a Reasoning part has paragraphs).
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    if link:
        fmt = QTextCharFormat()
        fmt.setForeground(color)
        fmt.setFontUnderline(True)
        span = QTextLayout.FormatRange()
        span.start, span.length, span.format = len(text) - len(link), len(link), fmt
        layout.setFormats([span])
    layout.beginLayout()
    y = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(max(width, 1.0))
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout


class MessageDelegate(QStyledItemDelegate):
    """Paints a message as a card: a header, the Markdown body, notes and action links.

    Signals: actionTriggered(str action, int row) for a clicked action link;
    linkClicked(str href, int row) for a clicked link in a message body.
    """

    actionTriggered = Signal(str, int)
    linkClicked = Signal(str, int)

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._metrics: _Metrics | None = None
        self._docs: OrderedDict[int, MessageBody] = OrderedDict()  # uid -> body, least recent first
        self._rows: dict[int, QPersistentModelIndex] = {}  # uid -> its row, for idle layout
        self._styles: dict[bool, str] = {}
        self._idle = QTimer(self, singleShot=True, interval=1)
        self._idle.timeout.connect(self._lay_out_when_idle)
        self._heights: dict[int, tuple[int, int]] = {}  # uid -> (width, height) laid out
        self._staged: dict[int, tuple[int, int]] = {}  # measured, not yet laid out
        self._pending: list[QPersistentModelIndex] = []
        self._flush = QTimer(self, singleShot=True, interval=0)
        self._flush.timeout.connect(self._emit_size_hint_changed)
        self.render_count = 0  # Markdown renders, for tests and benchmarks
        # (message uid, start, end) of the selected text, painted highlighted (text_selection)
        self.selection: tuple[int, Position, Position] | None = None
        # Find (Ctrl+F): every row's occurrences marked, the current one's by uid.
        self._find: FindMarks | None = None
        self._find_current: tuple[int, FindMarks] | None = None
        from chatdesk.ui.transcript_images import TranscriptImages

        self.images = TranscriptImages(parent=self)  # thumbnails, decoded on the pool
        self.images.changed.connect(view.viewport().update)

    def set_find(self, query: str, uid: int | None = None, occurrence: int | None = None) -> None:
        """Mark `query`'s occurrences ("" for none); occurrence `occurrence` of the message
        `uid` is the current one."""
        from chatdesk.ui.find_marks import FindMarks

        self._find = FindMarks(query) if query.strip() else None
        self._find_current = None
        if self._find is not None and uid is not None:
            self._find_current = (uid, FindMarks(query, occurrence))

    def find_marks(self, uid: int) -> FindMarks | None:
        current = self._find_current
        return current[1] if current is not None and current[0] == uid else self._find

    # -- caches ------------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every cached body and height (new conversation, font or palette)."""
        self._metrics = None
        self._docs.clear()
        self._rows.clear()
        self._styles.clear()
        self._pending.clear()  # indexes of the old model
        self._heights.clear()
        self._staged.clear()

    def metrics(self) -> _Metrics:
        if self._metrics is None or self._metrics.font != self._view.font():
            self._metrics = _Metrics(self._view.font())
        return self._metrics

    def _stylesheet(self, dark: bool) -> str:
        if dark not in self._styles:
            self._styles[dark] = self._make_stylesheet(dark)
        return self._styles[dark]

    def _make_stylesheet(self, dark: bool) -> str:
        from PySide6.QtGui import QFontDatabase

        palette = self._view.palette()
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        code_bg = "#1b1d21" if dark else "#f3f4f6"
        return (
            f"a {{ color: {palette.link().color().name()}; }}"
            # Named fonts after the system's fixed one: a platform whose fixed font is missing
            # still shows inline `code` and code blocks in a monospace face.
            f" pre, code {{ font-family: '{fixed}', 'DejaVu Sans Mono', Consolas, Menlo,"
            " 'Courier New', monospace; }"
            f" code {{ background-color: {code_bg}; }}"
            " h1 { font-size: x-large; } h2 { font-size: large; } h3 { font-size: medium; }"
            " p, ul, ol, blockquote { margin-top: 0px; margin-bottom: 6px; }"
        )

    def body(self, message: Message, width: float, dark: bool) -> MessageBody:
        """The message's rendered body at `width`: only pieces whose text changed re-render."""
        entry = self._docs.get(message.uid)
        if entry is None or entry.dark != dark:
            from chatdesk.ui.message_body import MessageBody  # with the first card

            m = self.metrics()
            entry = MessageBody(
                m.font, self._stylesheet(dark), dark, self._piece_estimate, self._count_render,
                self.images.add_resources,
            )
            self._docs[message.uid] = entry
        self._docs.move_to_end(message.uid)
        if len(self._docs) > DOC_CACHE_SIZE:
            uid, _ = self._docs.popitem(last=False)
            self._rows.pop(uid, None)
        entry.set_width(width)  # a re-wrap when it changed, not a re-render
        entry.sync(self.images.text(message))
        return entry

    def _count_render(self) -> None:
        self.render_count += 1

    def _piece_estimate(self, text: str, width: float) -> float:
        """A piece's height from its length alone, until it is laid out."""
        m = self.metrics()
        per_line = max(int(width / m.avg_char), 10)
        lines = text.count("\n") + 1 + len(text) // per_line
        fences = text.count("```") // 2 + text.count("~~~") // 2
        return lines * m.line + fences * (m.small_line + 20)

    def _lay_out_when_idle(self) -> None:
        """Turn estimated piece heights into laid-out ones, ~15 ms per event-loop turn, and
        re-measure the rows whose height changed (one sizeHintChanged for all)."""
        import time

        deadline = time.perf_counter() + 0.015
        for uid, body in list(reversed(self._docs.items())):  # measuring reorders _docs
            if not body.pending():
                continue
            row = self._rows.get(uid)
            if row is None or not row.isValid() or row.model() is not self._view.model():
                continue
            if body.layout_some(deadline):
                self.measure(row)
            if time.perf_counter() >= deadline:
                self._idle.start()
                return

    # -- layout ------------------------------------------------------------------------------
    def _model(self, index: QModelIndex | QPersistentModelIndex) -> TranscriptModel:
        model = index.model()
        assert isinstance(model, TranscriptModel)
        return model

    def layout(self, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> _CardLayout:
        """Where everything of one card goes, for a row occupying `rect` in the viewport."""
        m = self.metrics()
        model = self._model(index)
        row = index.row()
        message = model.message(row)
        dark = is_dark(self._view.palette())
        card = QRect(rect.adjusted(MARGIN_X, MARGIN_Y, -MARGIN_X, -MARGIN_Y))
        x, width = card.left() + PAD, max(card.width() - 2 * PAD, 40)
        y = card.top() + PAD
        header = QRect(x, y, width, m.fm.height())
        y += header.height() + GAP
        doc = self.body(message, width, dark)
        if doc.pending():
            self._rows[message.uid] = QPersistentModelIndex(index)
            self._idle.start()
        body = QRectF(x, y, width, doc.height())
        y += round(body.height()) + GAP
        out = _CardLayout(card, header, body, doc)
        position = alternatives.position(message)
        if position is not None and row != model.streaming_row:
            # ‹ 2/3 › at the header's right: the versions Regenerate and Edit kept.
            out.version_text = f"{position[0]}/{position[1]}"
            arrow = m.fm.horizontalAdvance("›") + 8
            label = m.small_fm.horizontalAdvance(out.version_text) + 8
            right = header.right() + 1
            out.actions.append(("version_next", QRect(right - arrow, header.top(), arrow,
                                                      header.height())))  # fmt: skip
            out.version_rect = QRect(right - arrow - label, header.top(), label, header.height())
            out.actions.append(("version_prev", QRect(right - 2 * arrow - label, header.top(),
                                                      arrow, header.height())))  # fmt: skip

        link_color = self._view.palette().link().color()
        sent = row >= model.first_sent
        shown = model.reasoning_shown(row)
        left_out = model.left_out(model.history_index(row))
        for badge in badges(message, sent, row == model.streaming_row, left_out, shown):
            text = _wrapped(badge.text, m.small, width - 2 * CHIP_PAD, badge.link, link_color)
            height = round(text.boundingRect().height()) + 2 * CHIP_PAD
            chip = QRect(x, y, width, height)
            origin = QPointF(x + CHIP_PAD, y + CHIP_PAD)
            link = None
            if badge.link:
                start = len(badge.text) - len(badge.link)
                line = text.lineForTextPosition(start)
                x0 = line.cursorToX(start)[0]
                x1 = line.cursorToX(len(badge.text))[0]
                link = QRect(
                    round(origin.x() + x0), round(origin.y() + line.y()),
                    round(x1 - x0), round(line.height()),
                )  # fmt: skip
            out.chips.append(_Chip(badge, chip, text, origin, link))
            y += height + CHIP_PAD

        # The facts on the left, action links on the right; two lines when both don't fit.
        tokens = model.data(index, Roles.Tokens)
        out.info_text = info_text(message, tokens, model.prices)
        actions = [a for a in available_actions(model, row) if a in _ROW_ACTIONS]
        widths = [m.small_fm.horizontalAdvance(ACTION_LABELS[a]) for a in actions]
        actions_width = sum(widths) + ACTION_SPACING * max(len(actions) - 1, 0)
        info_width = m.small_fm.horizontalAdvance(out.info_text)
        if out.info_text and info_width + actions_width + 2 * ACTION_SPACING > width:
            out.info = QRect(x, y, width, m.small_line)
            y += m.small_line
        elif out.info_text:
            out.info = QRect(x, y, width - actions_width - 2 * ACTION_SPACING, m.small_line)
        # Right-aligned on one line; on a card too narrow for that, from the left, wrapped.
        ax = x + width - actions_width if actions_width <= width else x
        for action, w in zip(actions, widths, strict=True):
            if ax + w > x + width and ax > x:
                ax, y = x, y + m.small_line
            out.actions.append((action, QRect(ax, y, w, m.small_line)))
            ax += w + ACTION_SPACING
        if actions or out.info_text:
            y += m.small_line
        card.setBottom(y + PAD - 1)
        out.height = card.height() + 2 * MARGIN_Y
        return out

    def _row_height(self, exact: int, streaming: bool) -> int:
        if not streaming:
            return exact
        step = STREAM_STEP_LINES * self.metrics().line
        return -(-exact // step) * step

    def _estimate(self, message: Message, width: int, sent: bool) -> int:
        """A row's height from its text length alone: cheap, for rows never painted."""
        m = self.metrics()
        body_width = max(width - 2 * (MARGIN_X + PAD), 40)
        per_line = max(int(body_width / m.avg_char), 10)
        text = shown_text(message)
        lines = text.count("\n") + 1 + len(text) // per_line
        body = lines * m.line + text.count("```") // 2 * (m.small_line + 20)
        notes = len(badges(message, sent)) * (m.small_line + 3 * CHIP_PAD)
        chrome = 2 * (MARGIN_Y + PAD) + m.fm.height() + 2 * GAP + m.small_line
        return chrome + body + notes

    def measure(self, index: QModelIndex | QPersistentModelIndex, *, now: bool = False) -> int:
        """The row's exact height at the current width (renders the body if needed).

        A height that differs from what the list was laid out with is staged, and reaches the
        list with the next sizeHintChanged; with `now`, it is used from the next layout on
        (for rows the list is about to lay out anyway, such as inserted ones).
        """
        width = self._view.viewport().width()
        lay = self.layout(QRect(0, 0, width, 0), index)
        return self._measured(index, lay, width, now)

    def _measured(
        self,
        index: QModelIndex | QPersistentModelIndex,
        lay: _CardLayout,
        width: int,
        now: bool = False,
    ) -> int:
        model = self._model(index)
        uid = model.message(index.row()).uid
        height = self._row_height(lay.height, index.row() == model.streaming_row)
        if now:
            self._heights[uid] = (width, height)
        elif self._heights.get(uid) != (width, height):
            self._staged[uid] = (width, height)
            self._pending.append(QPersistentModelIndex(index))
            self._flush.start()
        return height

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # Called for every row on each layout, so a dict lookup; an estimate the first time a
        # row is seen at this width (kept until the row is painted and measured).
        width = self._view.viewport().width()
        model: TranscriptModel = index.model()  # type: ignore[assignment]
        message = model.message(index.row())
        known = self._heights.get(message.uid)
        if known is not None and known[0] == width:
            height = known[1]
        else:
            height = self._estimate(message, width, index.row() >= model.first_sent)
            self._heights[message.uid] = (width, height)
        # A width of 1: QListView stretches rows to the viewport, never beyond it.
        return QSize(1, height)

    def row_height(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The height the list laid the row out with (what sizeHint last answered)."""
        known = self._heights.get(self._model(index).message(index.row()).uid)
        return known[1] if known is not None else 0

    def rows_changed(self, first: int, last: int, visible: range) -> None:
        """Re-measure the changed rows that are on screen.

        Rows off screen keep their old height until they are painted: as good as an estimate,
        and it keeps a change far above the viewport from shifting what is on screen.
        """
        model = self._view.model()
        if not isinstance(model, TranscriptModel):
            return
        for row in range(max(first, visible.start), min(last + 1, visible.stop)):
            self.measure(model.index(row))

    def _emit_size_hint_changed(self) -> None:
        # Heights change only here, right before the list re-lays out, so that sizeHint always
        # agrees with the positions of the current layout.
        self._heights.update(self._staged)
        self._staged.clear()
        model = self._view.model()
        valid = [p for p in self._pending if p.isValid() and p.model() is model]
        self._pending.clear()
        if valid:
            # QListView answers any sizeHintChanged by laying out every row, so one emission
            # per event-loop turn covers all rows measured in it.
            first = min(valid, key=lambda p: p.row())
            self.sizeHintChanged.emit(first.model().index(first.row(), 0))

    # -- painting ----------------------------------------------------------------------------
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # Imported here, not with the module: an empty transcript (how the window starts)
        # paints no card, and these types and their enums cost ~10 ms to create (the Qt
        # namespace alone ~20 ms, see ui/__init__.py).
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QPainterPath, QPen
        from PySide6.QtWidgets import QStyle

        m = self.metrics()
        model = self._model(index)
        row = index.row()
        message = model.message(row)
        palette = self._view.palette()
        dark = is_dark(palette)
        # Only the band of the body that is on screen is laid out and drawn: lay it out first,
        # so the card below is placed with its exact height.
        band = self._visible_band(option.rect)
        body_top = option.rect.top() + MARGIN_Y + PAD + m.fm.height() + GAP
        width = max(option.rect.width() - 2 * (MARGIN_X + PAD), 40)
        self.body(message, width, dark).lay_out_band(band[0] - body_top, band[1] - body_top)
        lay = self.layout(option.rect, index)
        streaming = row == model.streaming_row
        self._measured(index, lay, option.rect.width())

        painter.save()
        painter.setClipRect(option.rect)  # until a re-measured row is laid out again
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not model.is_sent(row):
            painter.setOpacity(DIM_OPACITY)
        path = QPainterPath()
        path.addRoundedRect(QRectF(lay.card).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.fillPath(path, palette.base())
        if message.role == "user":
            tint = QColor(palette.highlight().color())
            tint.setAlpha(40 if dark else 22)
            painter.fillPath(path, tint)
        elif message.role == "system":
            painter.fillPath(path, palette.alternateBase())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        border = QColor(palette.highlight().color() if selected else palette.text().color())
        if not selected:
            border.setAlpha(40)
        painter.setPen(QPen(border, 1.5 if selected else 1.0))
        painter.drawPath(path)

        # Header: who, and whether the reply is still arriving.
        painter.setFont(m.bold)
        painter.setPen(palette.text().color())
        painter.drawText(lay.header, Qt.AlignmentFlag.AlignLeft, heading(message))
        if streaming:
            painter.setFont(m.small)
            painter.setPen(palette.placeholderText().color())
            painter.drawText(
                lay.header,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                model.streaming_label(),
            )

        # Body.
        painter.save()
        painter.translate(lay.body.topLeft())
        top = lay.body.top()
        chosen = self.selection
        selected = chosen[1:] if chosen is not None and chosen[0] == message.uid else None
        marks = self.find_marks(message.uid)
        lay.doc.draw(painter, palette, band[0] - top, band[1] - top, marks, selected)
        painter.restore()

        # Notes.
        painter.setFont(m.small)
        for chip in lay.chips:
            color = self._badge_color(chip.badge, palette, dark)
            fill = QColor(color)
            fill.setAlpha(28)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(chip.rect), 4, 4)
            painter.setPen(color)
            chip.text.draw(painter, chip.origin)

        muted = palette.placeholderText().color()
        if lay.info is not None:
            painter.setPen(muted)
            elide = Qt.TextElideMode.ElideRight
            text = m.small_fm.elidedText(lay.info_text, elide, lay.info.width())
            painter.drawText(lay.info, Qt.AlignmentFlag.AlignLeft, text)
        painter.setPen(palette.link().color())
        center = Qt.AlignmentFlag.AlignCenter
        for action, rect in lay.actions:
            if action.startswith("version_"):  # ‹ › in the header, in the body's font
                painter.setFont(m.bold)
                painter.drawText(rect, center, ACTION_LABELS[action])
                painter.setFont(m.small)
            else:
                painter.drawText(rect, Qt.AlignmentFlag.AlignLeft, ACTION_LABELS[action])
        if lay.version_rect is not None:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(lay.version_rect, center, lay.version_text)
        painter.restore()

    def _visible_band(self, rect: QRect) -> tuple[float, float]:
        """The part of a row's rect that is on screen, as (top, bottom) in viewport pixels."""
        viewport = self._view.viewport().rect()
        top, bottom = max(rect.top(), viewport.top()), min(rect.bottom(), viewport.bottom()) + 1
        return float(top), float(bottom)

    def _badge_color(self, badge: Badge, palette: QPalette, dark: bool) -> QColor:
        if badge.kind == "error":
            return QColor(_ERROR[dark])
        if badge.kind == "warning":
            return QColor(_WARNING[dark])
        if badge.kind == "filter":
            return QColor(_FILTER[dark])
        return palette.placeholderText().color()

    # -- helpers for the view and for tests --------------------------------------------------
    def action_rects(
        self, option_rect: QRect, index: QModelIndex | QPersistentModelIndex
    ) -> dict[str, QRect]:
        """Each clickable action of a row, in viewport coordinates: {action: rect}."""
        return self.layout(option_rect, index).action_rects()

    def footer_items(self, index: QModelIndex | QPersistentModelIndex) -> list[Badge]:
        """What the footer shows: the facts line (kind "meta") and the badges."""
        model = self._model(index)
        row = index.row()
        message = model.message(row)
        facts = info_text(message, model.data(index, Roles.Tokens))
        items = [Badge("meta", facts)] if facts else []
        shown = model.reasoning_shown(row)
        sent = row >= model.first_sent
        left_out = model.left_out(model.history_index(row))
        return items + badges(message, sent, row == model.streaming_row, left_out, shown)

    def hit_test(
        self, option_rect: QRect, index: QModelIndex | QPersistentModelIndex, pos: QPoint
    ) -> tuple[str, str] | None:
        """("action", name) or ("link", href) under `pos`, or None."""
        lay = self.layout(option_rect, index)
        for action, rect in lay.action_rects().items():
            if rect.adjusted(-3, -2, 3, 2).contains(pos):
                return "action", action
        if lay.body.contains(QPointF(pos)):
            href = lay.doc.anchor_at(pos.x() - lay.body.left(), pos.y() - lay.body.top())
            if href:
                return "link", href
        return None

    # -- events ------------------------------------------------------------------------------
    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        from PySide6.QtCore import Qt

        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            hit = self.hit_test(option.rect, index, event.position().toPoint())
            if hit is not None:
                kind, value = hit
                signal = self.actionTriggered if kind == "action" else self.linkClicked
                signal.emit(value, index.row())
                return True
        return False

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            from PySide6.QtWidgets import QToolTip

            hit = self.hit_test(option.rect, index, event.pos())
            if hit is not None and hit[0] == "link" and parse_code_link(hit[1]) is None:
                QToolTip.showText(event.globalPos(), hit[1], view)
                return True
            QToolTip.hideText()
            return True
        return super().helpEvent(event, view, option, index)


class TranscriptView(QListView):
    """The conversation's messages as cards.

    Signals: copyRequested(int row) (the view has already copied the message),
    copyCodeRequested(int row, int block) (already copied), editRequested(int),
    deleteRequested(int), regenerateRequested(int), continueRequested(int),
    retryRequested(int), includeRequested(int row, bool include): "Include again" (True) or
    "Leave out"; versionRequested(int row, int step): ‹ (-1) or › (+1);
    linkActivated(str url) (opened with QDesktopServices by `open_link`),
    copied(str what) after anything was put on the clipboard ("Markdown", "text", "code"),
    linkHovered(str url) when the pointer comes over a link in a message ("" when it leaves).
    """

    copyRequested = Signal(int)
    copyCodeRequested = Signal(int, int)
    editRequested = Signal(int)
    deleteRequested = Signal(int)
    regenerateRequested = Signal(int)
    continueRequested = Signal(int)
    retryRequested = Signal(int)
    includeRequested = Signal(int, bool)
    versionRequested = Signal(int, int)
    linkActivated = Signal(str)
    copied = Signal(str)
    linkHovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Our own viewport: the one Qt made would be looked up by type on first `viewport()`,
        # which initialises dozens of QtWidgets classes and their enums (~10 ms at start-up).
        self.setViewport(QWidget())
        self.setUniformItemSizes(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Set by name through Qt's property system: `Qt.ScrollBarPolicy` would build the whole
        # Qt namespace before the first paint (~20 ms, see ui/__init__.py). The vertical bar is
        # always on: row heights depend on the width, and a scroll bar that comes and goes
        # with the content's height makes the layout oscillate between two widths.
        self.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.setProperty("verticalScrollBarPolicy", "ScrollBarAlwaysOn")
        self.setWordWrap(True)  # makes QListView re-lay out rows when the width changes
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.setAccessibleName("Conversation transcript")
        self.setAccessibleDescription(
            "The messages of this conversation. Ctrl+C copies the selected message; "
            "the context menu offers edit, delete, regenerate and text selection."
        )
        self._delegate = MessageDelegate(self)
        self.setItemDelegate(self._delegate)
        self._delegate.actionTriggered.connect(self.trigger_action)
        self._delegate.linkClicked.connect(self._on_body_link)
        self.linkActivated.connect(self.open_link)
        self._at_bottom = True
        self._last_click = QPoint()
        self.menu: QMenu | None = None  # the open context or code menu, for tests
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)
        from chatdesk.ui.text_selection import TextSelection

        self.text_selection = TextSelection(self)
        self.text_selection.copied.connect(self.copied)
        self._hovered = ""

    @property
    def delegate(self) -> MessageDelegate:
        return self._delegate

    def transcript(self) -> TranscriptModel:
        model = self.model()
        assert isinstance(model, TranscriptModel)
        return model

    # -- QListView overrides -----------------------------------------------------------------
    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: list[int] = (),  # type: ignore[assignment]
    ) -> None:
        self._delegate.rows_changed(topLeft.row(), bottomRight.row(), self.visible_rows())
        # Not QListView.dataChanged: in Qt 6 it re-lays out every row of the list, per chunk.
        # Height changes reach the view through the delegate's sizeHintChanged instead.
        QAbstractItemView.dataChanged(self, topLeft, bottomRight, roles)

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        # QListView keeps an item's height in a short: a card taller than 32,767 px (a reply of
        # ~100 KB) would be painted, updated and hit-tested only in its first 32,767 px, though
        # the list positions the rows below it by its full height. The full height is known.
        rect = super().visualRect(index)
        if rect.height() >= _SHRT_MAX and index.isValid():
            rect.setHeight(max(self._delegate.row_height(index), rect.height()))
        return rect

    def rowsInserted(
        self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int
    ) -> None:
        # QListView lays out every row after an insert anyway; measuring the new rows first
        # spares a second layout when they are painted. Bulk inserts keep their estimates.
        if end - start < 20:
            for row in range(start, end + 1):
                self._delegate.measure(self.model().index(row, 0, parent), now=True)
        super().rowsInserted(parent, start, end)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        self._delegate.clear()
        self.text_selection.clear()
        super().setModel(model)

    def reset(self) -> None:
        self._delegate.clear()
        self._at_bottom = True
        super().reset()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._delegate.clear()
            self.scheduleDelayedItemsLayout()
        super().changeEvent(event)

    def updateGeometries(self) -> None:
        super().updateGeometries()
        # QListView steps by item height in per-pixel mode; a tall card would be one notch.
        self.verticalScrollBar().setSingleStep(3 * self.fontMetrics().lineSpacing())

    def visible_rows(self) -> range:
        """Rows at least partly on screen."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return range(0)
        top = self.indexAt(QPoint(MARGIN_X + 1, 0))
        bottom = self.indexAt(QPoint(MARGIN_X + 1, self.viewport().height() - 1))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else model.rowCount() - 1
        return range(first, last + 1)

    # -- scrolling ---------------------------------------------------------------------------
    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._at_bottom = value >= bar.maximum() - 4
        model = self.model()
        if value <= bar.minimum() and isinstance(model, TranscriptModel) and model.hidden:
            # At the top of a long conversation: bring in older messages, after this event.
            QTimer.singleShot(0, self.reveal_older)

    def reveal_older(self) -> None:
        """Show the next older messages above, keeping what is on screen where it is."""
        model = self.model()
        bar = self.verticalScrollBar()
        if not isinstance(model, TranscriptModel) or bar.value() > bar.minimum():
            return
        from_bottom = bar.maximum() - bar.value()
        if model.reveal_older(REVEAL_STEP):
            self.executeDelayedItemsLayout()
            bar.setValue(bar.maximum() - from_bottom)

    def show_history_index(self, index: int, occurrence: int | None = None) -> int | None:
        """Scroll to the message at history index `index` (older rows brought in as needed),
        to the line of its `occurrence`-th find match when given, and make it current.
        Returns its row, or None when there is no such message."""
        model = self.model()
        if not isinstance(model, TranscriptModel) or not 0 <= index < len(model.conversation or ()):
            return None
        if index < model.hidden:
            model.reveal_older(model.hidden - index)
        row = index - model.hidden
        self.executeDelayedItemsLayout()
        target = model.index(row)
        self.setCurrentIndex(target)
        self.scrollTo(target, QAbstractItemView.ScrollHint.PositionAtTop)
        marks = self._delegate.find_marks(model.message(row).uid)
        if occurrence is not None and marks is not None:
            self._scroll_to_occurrence(target, marks, occurrence)
        self._at_bottom = False  # a streaming reply must not pull the reader away from it
        return row

    def scroll_anchor(self) -> ScrollAnchor:
        """Where the reader is, as a message and an offset (see `ScrollAnchor`)."""
        from chatdesk.core.session_state import ScrollAnchor

        model = self.model()
        if not isinstance(model, TranscriptModel) or self._at_bottom or not model.rowCount():
            return ScrollAnchor()
        top = self.indexAt(QPoint(MARGIN_X + 1, 0))
        if not top.isValid():
            return ScrollAnchor()
        offset = max(-self.visualRect(top).top(), 0)
        return ScrollAnchor(model.history_index(top.row()), offset, at_end=False)

    def restore_anchor(self, anchor: ScrollAnchor) -> None:
        """Scroll back to `anchor`, bringing in older rows as needed; a message that is gone
        (the file changed) scrolls to the nearest one."""
        model = self.model()
        if not isinstance(model, TranscriptModel) or not model.rowCount():
            return
        if anchor.at_end:
            self._at_bottom = True
            self.scrollToBottom()
            return
        index = min(anchor.index, model.hidden + model.rowCount() - 1)
        if index < model.hidden:
            model.reveal_older(model.hidden - index)
        target = model.index(index - model.hidden)
        self._delegate.measure(target, now=True)  # the offset is into its exact height
        self.scheduleDelayedItemsLayout()
        self.executeDelayedItemsLayout()
        self.scrollTo(target, QAbstractItemView.ScrollHint.PositionAtTop)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.visualRect(target).top() + anchor.offset)
        self._at_bottom = bar.value() >= bar.maximum() - 4

    def _scroll_to_occurrence(self, target: QModelIndex, marks: FindMarks, occurrence: int) -> None:
        """Within a card taller than the viewport: bring the match's line to a third down."""
        rect = self.visualRect(target)
        viewport = self.viewport().height()
        if rect.height() <= viewport:
            return
        metrics = self._delegate.metrics()
        body_top = MARGIN_Y + PAD + metrics.fm.height() + GAP
        width = max(rect.width() - 2 * (MARGIN_X + PAD), 40)
        message = self.transcript().message(target.row())
        body = self._delegate.body(message, width, is_dark(self.palette()))
        y = body.occurrence_top(marks, occurrence)
        if y is None:
            return
        # The card's height was an estimate: lay the list out with the one now known.
        self._delegate.measure(target, now=True)
        self.scheduleDelayedItemsLayout()
        self.executeDelayedItemsLayout()
        rect = self.visualRect(target)
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() + body_top + round(y) - viewport // 3)

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        # Follow a growing reply only when the reader was already at the end.
        if self._at_bottom:
            self.verticalScrollBar().setValue(maximum)

    # -- actions -----------------------------------------------------------------------------
    def trigger_action(self, action: str, row: int) -> None:
        """Do or announce `action` for `row` (a footer link, a menu item, a shortcut)."""
        if action == "copy":
            self.copy_message(row)
        elif action == "reasoning":  # open or close the reply's Reasoning part
            self.transcript().toggle_reasoning(row)
        elif action == "copy_code":
            self._copy_code_or_menu(row)
        elif action == "select_text":
            self.text_selection.select_all(row)
        else:
            if action in ("include", "leave_out"):
                self.includeRequested.emit(row, action == "include")
                return
            if action in ("version_prev", "version_next"):
                self.versionRequested.emit(row, 1 if action == "version_next" else -1)
                return
            signal = {
                "edit": self.editRequested,
                "delete": self.deleteRequested,
                "regenerate": self.regenerateRequested,
                "continue": self.continueRequested,
                "retry": self.retryRequested,
            }[action]
            signal.emit(row)

    def copy_message(self, row: int) -> None:
        """The whole message as its Markdown source."""
        QGuiApplication.clipboard().setText(shown_text(self.transcript().message(row)))
        self.copyRequested.emit(row)
        self.copied.emit("Markdown")

    def copy_message_text(self, row: int) -> None:
        """The whole message as it reads, without Markdown's marks."""
        index = self.model().index(row, 0)
        body = self._delegate.layout(self.visualRect(index), index).doc
        QGuiApplication.clipboard().setText(body.text_between((0, 0), body.end()))
        self.copied.emit("text")

    def copy_code(self, row: int, block: int) -> None:
        blocks = code_blocks(shown_text(self.transcript().message(row)))
        if 0 <= block < len(blocks):
            QGuiApplication.clipboard().setText(blocks[block])
            self.copyCodeRequested.emit(row, block)
            self.copied.emit("code")

    def _copy_code_or_menu(self, row: int) -> None:
        blocks = code_blocks(shown_text(self.transcript().message(row)))
        if len(blocks) == 1:
            self.copy_code(row, 0)
            return
        menu = self._new_menu()
        self._add_code_actions(menu, row, blocks)
        menu.popup(self.viewport().mapToGlobal(self._last_click))

    def _add_code_actions(self, menu: QMenu, row: int, blocks: list[str]) -> None:
        for i, block in enumerate(blocks):
            first = block.strip().splitlines()[0] if block.strip() else ""
            label = f"Copy code {i + 1}: {first[:40]}" if first else f"Copy code {i + 1}"
            menu.addAction(label, lambda i=i: self.copy_code(row, i))

    def _on_body_link(self, href: str, row: int) -> None:
        image = self.delegate.images.url_of(href)
        if image is not None:
            self.open_image(image)
            return
        block = parse_code_link(href)
        if block is not None:
            self.copy_code(row, block)
        else:
            self.linkActivated.emit(href)

    def open_link(self, href: str) -> None:
        """Open a link from a message in the browser; only web and mail links."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        url = QUrl(href)
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    def _new_menu(self) -> QMenu:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMenu

        if self.menu is not None:
            self.menu.close()
        self.menu = QMenu(self)
        self.menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu.destroyed.connect(self._forget_menu)
        return self.menu

    def _forget_menu(self) -> None:
        self.menu = None

    def context_menu(self, row: int) -> QMenu:
        """The actions of a row as a menu (not shown)."""
        menu = self._new_menu()
        model = self.transcript()
        actions = available_actions(model, row)
        selection = self.text_selection
        if selection.selected_row() == row:  # the selected part first
            menu.addAction("Copy selection", lambda: selection.copy())
            menu.addAction("Copy selection as Markdown", lambda: selection.copy(markdown=True))
            menu.addSeparator()
        for action in actions:
            if action == "copy_code":
                blocks = code_blocks(shown_text(model.message(row)))
                if len(blocks) == 1:
                    menu.addAction("Copy code", lambda: self.copy_code(row, 0))
                else:
                    self._add_code_actions(menu.addMenu("Copy code"), row, blocks)
                continue
            if action == "delete":
                menu.addSeparator()
            label = _MENU_LABELS.get(action, ACTION_LABELS[action])
            menu.addAction(label, lambda a=action: self.trigger_action(a, row))
            if action == "copy":
                menu.addAction("Copy as text", lambda: self.copy_message_text(row))
        self._add_image_actions(menu, model.message(row))
        menu.addSeparator()
        menu.addAction("Select all text", lambda: selection.select_all(row))
        return menu

    def _add_image_actions(self, menu: QMenu, message: Message) -> None:
        from chatdesk.core.image_input import image_refs
        from chatdesk.ui.image_viewer import copy_image

        urls = [r.url for r in image_refs([message.to_api()]) if r.url.startswith("data:")]
        for n, url in enumerate(urls, 1):
            name = "image" if len(urls) == 1 else f"image {n}"
            menu.addSeparator()
            menu.addAction(f"Open {name}", lambda u=url: self.open_image(u))
            menu.addAction(f"Copy {name}", lambda u=url: copy_image(u))
            menu.addAction(f"Save {name} as…", lambda u=url: self.save_image(u))

    def open_image(self, url: str) -> None:
        """The image full size, with Copy image and Save image as…"""
        from chatdesk.ui.image_viewer import ImageViewer

        self.image_viewer = ImageViewer(url, "Image", self)
        self.image_viewer.open()

    def save_image(self, url: str) -> None:
        from chatdesk.ui.image_viewer import save_image_as

        self.save_dialog = save_image_as(self, url)

    # -- input -------------------------------------------------------------------------------
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._last_click = event.position().toPoint()
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        from PySide6.QtCore import Qt

        pos = event.position().toPoint()
        index = self.indexAt(pos)
        over = index.isValid() and self._delegate.hit_test(self.visualRect(index), index, pos)
        # A link shows where it goes before it is clicked (status bar; tooltip on hover).
        href = over[1] if over and over[0] == "link" and parse_code_link(over[1]) is None else ""
        if href != self._hovered:
            self._hovered = href
            self.linkHovered.emit(href)
        if over:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        super().mouseMoveEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        self.context_menu(index.row()).popup(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.currentIndex().isValid():
            self.copy_message(self.currentIndex().row())
            return
        super().keyPressEvent(event)
