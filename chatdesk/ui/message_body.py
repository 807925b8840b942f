"""A message's rendered Markdown body: one QTextDocument per piece, laid out and drawn lazily.

Cost model (why it is built this way). A whole-message QTextDocument made every streamed
flush re-render the reply (markdown-it, Pygments on every code block, `setHtml`) and every
paint lay out and draw the whole document: costs that grow with the reply. Here the text is
cut into pieces (`markdown_segments`); each piece has its own document, rendered once and kept
until that piece's text changes, which while streaming is only the last one. A piece is laid
out when it is drawn or measured exactly; until then its height is an estimate from its
length, refined in time-boxed slices by `layout_some` (the delegate calls it when idle). Drawing
draws only the pieces that meet the visible band. So a flush costs one piece's render, a paint
costs the visible pieces, and a long message is laid out once, in slices, never in one stall.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from itertools import accumulate
from typing import TYPE_CHECKING

from chatdesk.ui.markdown import (
    BREAK,
    code_link,
    parse_code_link,
    piece_code_blocks,
    render_piece,
)
from chatdesk.ui.markdown_segments import Piece, Segmentation
from chatdesk.ui.qt.core import QPointF, QRectF, Qt
from chatdesk.ui.qt.gui import (
    QAbstractTextDocumentLayout,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextTable,
)

if TYPE_CHECKING:
    from chatdesk.ui.find_marks import FindMarks
    from chatdesk.ui.qt.gui import (
        QAbstractTextDocumentLayout,
        QFont,
        QPainter,
        QPalette,
        QTextDocument,
    )

Position = tuple[int, int]  # (piece, character position in the piece's document)
PIECE_GAP = 6.0  # pixels, the stylesheet's margin-bottom of a paragraph
OBJECT = "\ufffc"  # what a block's text holds where a picture is


class MessageBody:
    """The body of one message at one width. Heights and positions are in pixels.

    `estimate(piece_text, width)` gives a piece's height before it is laid out. `on_render`
    is called once per piece rendered (for tests and benchmarks); `resources(doc, piece_text)`
    before a piece is rendered, to give its document the images it shows.
    """

    def __init__(
        self,
        font: QFont,
        stylesheet: str,
        dark: bool,
        estimate: Callable[[str, float], float],
        on_render: Callable[[], None] | None = None,
        resources: Callable[[QTextDocument, str], None] | None = None,
    ) -> None:
        self.content: str | None = None  # compared by identity: a new string is a change
        self.dark = dark
        self._font, self._stylesheet = font, stylesheet
        self._estimate, self._on_render = estimate, on_render
        self._resources = resources  # gives a piece's document its images (thumbnails)
        self._seg = Segmentation()
        self._pieces: list[Piece] = []
        self._docs: list[QTextDocument | None] = []
        self._heights: list[float] = []  # laid out at self.width, or estimated
        self._exact: list[bool] = []
        self._pending = 0  # pieces whose height is an estimate
        self._tops: list[float] | None = None  # cumulative tops, rebuilt after a change
        self.width = -1.0

    # -- content and width -------------------------------------------------------------------
    def sync(self, content: str) -> None:
        """Follow `content`. Pieces before the first changed one keep their rendering; changed
        pieces that had been rendered are re-rendered now (the visible end of a streaming reply
        stays exact), others when needed. Cost: the changed pieces, not the message."""
        if content is self.content:
            return
        self.content = content
        old_docs = self._docs
        new = self._seg.update(content)
        kept = self._seg.kept
        fresh = new[kept:]
        self._pieces = new
        self._docs = old_docs[:kept] + [None] * len(fresh)
        guesses = [self._estimate(p.text, self.width) if self.width > 0 else 0.0 for p in fresh]
        self._pending += len(fresh) - self._exact[kept:].count(False)
        self._heights = self._heights[:kept] + guesses
        self._exact = self._exact[:kept] + [False] * len(fresh)
        self._tops = None
        if self.width > 0:
            for i in range(kept, min(len(old_docs), len(new))):
                if old_docs[i] is not None:
                    self._lay_out(i, reuse=old_docs[i])

    def set_width(self, width: float) -> None:
        """A new width: every piece re-wraps when next needed (its render is kept)."""
        if width == self.width:
            return
        self.width = width
        self._exact = [False] * len(self._pieces)
        self._pending = len(self._pieces)
        self._heights = [self._estimate(p.text, width) for p in self._pieces]
        self._tops = None

    # -- heights -----------------------------------------------------------------------------
    def tops(self) -> list[float]:
        """Each piece's top, and the body's height as the last entry."""
        if self._tops is None:
            self._tops = [0.0, *accumulate(self._heights)]
        return self._tops

    def height(self) -> float:
        return self.tops()[-1]

    def pending(self) -> bool:
        """Whether some piece's height is still an estimate."""
        return self._pending > 0

    # -- laying out --------------------------------------------------------------------------
    def _lay_out(self, i: int, reuse: QTextDocument | None = None) -> bool:
        """Render piece i if needed and lay it out; True if its height changed."""
        doc = self._docs[i]
        if doc is None:
            doc = reuse if reuse is not None else QTextDocument()
            doc.setDocumentMargin(0)
            doc.setDefaultFont(self._font)
            doc.setDefaultStyleSheet(self._stylesheet)
            if self._resources is not None:
                self._resources(doc, self._pieces[i].text)
            doc.setHtml(render_piece(self._pieces[i].text, self.dark))
            self._docs[i] = doc
            if self._on_render is not None:
                self._on_render()
        if self._exact[i]:
            return False
        doc.setTextWidth(self.width)
        # A document's height leaves out its last block's bottom margin: the space between
        # two paragraphs of one document, put back between two pieces (not where a long line
        # was cut: its parts read as one line).
        gap = PIECE_GAP if self._pieces[i].text.endswith("\n") else 0.0
        height = doc.size().height() + gap
        changed = height != self._heights[i]
        self._heights[i] = height
        self._exact[i] = True
        self._pending -= 1
        if changed:
            self._tops = None
        return changed

    def lay_out_band(self, y0: float, y1: float) -> bool:
        """Lay out the pieces meeting the band [y0, y1) of the body. True if a height changed.

        Positions shift as estimates become exact, so this repeats until the band is stable.
        """
        changed = False
        for _ in range(8):
            tops = self.tops()
            first = max(bisect.bisect_right(tops, y0) - 1, 0)
            last = bisect.bisect_left(tops, y1, lo=first)  # pieces first .. last-1 meet it
            todo = [i for i in range(first, min(last, len(self._pieces))) if not self._exact[i]]
            if not todo:
                break
            for i in todo:
                changed |= self._lay_out(i)
        return changed

    def layout_some(self, deadline: float) -> bool:
        """Lay out pieces still estimated, from the end up, until `time.perf_counter()` passes
        `deadline`. True if some height changed."""
        changed = False
        i = len(self._pieces)
        while self._pending and i > 0:
            i -= 1
            if not self._exact[i]:
                changed |= self._lay_out(i)
                if time.perf_counter() >= deadline:
                    break
        return changed

    def lay_out_all(self) -> None:
        for i in range(len(self._pieces)):
            self._lay_out(i)

    # -- drawing and hit testing -------------------------------------------------------------
    def draw(
        self,
        painter: QPainter,
        palette: QPalette,
        y0: float,
        y1: float,
        marks: FindMarks | None = None,
        selected: tuple[Position, Position] | None = None,
    ) -> None:
        """Draw the pieces meeting the band [y0, y1) of the body, at the painter's origin,
        with the occurrences of a find's query marked (`marks`) and the text from
        `selected[0]` to `selected[1]` highlighted."""
        self.lay_out_band(y0, y1)
        tops = self.tops()
        first = max(bisect.bisect_right(tops, y0) - 1, 0)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette = palette
        # Occurrences in the pieces above the band, so the current one is known by its number.
        seen = marks.count_in(p.text for p in self._pieces[:first]) if marks else 0
        for i in range(first, len(self._pieces)):
            top = tops[i]
            if top >= y1:
                break
            doc = self._docs[i]
            if doc is None:
                continue
            found = []
            if marks is not None:
                found = marks.selections(doc, seen)
                seen += marks.count_in([self._pieces[i].text])
            context.selections = found + self._highlight(i, doc, palette, selected)
            height = tops[i + 1] - top
            painter.save()
            painter.translate(0, top)
            clip_top, clip_bottom = max(y0 - top, 0.0), min(y1 - top, height)
            context.clip = QRectF(0, clip_top, self.width, clip_bottom - clip_top)
            painter.setClipRect(QRectF(0, 0, self.width, height), Qt.ClipOperation.IntersectClip)
            doc.documentLayout().draw(painter, context)
            painter.restore()

    def occurrence_top(self, marks: FindMarks, n: int) -> float | None:
        """The body y of the line holding occurrence `n` (0-based, in the message) of the
        query; None when the message has fewer. Lays out the pieces down to that one, so the
        y is exact (a cost that grows with how far down the match is, paid once per jump)."""
        seen = 0
        for i, piece in enumerate(self._pieces):
            here = marks.count_in([piece.text])
            if n < seen + here:
                for j in range(i + 1):
                    self._lay_out(j)
                doc = self._docs[i]
                assert doc is not None  # laid out just now
                found = marks.cursors(doc)
                y = marks.line_top(doc, found[min(n - seen, len(found) - 1)]) if found else 0.0
                return self.tops()[i] + y
            seen += here
        return None

    def _highlight(
        self,
        i: int,
        doc: QTextDocument,
        palette: QPalette,
        selected: tuple[Position, Position] | None,
    ) -> list[QAbstractTextDocumentLayout.Selection]:
        """Piece i's part of the selection, as the text layout draws it (none: [])."""
        span = self._span(i, doc, selected)
        if span is None:
            return []
        cursor = QTextCursor(doc)
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        fmt.setBackground(palette.highlight())
        fmt.setForeground(palette.highlightedText())
        selection = QAbstractTextDocumentLayout.Selection()
        selection.cursor, selection.format = cursor, fmt
        return [selection]

    def _span(
        self, i: int, doc: QTextDocument, selected: tuple[Position, Position] | None
    ) -> tuple[int, int] | None:
        """The (start, end) character positions of piece i inside the selection, or None."""
        if selected is None:
            return None
        (p0, c0), (p1, c1) = selected
        if not p0 <= i <= p1:
            return None
        end = doc.characterCount() - 1
        start, stop = (c0 if i == p0 else 0), (c1 if i == p1 else end)
        return (start, min(stop, end)) if stop > start else None

    # -- text positions (selection) ----------------------------------------------------------
    def position_at(self, x: float, y: float) -> Position:
        """The (piece, character) position nearest body point (x, y): above the body is its
        start, below it its end. Lays out the piece under the point."""
        if not self._pieces:
            return (0, 0)
        if y < 0:
            return (0, 0)
        if y >= self.height():
            return self.end()
        self.lay_out_band(y, y + 1)
        tops = self.tops()
        i = min(max(bisect.bisect_right(tops, y) - 1, 0), len(self._pieces) - 1)
        doc = self.document(i)
        hit = doc.documentLayout().hitTest(
            QPointF(min(max(x, 0.0), self.width), y - tops[i]), Qt.HitTestAccuracy.FuzzyHit
        )
        return (i, max(hit, 0))

    def end(self) -> Position:
        """The position after the body's last character."""
        if not self._pieces:
            return (0, 0)
        last = len(self._pieces) - 1
        return (last, self.document(last).characterCount() - 1)

    def document(self, i: int) -> QTextDocument:
        """Piece i's document, rendered and laid out."""
        self._lay_out(i)
        doc = self._docs[i]
        assert doc is not None
        return doc

    def piece_count(self) -> int:
        return len(self._pieces)

    def text_between(self, start: Position, end: Position, *, markdown: bool = False) -> str:
        """The text from `start` to `end` (ordered positions): as shown (no markup; the
        rendering's zero-width break opportunities and non-breaking spaces as plain text), or
        as Markdown: the message's own source for every piece selected whole, Qt's Markdown
        writer for a piece selected in part. Cost: the pieces in the range."""
        parts: list[tuple[str, bool]] = []  # (text, the piece's source whole)
        for i in range(start[0], min(end[0], len(self._pieces) - 1) + 1):
            doc = self.document(i)
            span = self._span(i, doc, (start, end))
            if span is None:
                continue
            whole = span == (0, doc.characterCount() - 1)
            if markdown and whole:
                parts.append((self._pieces[i].text, True))
                continue
            # A code block's language label and "Copy code" are the card's, not the text.
            texts = [_run_text(doc, *run, markdown=markdown) for run in _runs(doc, span)]
            text = ("\n\n" if markdown else "\n").join(t for t in texts if t)
            text = text.replace(BREAK, "").replace("\xa0", " ")
            if span[1] == doc.characterCount() - 1:  # the HTML's closing line break, not text
                text = text.rstrip()
            parts.append((text, False))
        if markdown and all(whole for _, whole in parts):
            return "".join(text for text, _ in parts)  # consecutive slices of the source
        if markdown:
            out, joined = "", True  # joined: `out` ends where the next source slice starts
            for text, whole in parts:
                if out and not (whole and joined):
                    out = out.rstrip("\n") + "\n\n"
                out += text if whole else text.strip("\n")
                joined = whole
            return out.rstrip("\n")
        return "\n".join(text for text, _ in parts if text)

    def anchor_at(self, x: float, y: float) -> str:
        """The href of the link at body point (x, y), "" if none. "Copy code" links are
        renumbered to the block's index in the whole message."""
        tops = self.tops()
        i = bisect.bisect_right(tops, y) - 1
        if not 0 <= i < len(self._pieces) or self._docs[i] is None:
            return ""
        href = self._docs[i].documentLayout().anchorAt(QPointF(x, y - tops[i]))
        local = parse_code_link(href) if href else None
        if local is None:
            return href
        before = sum(len(piece_code_blocks(p.text)) for p in self._pieces[:i])
        return code_link(before + local)

    def image_rects(self, prefix: str) -> list[tuple[str, QRectF]]:
        """Each picture whose source starts with `prefix`, in the order the body shows them:
        (its source, its rectangle in body coordinates). Lays out the pieces that hold one
        (their text names the source), and only those."""
        found: list[tuple[int, str, QRectF]] = []
        for i, piece in enumerate(self._pieces):
            if prefix not in piece.text:
                continue
            doc = self.document(i)
            doc.size()  # (the blocks' lines exist once the document is laid out)
            block = doc.begin()
            while block.isValid():
                text, layout = block.text(), block.layout()
                at = text.find(OBJECT)
                while at >= 0:
                    cursor = QTextCursor(doc)
                    cursor.setPosition(block.position() + at + 1)  # the format of `at`
                    image = cursor.charFormat().toImageFormat()
                    line = layout.lineForTextPosition(at)
                    if image.isValid() and image.name().startswith(prefix) and line.isValid():
                        top = layout.position().y() + line.y() + line.ascent() - image.height()
                        x = layout.position().x() + line.cursorToX(at)[0]
                        box = QRectF(x, top, image.width(), image.height())
                        found.append((i, image.name(), box))
                    at = text.find(OBJECT, at + 1)
                block = block.next()
        tops = self.tops()  # (after laying out: a piece's height may have changed)
        return [(name, box.translated(0, tops[i])) for i, name, box in found]

    def documents(self) -> list[QTextDocument]:
        """Every piece's document, rendering and laying out those not yet done (for tests and
        the text dialog; costs the whole message)."""
        self.lay_out_all()
        return [doc for doc in self._docs if doc is not None]

    def plain_text(self) -> str:
        return "".join(doc.toPlainText() + "\n" for doc in self.documents())


def _selected(doc: QTextDocument, start: int, end: int) -> QTextDocumentFragment:
    cursor = QTextCursor(doc)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return cursor.selection()


def _code_blocks(doc: QTextDocument) -> list[tuple[int, int, int, int, str]]:
    """`doc`'s code blocks, in order: (the table's first position, its code's first and last,
    the table's end, the language). A code block is one of the two-column tables
    `markdown._render_code` makes (a header row with the language and "Copy code", then the
    code), told apart from a Markdown table by the "Copy code" link in its first row. The
    table's first and end positions are its own marks: a selection that takes one in, or goes
    from a cell to outside the table, takes the whole table."""
    found = []
    frames = list(doc.rootFrame().childFrames())
    while frames:
        frame = frames.pop()
        frames.extend(frame.childFrames())
        if not isinstance(frame, QTextTable) or frame.columns() != 2 or frame.rows() < 2:
            continue
        cursor = frame.cellAt(0, 1).firstCursorPosition()
        cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
        if parse_code_link(cursor.charFormat().anchorHref()) is None:
            continue
        label, code = frame.cellAt(0, 0), frame.cellAt(1, 0)
        lang = _selected(doc, label.firstPosition(), label.lastPosition()).toPlainText()
        start, end = frame.firstPosition() - 1, frame.lastPosition() + 1
        found.append((start, code.firstPosition(), code.lastPosition(), end, lang))
    return sorted(found)


def _runs(doc: QTextDocument, span: tuple[int, int]) -> list[tuple[int, int, str | None]]:
    """`span` of `doc` as runs of text (None) and of a code block's code (its language),
    leaving out the code blocks' header rows."""
    out: list[tuple[int, int, str | None]] = []
    at = span[0]
    for start, first, last, end, lang in _code_blocks(doc):
        if end <= at or start >= span[1]:
            continue
        if start > at:
            out.append((at, start, None))
        if max(at, first) < min(span[1], last):
            out.append((max(at, first), min(span[1], last), "" if lang == "code" else lang))
        at = max(at, end)
    if at < span[1]:
        out.append((at, span[1], None))
    return out


def _run_text(doc: QTextDocument, start: int, end: int, lang: str | None, *, markdown: bool) -> str:
    fragment = _selected(doc, start, end)
    if not markdown:
        return fragment.toPlainText()
    if lang is None:
        return fragment.toMarkdown().strip("\n")
    return f"```{lang}\n{fragment.toPlainText()}\n```"
