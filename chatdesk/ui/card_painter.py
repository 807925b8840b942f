"""Drawing one laid-out message card (`CardLayout`): the card, its header, the visible band of
its body, the badges, the facts line and the action links. What goes where is decided before,
in card_layout.py; this module only draws."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.ui.card_layout import ACTION_LABELS, DIM_OPACITY, CardLayout, Metrics
from chatdesk.ui.palette import tones
from chatdesk.ui.qt.core import QRectF, Qt
from chatdesk.ui.qt.gui import QColor, QPainter, QPainterPath, QPen
from chatdesk.ui.transcript_model import Badge, heading

if TYPE_CHECKING:
    from chatdesk.core.messages import Message
    from chatdesk.ui.find_marks import FindMarks
    from chatdesk.ui.message_body import Position
    from chatdesk.ui.qt.gui import QPalette



def badge_color(badge: Badge, palette: QPalette, dark: bool) -> QColor:
    """The colour a badge of `badge.kind` is drawn in."""
    colours = tones(dark)
    if badge.kind == "error":
        return QColor(colours.error)
    if badge.kind == "warning":
        return QColor(colours.warning)
    if badge.kind == "filter":
        return QColor(colours.content_filter)
    return palette.placeholderText().color()


def draw_card(
    painter: QPainter,
    lay: CardLayout,
    message: Message,
    m: Metrics,
    palette: QPalette,
    *,
    dark: bool,
    dimmed: bool,
    selected: bool,
    streaming_label: str | None,
    band: tuple[float, float],
    find: FindMarks | None = None,
    text_selection: tuple[Position, Position] | None = None,
) -> None:
    """Draw `message` as laid out in `lay`. `dimmed`: left out of the next request;
    `streaming_label`: the reply is still arriving (shown in the header); `band`: the part of
    the row on screen, (top, bottom) in viewport pixels: only that much of the body is drawn;
    `find`: Ctrl+F's occurrences to mark in the body; `text_selection`: the part of the body
    selected (text_selection.py), painted highlighted."""
    # Imported here, not with the module: an empty transcript (how the window starts)
    # paints no card, and these types and their enums cost ~10 ms to create (the Qt
    # namespace alone ~20 ms, see chatdesk/ui/qt).
    painter.save()
    if dimmed:
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
    border = QColor(palette.highlight().color() if selected else palette.text().color())
    if not selected:
        border.setAlpha(40)
    painter.setPen(QPen(border, 1.5 if selected else 1.0))
    painter.drawPath(path)

    # Header: who, and whether the reply is still arriving.
    painter.setFont(m.bold)
    painter.setPen(palette.text().color())
    painter.drawText(lay.header, Qt.AlignmentFlag.AlignLeft, heading(message))
    if streaming_label is not None:
        painter.setFont(m.small)
        painter.setPen(palette.placeholderText().color())
        painter.drawText(
            lay.header,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            streaming_label,
        )

    # Body.
    painter.save()
    painter.translate(lay.body.topLeft())
    top = lay.body.top()
    lay.doc.draw(painter, palette, band[0] - top, band[1] - top, find, text_selection)
    painter.restore()

    # Notes.
    painter.setFont(m.small)
    for chip in lay.chips:
        color = badge_color(chip.badge, palette, dark)
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
        if lay.info.height() > m.small_line:  # laid out wrapped: every word fits
            flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
            painter.drawText(lay.info, flags, lay.info_text)
        else:
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
    if lay.version_rect is not None:  # "2/3" between them
        painter.setPen(muted)
        painter.drawText(lay.version_rect, center, lay.version_text)
    painter.restore()
