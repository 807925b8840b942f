"""The transcript's item delegate: each message painted as a card with a Markdown body.

A streamed chunk re-renders one row's Markdown (only the pieces whose text changed, see
message_body.py) and repaints the visible rows; nothing walks the whole history. Bodies are
cached per message (the most recent `DOC_CACHE_SIZE`); row heights are kept by `RowHeights`;
where things go is card_layout.py's, how they are drawn card_painter.py's.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from chatdesk.core import alternatives
from chatdesk.core.messages import Message
from chatdesk.ui.card_layout import (
    ACTION_LABELS,
    ACTION_SPACING,
    CHIP_PAD,
    GAP,
    MARGIN_X,
    MARGIN_Y,
    PAD,
    ROW_ACTIONS,
    CardLayout,
    Chip,
    Metrics,
    available_actions,
    info_text,
    is_dark,
    wrapped,
)
from chatdesk.ui.card_painter import draw_card
from chatdesk.ui.markdown import parse_code_link
from chatdesk.ui.palette import tones
from chatdesk.ui.qt.core import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from chatdesk.ui.qt.gui import QFontDatabase, QHelpEvent, QMouseEvent, QPainter
from chatdesk.ui.qt.widgets import QAbstractItemView, QStyle, QStyledItemDelegate, QToolTip
from chatdesk.ui.row_heights import RowHeights
from chatdesk.ui.transcript_model import Badge, Roles, TranscriptModel, badges

if TYPE_CHECKING:
    from chatdesk.ui.find_marks import FindMarks
    from chatdesk.ui.message_body import MessageBody, Position
    from chatdesk.ui.qt.widgets import QStyleOptionViewItem
    from chatdesk.ui.transcript_images import TranscriptImages

DOC_CACHE_SIZE = 200  # rendered bodies kept


class MessageDelegate(RowHeights, QStyledItemDelegate):
    """Paints a message as a card: a header, the Markdown body, notes and action links.

    Signals: actionTriggered(str action, int row) for a clicked action link;
    linkClicked(str href, int row) for a clicked link in a message body.
    """

    actionTriggered = Signal(str, int)
    linkClicked = Signal(str, int)

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._metrics: Metrics | None = None
        self._docs: OrderedDict[int, MessageBody] = OrderedDict()  # uid -> body, least recent first
        self._rows: dict[int, QPersistentModelIndex] = {}  # uid -> its row, for idle layout
        self._styles: dict[bool, str] = {}
        self._idle = QTimer(self, singleShot=True, interval=1)
        self._idle.timeout.connect(self._lay_out_when_idle)
        self._init_heights()
        self.render_count = 0  # Markdown renders, for tests and benchmarks
        # (message uid, start, end) of the selected text, painted highlighted (text_selection)
        self.selection: tuple[int, Position, Position] | None = None
        # Find (Ctrl+F): every row's occurrences marked, the current one's by uid.
        self._find: FindMarks | None = None
        self._find_current: tuple[int, FindMarks] | None = None
        self._images: TranscriptImages | None = None  # made with the first card

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

    def clear(self) -> None:
        """Forget every cached body and height (new conversation, font or palette)."""
        self._metrics = None
        self._docs.clear()
        self._rows.clear()
        self._styles.clear()
        self._clear_heights()

    def metrics(self) -> Metrics:
        if self._metrics is None or self._metrics.font != self._view.font():
            self._metrics = Metrics(self._view.font())
        return self._metrics

    def _stylesheet(self, dark: bool) -> str:
        if dark not in self._styles:
            self._styles[dark] = self._make_stylesheet(dark)
        return self._styles[dark]

    def _make_stylesheet(self, dark: bool) -> str:
        palette = self._view.palette()
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        code_bg = tones(dark).code_bg
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

    @property
    def images(self) -> TranscriptImages:
        """The messages' image thumbnails, decoded on the pool; made with the first card (an
        empty transcript, as at start-up, does without them)."""
        if self._images is None:
            from chatdesk.ui.transcript_images import TranscriptImages

            self._images = TranscriptImages(parent=self)
            self._images.changed.connect(self._view.viewport().update)
        return self._images

    def body(self, message: Message, width: float, dark: bool) -> MessageBody:
        """The message's rendered body at `width`: only pieces whose text changed re-render."""
        entry = self._docs.get(message.uid)
        if entry is None or entry.dark != dark:
            from chatdesk.ui.message_body import MessageBody  # with the first card

            m = self.metrics()
            entry = MessageBody(
                m.font,
                self._stylesheet(dark),
                dark,
                self._piece_estimate,
                self._count_render,
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

    def _model(self, index: QModelIndex | QPersistentModelIndex) -> TranscriptModel:
        model = index.model()
        assert isinstance(model, TranscriptModel)
        return model

    def text_rect(self, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> QRect:
        """Where the card's text is, for a row occupying `rect`: its body, without the room
        kept for an editor over it (`make_room`)."""
        lay = self.layout(rect, index)
        body = lay.body.toRect()
        body.setHeight(round(lay.doc.height()))
        return body

    def layout(self, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> CardLayout:
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
        # An editor laid over the body (Edit) may want more room than the text: it gets it.
        body = QRectF(x, y, width, max(doc.height(), self._room_for(message.uid)))
        y += round(body.height()) + GAP
        out = CardLayout(card, header, body, doc)
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
        room = model.reply_room
        for badge in badges(message, sent, row == model.streaming_row, left_out, shown, room):
            text = wrapped(badge.text, m.small, width - 2 * CHIP_PAD, badge.link, link_color)
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
            out.chips.append(Chip(badge, chip, text, origin, link))
            y += height + CHIP_PAD

        # The facts on the left, action links on the right; two lines when both don't fit.
        tokens = model.data(index, Roles.Tokens)
        out.info_text = info_text(
            message, tokens, model.reply_cost(message), model.tokens_estimated(row)
        )
        edited = self.edited(index)  # an editor over its body: no second Edit
        actions = [a for a in available_actions(model, row, edited) if a in ROW_ACTIONS]
        widths = [m.small_fm.horizontalAdvance(ACTION_LABELS[a]) for a in actions]
        actions_width = sum(widths) + ACTION_SPACING * max(len(actions) - 1, 0)
        info_width = m.small_fm.horizontalAdvance(out.info_text)
        if out.info_text and info_width + actions_width + 2 * ACTION_SPACING > width:
            # A line of its own; wrapped at its spaces on a card too narrow for it (800×600),
            # so the reply's cost at its end is never cut off.
            high = m.small_line
            if info_width > width:
                wrap = Qt.TextFlag.TextWordWrap
                high = m.small_fm.boundingRect(QRect(0, 0, width, 10 * high), wrap,
                                               out.info_text).height()  # fmt: skip
            out.info = QRect(x, y, width, high)
            y += high
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

    # -- painting ----------------------------------------------------------------------------
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
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

        chosen = self.selection
        selected = chosen[1:] if chosen is not None and chosen[0] == message.uid else None
        painter.save()
        painter.setClipRect(option.rect)  # until a re-measured row is laid out again
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_card(
            painter, lay, message, m, palette,
            dark=dark,
            dimmed=row < model.first_sent,
            selected=bool(option.state & QStyle.StateFlag.State_Selected),
            streaming_label=model.streaming_label() if streaming else None,
            band=band,
            find=self.find_marks(message.uid),
            text_selection=selected,
        )  # fmt: skip
        painter.restore()

    def _visible_band(self, rect: QRect) -> tuple[float, float]:
        """The part of a row's rect that is on screen, as (top, bottom) in viewport pixels."""
        viewport = self._view.viewport().rect()
        top, bottom = max(rect.top(), viewport.top()), min(rect.bottom(), viewport.bottom()) + 1
        return float(top), float(bottom)

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
        facts = info_text(
            message, model.data(index, Roles.Tokens), None, model.tokens_estimated(row)
        )
        items = [Badge("meta", facts)] if facts else []
        shown = model.reasoning_shown(row)
        sent = row >= model.first_sent
        left_out = model.left_out(model.history_index(row))
        streaming = row == model.streaming_row
        return items + badges(message, sent, streaming, left_out, shown, model.reply_room)

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

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
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
            hit = self.hit_test(option.rect, index, event.pos())
            if hit is not None and hit[0] == "link" and parse_code_link(hit[1]) is None:
                QToolTip.showText(event.globalPos(), hit[1], view)
                return True
            QToolTip.hideText()
            return True
        return super().helpEvent(event, view, option, index)
