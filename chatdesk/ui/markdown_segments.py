"""A message's Markdown cut into independent pieces, so a long reply is rendered piece by piece.

A reply streams in at its end: only its last piece changes, every earlier one is final and
keeps its rendering (highlighted code included). Pieces end at a blank line outside a fenced
code block when the next line starts a new block at the left margin (not an indented
continuation), so each piece parses as it would inside the whole text. Text with no such
boundary for a long stretch (a huge paragraph, a 1 MB line without spaces) is cut every
`MAX_PIECE` characters, at a line end or a space if there is one near, so no single piece ever
costs more than a bounded amount to render and lay out. Differences from rendering the whole
text at once are confined to the cut points: a loose list continues as a new list with the
right start number, and a forced cut inside a paragraph starts a new paragraph.

Pure Python (no Qt): `Segmentation.update` is called for every streamed flush, and re-scans
only from the start of the last piece, so its cost is independent of the reply's length.
"""

from __future__ import annotations

import bisect
import re

from chatdesk.core.text_tally import common_prefix

MAX_PIECE = 8192  # characters; a piece's render + layout stays in the low milliseconds
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")


class Piece:
    """One independently rendered part of a message: `text[start:end]` of the whole."""

    __slots__ = ("end", "start", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start, self.end, self.text = start, end, text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Piece):
            return NotImplemented
        return (self.start, self.end, self.text) == (other.start, other.end, other.text)

    __hash__ = None  # type: ignore[assignment]


class Segmentation:
    """A text's pieces, kept up to date as the text grows (see `update`)."""

    # A plain class: a dataclass costs ~0.5 ms to define, and this module loads at start-up.
    def __init__(self) -> None:
        self.text = ""
        self.pieces: list[Piece] = []
        self.kept = 0  # how many leading pieces the last update reused

    def update(self, text: str) -> list[Piece]:
        """Re-cut for `text`, reusing the pieces that end before its first difference from the
        previous text (all but the last when it only grew). Returns the pieces.

        Cost: a scan from the first changed piece's start to the end.
        """
        if text is self.text:
            self.kept = len(self.pieces)
            return self.pieces
        old = self.text
        if self.pieces and len(text) >= len(old) and text.startswith(old):
            keep = self.pieces[:-1]  # the common case: a streamed text grew
        else:
            # An edit or a shorter text: keep the pieces that end before the change (and the
            # character after their end, which decided the boundary).
            same = common_prefix(old, text)
            ends = [p.end for p in self.pieces]
            keep = self.pieces[: max(bisect.bisect_left(ends, same) - 1, 0)]
        start = keep[-1].end if keep else 0
        self.text = text
        self.kept = len(keep)
        self.pieces = keep + [Piece(a, b, text[a:b]) for a, b in split(text, start)]
        return self.pieces


def _cut_long(text: str, start: int, limit: int) -> int:
    """Where to cut a stretch beginning at `start`: a line end or space near `limit`."""
    window_start = start + limit * 3 // 4
    nl = text.rfind("\n", window_start, start + limit)
    if nl >= 0:
        return nl + 1
    space = text.rfind(" ", window_start, start + limit)
    if space >= 0:
        return space + 1
    return start + limit


def split(text: str, pos: int = 0, limit: int = MAX_PIECE) -> list[tuple[int, int]]:
    """The (start, end) spans of the pieces of `text[pos:]`; they cover it without gaps."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = i = pos
    fence: tuple[str, int] | None = None  # the open fence's character and length
    while i < n:
        # Look for the line's end only as far as a cut would need: a 1 MB line is not scanned
        # (nor copied) once per piece.
        bound = start + limit + 1
        nl = text.find("\n", i, bound)
        overflows = nl < 0 and bound < n  # the line runs past the piece's limit
        if overflows and fence is not None:
            nl = text.find("\n", i)  # inside a fence a long line stays whole
        if fence is None and (overflows or (nl >= 0 and nl + 1 - start > limit)):
            # Too long without a boundary: cut it (a line end or space near the limit).
            long_line = text.find("\n", i, i + limit + 1) < 0 and i + limit < n
            cut = _cut_long(text, start, limit) if long_line or i == start else i
            if cut <= start:
                cut = start + limit
            spans.append((start, cut))
            start = i = cut
            continue
        end = n if nl < 0 else nl + 1
        line = text[i:end]
        if fence is None:
            match = _FENCE.match(line)
            if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
                marker = match.group(1)
                fence = (marker[0], len(marker))
            elif not line.strip() and i > start and end < n and text[end] not in " \t\r\n":
                spans.append((start, end))  # a blank line before a block at the margin
                start = end
        else:
            stripped = line.strip()
            char, length = fence
            if len(stripped) >= length and stripped == char * len(stripped):
                fence = None
        i = end
    if start < n or not spans:
        spans.append((start, n))
    return spans


# The texts cut most recently. A streamed reply is found here by its previous text (a prefix
# of the new one), so code_blocks() on every flush re-scans only the growing last piece.
_RECENT: list[Segmentation] = []
_RECENT_SIZE = 16


def pieces(text: str) -> list[Piece]:
    """The pieces of `text`, reusing a recent cut of it or of a text it extends."""
    for i, seg in enumerate(_RECENT):
        if seg.text is text or seg.text == text:
            if i:
                _RECENT.insert(0, _RECENT.pop(i))
            return seg.pieces
    for i, seg in enumerate(_RECENT):
        if seg.text and len(text) > len(seg.text) and text.startswith(seg.text):
            _RECENT.pop(i)
            break
    else:
        seg = Segmentation()
        if len(_RECENT) >= _RECENT_SIZE:
            _RECENT.pop()
    _RECENT.insert(0, seg)
    return seg.update(text)
