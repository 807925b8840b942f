"""Find in a conversation (Ctrl+F): where a query occurs in the text its messages show.

The rule: the query as typed (surrounding whitespace dropped), literal, case-insensitive by
Unicode simple case folding; it is looked for in each message's shown text (`shown_text`: the
text, tool-call and image cards included), so what is counted is what can be seen. Offsets
index that text: case-insensitive matching keeps them aligned with it (`str.casefold` would
not: "ß" folds to two letters).

Cost: one regular-expression scan over every message's text; it runs on a worker over a
snapshot (the window's find bar), so typing never waits for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import msgspec

from chatdesk.core.cards import shown_text
from chatdesk.core.conversation import Conversation

MAX_HITS = 10_000  # past this the count reads "10000+": a count nobody reads to the end


class Hit(msgspec.Struct, frozen=True):
    """One occurrence: history index `index`, characters [start, end) of its shown text."""

    index: int
    start: int
    end: int


def pattern(query: str) -> re.Pattern[str] | None:
    """The compiled rule for `query`; None for a query of nothing but whitespace."""
    query = query.strip()
    if not query:
        return None
    return re.compile(re.escape(query), re.IGNORECASE)


def find_in_texts(
    texts: Iterable[str],
    query: str,
    limit: int = MAX_HITS,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Hit]:
    """Every occurrence of `query` in `texts` (message i's text is the i-th), in order, at
    most `limit`; stops early, with what it found, once `cancelled()` is true."""
    rule = pattern(query)
    if rule is None:
        return []
    hits: list[Hit] = []
    for index, text in enumerate(texts):
        if index % 256 == 0 and cancelled():
            break
        for found in rule.finditer(text):
            hits.append(Hit(index, found.start(), found.end()))
            if len(hits) >= limit:
                return hits
    return hits


def find_in_conversation(
    conv: Conversation,
    query: str,
    limit: int = MAX_HITS,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Hit]:
    """`find_in_texts` over the history's shown texts. Builds the messages a file still holds
    as data: call it on a `Conversation.snapshot()` from a worker."""
    return find_in_texts((shown_text(m) for m in conv), query, limit, cancelled)


def nearest(hits: list[Hit], index: int) -> int:
    """The position in `hits` of the first hit at or after history index `index` (0 when
    none is: the search wraps), for starting where the reader is. -1 without hits."""
    if not hits:
        return -1
    lo, hi = 0, len(hits)
    while lo < hi:
        mid = (lo + hi) // 2
        if hits[mid].index < index:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(hits) else 0


def occurrence(hits: list[Hit], position: int) -> int:
    """Which occurrence within its message `hits[position]` is (0 for the message's first)."""
    hit = hits[position]
    n = 0
    while position - n - 1 >= 0 and hits[position - n - 1].index == hit.index:
        n += 1
    return n
