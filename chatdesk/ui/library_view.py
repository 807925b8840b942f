"""The sidebar's list view and the delegate that paints its rows.

A heading is small bold muted text; a conversation, its title on one line (bold when it is
open in the window); a file that cannot be read, a warning sign and its error in the warning
colour (the tooltip adds the file's name); a search hit, the
conversation's title (and "+2 more" when more of its messages match; "another version" when
the match is in a version of a turn that is not shown) over the snippet of its latest
matching message, the matched words marked. Rows are painted, never
widgets, and every row of a model has the same height (`uniformItemSizes`): the view lays out
10,000 rows with one size hint, not 10,000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from chatdesk.core.patterns import LazyPattern
from chatdesk.ui.library_model import Kind, Roles, hit_note_forms
from chatdesk.ui.palette import MATCH, ON_MARK, tones_of
from chatdesk.ui.qt.core import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from chatdesk.ui.qt.gui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from chatdesk.ui.qt.widgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QWidget,
)

if TYPE_CHECKING:
    from chatdesk.core.library_search import SearchHit
    from chatdesk.ui.qt.gui import QMouseEvent
    from chatdesk.ui.qt.widgets import QStyleOptionViewItem

PAD_X, PAD_Y = 8, 4
WARNING = "⚠ "
SUFFIX_SHARE = 0.5  # of a row's width, at most, for a title's "(…)" ending
# A title's parenthesised ending: " (changed in two places)", " (copy)", " (2)".
_SUFFIX = LazyPattern(r"\s*\([^()]+\)$")

_Index = QModelIndex | QPersistentModelIndex


def elide_title(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` cut to `width` pixels. A title ending in "(…)" keeps that ending in sight (cut
    itself when long: "(changed i…)"), its start cut instead: a conversation and its copy or
    its "(changed in two places)" version read differently however narrow the list."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    found = _SUFFIX.search(text)
    if found is None or found.start() == 0:
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    ending = found.group().strip()
    room = int(width * SUFFIX_SHARE)
    if metrics.horizontalAdvance(ending) > room:
        inner = metrics.elidedText(ending[1:-1], Qt.TextElideMode.ElideRight,
                                   room - metrics.horizontalAdvance("()"))  # fmt: skip
        ending = f"({inner})"
    ending = " " + ending
    start = metrics.elidedText(text[: found.start()], Qt.TextElideMode.ElideRight,
                               width - metrics.horizontalAdvance(ending))  # fmt: skip
    return start + ending


def snippet_in_view(
    snippet: str, highlights: Sequence[tuple[int, int]], width: int, advance: Callable[[str], int],
    marked: Callable[[str], int] | None = None,
) -> tuple[str, list[tuple[int, int]]]:  # fmt: skip
    """The snippet as its one line shows it, and its highlights' offsets in that text.

    When the first match would fall past `width` (pixels; `advance` gives a text's width,
    `marked` a matched word's, bold: wider), the line starts at the farthest word before the
    match that still lets the match show, after a "…": in a narrow sidebar every hit's snippet
    otherwise showed only the words before its match (tester, session 12: 30 rows of "Use the
    config file"). The match is measured as drawn, bold, and with what follows it up to the
    next space ("mustelids." is one word to the line): measured plain and without the ".",
    it fit by a few pixels that the drawn line did not have (tester, session 13: "…try:
    otters are", "mustelids" cut away)."""
    spans = list(highlights)
    if not spans:
        return snippet, spans
    bold = marked or advance
    first, end = spans[0]
    space = snippet.find(" ", end)
    end = len(snippet) if space < 0 else space

    def drawn(start: int, lead: str) -> int:
        """The width of `lead` + snippet[start:end] with its matches bold."""
        total, at = advance(lead), start
        for a, b in spans:
            if b <= at or a >= end:
                continue
            total += advance(snippet[at:a]) + bold(snippet[max(a, at) : min(b, end)])
            at = min(b, end)
        return total + advance(snippet[at:end])

    if first == 0 or drawn(0, "") <= width:
        return snippet, spans
    cut = first
    start = snippet.rfind(" ", 0, first)
    while start > 0 and drawn(start + 1, "…") <= width:
        cut = start + 1
        start = snippet.rfind(" ", 0, start)
    shift = 1 - cut  # "…" is one character
    return "…" + snippet[cut:], [(a + shift, b + shift) for a, b in spans if a >= cut]


TITLE_SHARE = 0.4  # of a hit's width kept for its title, at least, beside its note


def hit_note_place(
    title: int, notes: Sequence[tuple[str, int]], width: int
) -> tuple[str, bool, int]:  # fmt: skip
    """Where a hit's note ("another version · +1 more") goes, given the title's width, the
    note's forms, longest first, with their widths, and the row's: (the form shown, whether
    beside the title rather than at the right of the snippet's line, its room in pixels).
    The title keeps at least `TITLE_SHARE` of the row (the whole title when shorter), so it
    is never pushed out (tester, session 13: a 180-pixel sidebar showed "another version ·
    +1 more" and no title); a note that does not fit beside it goes on the snippet's line,
    cut to the same share, the snippet keeping the rest. ("", True, 0) for no note."""
    if not notes:
        return "", True, 0
    beside = width - min(title, int(width * TITLE_SHARE)) - PAD_X
    for text, needed in notes:
        if needed <= beside:
            return text, True, needed
    text, needed = notes[-1]
    return text, False, min(needed, int(width * TITLE_SHARE))


class LibraryDelegate(QStyledItemDelegate):
    """Paints headings, conversations, broken files and search hits (see the module).
    Every row of the library is one line high, every search hit two."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        line = QFontMetrics(option.font).lineSpacing()
        if index.data(Roles.Kind) is Kind.HIT:  # the title over the snippet
            return QSize(1, 2 * line + 3 * PAD_Y)
        return QSize(1, line + 2 * PAD_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        kind = index.data(Roles.Kind)
        palette = option.palette
        rect = QRect(option.rect).adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected and kind is not Kind.HEADING:
            painter.fillRect(option.rect, palette.highlight())
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        font = QFont(option.font)
        if kind is Kind.HEADING:
            font.setBold(True)
            font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
            painter.setFont(font)
            painter.setPen(palette.placeholderText().color())
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                             str(index.data()))  # fmt: skip
        elif kind is Kind.HIT:
            muted = text_color if selected else palette.placeholderText().color()
            self._paint_hit(painter, rect, font, (text_color, muted), index.data(Roles.Hit),
                            selected)  # fmt: skip
        else:
            title = str(index.data())
            if kind is Kind.BROKEN:
                error = str(index.data(Roles.Error) or "")
                color = QColor(tones_of(palette).error) if not selected else text_color
                # The reason first (the file's name, an id, says little; the tooltip has it).
                self._line(painter, rect, font, color, f"{WARNING}Cannot open: {error}", 0)
            else:
                font.setBold(bool(index.data(Roles.Open)))
                self._line(painter, rect, font, text_color, title, 0, title=True)
        painter.restore()

    @staticmethod
    def _line(
        painter: QPainter, rect: QRect, font: QFont, color: QColor, text: str, n: int,
        title: bool = False,
    ) -> None:  # fmt: skip
        metrics = QFontMetrics(font)
        line = QRect(rect.left(), rect.top() + n * metrics.lineSpacing(), rect.width(),
                     metrics.lineSpacing())  # fmt: skip
        painter.setFont(font)
        painter.setPen(color)
        if title:
            elided = elide_title(text, metrics, rect.width())
        else:
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)

    def _paint_hit(
        self,
        painter: QPainter,
        rect: QRect,
        font: QFont,
        colors: tuple[QColor, QColor],
        hit: SearchHit | None,
        selected: bool,
    ) -> None:
        color, muted = colors
        if hit is None:
            return
        row = hit_row(hit, font, rect.width(), selected)
        bold = QFont(font)
        bold.setBold(True)
        plain, heavy = QFontMetrics(font), QFontMetrics(bold)
        below = plain.lineSpacing() + PAD_Y // 2  # the snippet's line
        if row.note:
            top = rect.top() + (0 if row.beside else below)
            place = QRect(rect.right() - row.room + 1, top, row.room, heavy.lineSpacing())
            painter.setFont(font)
            painter.setPen(muted)
            painter.drawText(place, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             row.note)  # fmt: skip
        line = QRect(rect.left(), rect.top(), row.title_width, heavy.lineSpacing())
        painter.setFont(bold)
        painter.setPen(color)
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         row.title)  # fmt: skip
        painter.setPen(color)
        # What does not fit is clipped at the snippet's room (`hit_row`: never wrapped).
        painter.setClipRect(QRect(rect.left(), rect.top(), row.snippet_width, rect.height()))
        row.snippet.draw(painter, QPointF(rect.left(), rect.top() + below))


def _match_width(hit: SearchHit, bold: QFontMetrics) -> int:
    """The width of "…" and the snippet's first matched word, bold, up to the next space."""
    if not hit.highlights:
        return 0
    start = hit.highlights[0][0]
    space = hit.snippet.find(" ", start)
    return bold.horizontalAdvance("…" + hit.snippet[start : space if space >= 0 else None])


class HitRow(NamedTuple):
    """What a search hit's row shows (`hit_row`), as `LibraryDelegate` paints it."""

    title: str  # elided to `title_width`, never to nothing
    title_width: int
    note: str  # "another version · +1 more", maybe shortened or elided; "" for none
    beside: bool  # the note at the right of the title's line, else of the snippet's
    room: int  # the note's width
    snippet: QTextLayout  # one line, laid out, its matched words marked
    snippet_width: int


def hit_row(hit: SearchHit, font: QFont, width: int, selected: bool = False) -> HitRow:
    """A hit's row `width` pixels wide: its title over its snippet, the note beside the title
    or at the right of the snippet's line (`hit_note_place`), the snippet started where its
    match shows (`snippet_in_view`)."""
    bold = QFont(font)
    bold.setBold(True)
    plain, heavy = QFontMetrics(font), QFontMetrics(bold)
    title = " ".join(hit.title.split())
    note, beside, room = hit_note_place(
        heavy.horizontalAdvance(title),
        [(n, plain.horizontalAdvance(n)) for n in hit_note_forms(hit)],
        width,
    )  # fmt: skip
    title_width, snippet_width = width, width
    if note and beside:
        title_width -= room + PAD_X
    elif note:  # on the snippet's line: the match comes first, the note has what is left
        room = min(room, max(0, width - _match_width(hit, heavy) - PAD_X))
        snippet_width -= room + PAD_X
    note = plain.elidedText(note, Qt.TextElideMode.ElideRight, room) if note else ""
    snippet, highlights = snippet_in_view(
        " ".join(hit.snippet.split("\n")), hit.highlights, snippet_width,
        plain.horizontalAdvance, heavy.horizontalAdvance,
    )  # fmt: skip
    marks = []
    for start, end in highlights:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold)
        if not selected:
            fmt.setBackground(QColor(MATCH))  # as the find bar marks them
            fmt.setForeground(QColor(ON_MARK))
        span = QTextLayout.FormatRange()
        span.start, span.length, span.format = start, end - start, fmt
        marks.append(span)
    layout = QTextLayout(snippet, font)
    layout.setFormats(marks)
    # One line that never wraps: a wrapped line's first part, all that was drawn, lost the
    # match when it did not fit to the pixel (tester, session 13).
    option = layout.textOption()
    option.setWrapMode(QTextOption.WrapMode.NoWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    if line.isValid():
        line.setLineWidth(snippet_width)
    layout.endLayout()
    shown = elide_title(title, heavy, title_width)
    return HitRow(shown, title_width, note, beside, room, layout, snippet_width)


class LibraryView(QListView):
    """The list: uniform rows, rename in place with F2 (the platform's edit key)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(True)  # one height per model: see the module docstring
        self.setItemDelegate(LibraryDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.setMouseTracking(True)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()  # the context menu acts on the row clicked; the selection stays
            return  # on the conversation shown
        super().mousePressEvent(event)

    def dataChanged(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int] = []  # noqa: B006
    ) -> None:
        # QListView lays every row out again after any change of data, in case a size changed
        # (one Python `rowCount` call per row: ~50 ms for 10,000). Rows here have one size, so
        # repainting the changed rows is enough.
        QAbstractItemView.dataChanged(self, top_left, bottom_right, roles)

    def lay_out_now(self) -> None:
        """Lay the rows out now rather than on the next event-loop turn (uniform rows: one
        multiplication), so a scroll position can be set right after a reset."""
        self.executeDelayedItemsLayout()
