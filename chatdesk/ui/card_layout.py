"""Where each part of a message card goes: the geometry of the transcript's cards, the
actions a row offers, the facts line, and the laid-out pieces (`CardLayout`) that the delegate
measures, paints and hit-tests. Sizes are in device-independent pixels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from chatdesk.core import alternatives
from chatdesk.core.cards import shown_text
from chatdesk.core.endings import continuable, requests_text
from chatdesk.core.messages import Message
from chatdesk.core.tool_results import missing_at
from chatdesk.core.usage import cached_tokens, completion_tokens, prompt_tokens, reasoning_tokens
from chatdesk.ui.markdown import has_code
from chatdesk.ui.palette import (
    is_dark as is_dark,  # re-exported: the transcript's modules read it here
)
from chatdesk.ui.qt.core import QPointF, QRect, QRectF
from chatdesk.ui.qt.gui import QFont, QFontMetrics, QTextCharFormat, QTextLayout
from chatdesk.ui.transcript_model import Badge, TranscriptModel

if TYPE_CHECKING:
    from chatdesk.core.pricing import Cost
    from chatdesk.ui.message_body import MessageBody
    from chatdesk.ui.qt.gui import QColor, QFont, QTextLayout

# Geometry, in pixels.
MARGIN_X, MARGIN_Y = 12, 5  # around a card
PAD = 12  # inside a card
GAP = 6  # between header, body and footer
CHIP_PAD = 4  # inside a badge
ACTION_SPACING = 14
DIM_OPACITY = 0.5  # cards left out of the next request
STREAM_STEP_LINES = 4  # a streaming row grows in steps, so the list re-lays out less often

ACTION_LABELS = {
    "copy": "Copy",
    "copy_code": "Copy code",
    "edit": "Edit",
    "delete": "Delete",
    "regenerate": "Regenerate",
    "continue": "Continue",
    "retry": "Retry",
    "leave_out": "Leave out",
    "add_result": "Add tool result…",
    "include": "Include again",
    "version_prev": "‹",
    "version_next": "›",
}
MENU_LABELS = {"version_prev": "Previous version", "version_next": "Next version"}
# Shown in the footer's action row; Continue and Retry are links inside their badges.
ROW_ACTIONS = ("add_result", "copy", "copy_code", "edit", "delete", "regenerate", "leave_out")


def available_actions(model: TranscriptModel, row: int, edited: bool = False) -> list[str]:
    """The actions offered for a row, in menu order; `edited`: the row is being edited in
    place (no second Edit on it)."""
    message = model.message(row)
    streaming = model.streaming_row is not None
    out = ["copy"]
    if has_code(shown_text(message)):
        out.append("copy_code")
    if message.role == "user" and not streaming and not edited:
        out.append("edit")
    if row != model.streaming_row:
        out.append("delete")
    if message.role == "assistant" and not streaming and row == model.last_assistant_row():
        out.append("regenerate")
    if message.tool_calls and not streaming and _results_missing(model, row):
        out.append("add_result")
    if continuable(message) and not streaming:  # cut at the length limit, or stopped
        out.append("continue")
    if message.meta.error and not streaming:
        out.append("retry")
    left_out = model.left_out(model.history_index(row))
    if row != model.streaming_row and not streaming and left_out != "question":
        # Any message can be left out of later requests; one left out can come back (a reply
        # left out with its question comes back with it).
        out.append("include" if left_out else "leave_out")
    if alternatives.position(message) is not None and not streaming:
        out += ["version_prev", "version_next"]
    return out


def _results_missing(model: TranscriptModel, row: int) -> bool:
    conv = model.conversation
    return conv is not None and bool(missing_at(conv, model.history_index(row)))


def info_text(
    message: Message, tokens: int | None, cost: Cost | None = None, estimate: bool = False
) -> str:
    """The muted facts line: tokens ("≈" when `estimate`, as the meter marks its count),
    finish reason, usage, latency, and the reply's `cost` when it is priced
    (`TranscriptModel.reply_cost`)."""
    meta = message.meta
    parts = []
    approx = "≈" if estimate else ""
    if tokens is not None and not _empty(message):
        parts.append(f"{approx}{tokens:,} tokens")
    elif tokens is not None and not meta.pending:  # nothing to count while a reply is awaited
        # Each message costs 3 tokens and its role even when empty (core/tokens.py): say so,
        # rather than a bare "4 tokens" under an empty card.
        parts.append(f"empty · {approx}{tokens:,} tokens (per-message overhead)")
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
        if (requests := requests_text(meta)) is not None:  # Continue: usage and time added up
            parts.append(requests)
        if meta.latency_ms is not None:
            parts.append(f"{meta.latency_ms / 1000:.1f} s")
        if cost is not None:  # decimal is imported once prices are set, not at start-up
            from chatdesk.core.pricing import format_cost

            parts.append(format_cost(cost.total))
    return " · ".join(parts)


def _empty(message: Message) -> bool:
    return not message.content and not message.tool_calls and not message.has_parts


class Metrics:
    """The fonts and line heights cards are laid out with, for one view font."""

    def __init__(self, font: QFont) -> None:
        self.font = font
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.small = QFont(font)
        self.small.setPointSizeF(max(font.pointSizeF() * 0.88, 7.0))
        self.fm, self.small_fm = QFontMetrics(font), QFontMetrics(self.small)
        self.line = self.fm.lineSpacing()  # body line spacing
        self.small_line = self.small_fm.lineSpacing()
        self.avg_char = max(self.fm.averageCharWidth(), 1)


class Chip(msgspec.Struct):
    """A laid-out badge under a card, with its link's rectangle if it has one."""

    badge: Badge
    rect: QRect
    text: QTextLayout
    origin: QPointF
    link: QRect | None


class CardLayout(msgspec.Struct):
    """Where every part of one card goes."""

    card: QRect
    header: QRect
    body: QRectF
    doc: MessageBody
    chips: list[Chip] = msgspec.field(default_factory=list)
    info: QRect | None = None
    info_text: str = ""
    actions: list[tuple[str, QRect]] = msgspec.field(default_factory=list)
    height: int = 0  # the row's height: the card and its outer margins
    version_text: str = ""  # "2/3" between the ‹ › actions in the header, when there are
    version_rect: QRect | None = None

    def action_rects(self) -> dict[str, QRect]:
        rects = dict(self.actions)
        rects.update({c.badge.action: c.link for c in self.chips if c.badge.action and c.link})
        return rects


def wrapped(text: str, font: QFont, width: float, link: str | None, color: QColor) -> QTextLayout:
    """`text` laid out in lines of `width` px; its last `link` characters drawn as a link."""
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
