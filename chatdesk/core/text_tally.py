"""The token count of a text that changes a little at a time: a draft being typed, a reply
being streamed. Only the span that changed since the last count is re-encoded.

Exactness. The text is cut only where both cl100k and o200k always end one regex piece and
start the next, so the pieces encode to exactly the tokens of the whole:
- after a newline, before a letter or digit (no pre-tokenizer piece holds a newline and then a
  letter or digit);
- before a single space that follows a non-space character and precedes a letter: no piece
  ends in a space followed by a letter (letters join the piece that *starts* with the optional
  non-letter before them), and no piece before it can take the space (whitespace pieces only
  start after whitespace, and punctuation and letter pieces never end in a space).
Spans longer than `TARGET` characters are cut at the first space boundary past it, so a 1 MB
paste of prose is held as ~1 KB spans and a keystroke re-encodes about one of them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from itertools import accumulate

from chatdesk.core.patterns import LazyPattern

_NEWLINE_SPLIT = LazyPattern(r"(?<=\n)(?=[^\W_])")
_SPACE_BOUNDARY = LazyPattern(r"(?<=\S) (?=[^\W\d_])")
TARGET = 1024  # characters per span, about; a keystroke re-encodes one or two spans
_BLOCK = 1 << 15  # characters compared at a time when looking for the change


def _spans(text: str) -> list[str]:
    """`text` cut at exact boundaries into spans of about TARGET characters: long lines are
    cut at spaces, short ones (code: ~40 characters a line) joined, so a tally holds ~1,000
    spans per MB whatever the text, and a keystroke's bookkeeping stays small."""
    out: list[str] = []
    pending: list[str] = []  # short pieces, joined into one span
    size = 0
    for part in _NEWLINE_SPLIT.split(text):
        start = 0
        while len(part) - start > 2 * TARGET:
            match = _SPACE_BOUNDARY.search(part, start + TARGET)
            if match is None:
                break
            pending.append(part[start : match.start()])
            out.append("".join(pending))
            pending, size = [], 0
            start = match.start()
        piece = part[start:] if start else part
        pending.append(piece)
        size += len(piece)
        if size >= TARGET:
            out.append("".join(pending))
            pending, size = [], 0
    if pending:
        out.append("".join(pending))
    return out


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix, comparing in C-speed blocks."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i : i + _BLOCK] == b[i : i + _BLOCK]:
        i += _BLOCK
    if i >= n:
        return n
    lo, hi = i, min(i + _BLOCK, n)  # a[:lo] == b[:lo]; they differ before hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo if a[lo] != b[lo] else hi


def common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix, at most `limit`."""
    la, lb = len(a), len(b)
    i = 0
    while i < limit:
        step = min(_BLOCK, limit - i)
        if a[la - i - step : la - i] != b[lb - i - step : lb - i]:
            lo, hi = i, i + step  # suffixes equal for lo chars, not for hi
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
                    lo = mid
                else:
                    hi = mid
            return lo
        i += step
    return limit


# The last edit of a text, as (before, after, at, removed): `after` is `before` with `removed`
# characters at `at` replaced. Noted by whoever made it (the composer's DraftText), so a tally
# holding `before` asked to count `after` knows where the change is without comparing 1 MB of
# text; checked by identity, so a stale note is never used.
_last_edit: tuple[str, str, int, int] | None = None


def note_edit(before: str, after: str, at: int, removed: int) -> None:
    """Say that `after` is `before` with `removed` characters at `at` replaced."""
    global _last_edit
    _last_edit = (before, after, at, removed)


class TextTally:
    """Tokens of one evolving text. `count(text)` re-encodes only the spans the change touched
    (compared with the text counted last), and reuses the counts of the others."""

    def __init__(self, encode_count: Callable[[str], int]) -> None:
        self._encode_count = encode_count
        self.text = ""
        self._lens: list[int] = []  # span lengths, in order
        self._counts: list[int] = []
        self.total = 0

    def count(self, text: str) -> int:
        old = self.text
        if text is old or text == old:
            self.text = text  # the newest object: an edit noted from it is recognised
            return self.total
        edit = _last_edit
        if edit is not None and edit[0] is old and edit[1] is text:
            # Common to both at least: what lies before and after the edit (an edit that
            # changed nothing only makes the span re-encoded a little longer).
            prefix, suffix = edit[2], len(old) - edit[2] - edit[3]
        else:
            prefix = common_prefix(old, text)
            suffix = common_suffix(old, text, min(len(old), len(text)) - prefix)
        ends = list(accumulate(self._lens))
        # A boundary depends on the characters on each side of it: keep the spans whose end
        # (and the character after it) lie in the common prefix, and those whose start (and
        # the character before it) lie in the common suffix.
        keep_head = bisect.bisect_left(ends, prefix - 1)  # those ending at prefix - 2 or before
        starts = [0, *ends[:-1]] if ends else []
        tail_from = len(old) - suffix + 1
        keep_tail = bisect.bisect_left(starts, tail_from)
        keep_tail = max(keep_tail, keep_head)
        mid_start = ends[keep_head - 1] if keep_head else 0
        mid_old_end = starts[keep_tail] if keep_tail < len(starts) else len(old)
        mid_end = mid_old_end + len(text) - len(old)
        spans = _spans(text[mid_start:mid_end]) if mid_end > mid_start else []
        counts = [self._encode_count(s) for s in spans]
        self._lens = self._lens[:keep_head] + [len(s) for s in spans] + self._lens[keep_tail:]
        self._counts = self._counts[:keep_head] + counts + self._counts[keep_tail:]
        self.text = text
        self.total = sum(self._counts)
        return self.total
