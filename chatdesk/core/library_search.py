"""Searching the library's index: one result per conversation, latest activity first, a page
at a time.

A result is a conversation whose title or one of whose messages holds every word of the query
(the last word may be the start of a word: search as you type). It shows the conversation's
latest matching message (the title when no message matches), a snippet of it with the words
marked, and how many more of its messages match. A message of a turn's other versions
(Regenerate and edit keep them: `alternatives`) is found too, after the messages shown: the
result is one only when no message shown matches, and says so (`SearchHit.other_version`).
The conversations come in the list's order
(`LibraryIndex.entries`: last activity, then id, newest first) without the pins on top: the
one the user changed last first, whenever it was made.

Cost: FTS5 walks the matching rows by descending rowid (no sorting), which `library_order`
keeps in that order, and stops once it has a page of conversations, so a page costs the same
in a library of 100 conversations and of 10,000, however many messages match. The last word,
a prefix, is read from FTS5's prefix index when it has 1 to 4 characters (`library_index`),
as lazily as a whole word. Only the shown rows' texts are read back, and
their snippets are cut here, not by FTS5's snippet(), which would tokenize every row walked.
Within one conversation at most `COUNT_CAP` matches are counted ("+999+ more"), then the walk
jumps to the next conversation.

The rowids are `library_index`'s: ``num << 24 | position + 1`` (position -1: the title)
below ``num << 24 | VERSIONS``, the other versions' messages from there on, in history order.
A conversation's walk meets those first, so one with 1,000 matches in its other versions is
shown by one of them even when a message shown matches too (`COUNT_CAP`).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from typing import Any

import msgspec

from chatdesk.core.messages import parts_text

SHIFT = 24  # positions per conversation (see `library_index`)
VERSIONS = 1 << (SHIFT - 1)  # rowids of a conversation from here on: its other versions' texts
_LOW = (1 << SHIFT) - 1  # a rowid's place within its conversation
PAGE = 30  # results per page: more than a sidebar shows at once
COUNT_CAP = 1000  # matches counted in one conversation before the walk jumps past it
SNIPPET_WORDS = 16  # words in a snippet
_LEAD_WORDS = 4  # words shown before the first match
_WINDOW_BEFORE, _WINDOW_AFTER = 120, 480  # characters read around the first match
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits, as FTS5's unicode61


class SearchHit(msgspec.Struct, frozen=True):
    """One conversation that matches.

    `message_index` is the history index of its latest matching message (0 = the first message
    after the system prompt and examples), or None when only the title matched. `snippet` is a
    stretch of that text around the match; `highlights` are (start, end) offsets into `snippet`
    (Python string indices, end exclusive) of the matched words. `more` counts its other
    matching messages (at most `COUNT_CAP`), those of other versions included.
    `other_version`: no message shown matches; the snippet is of a message that one of the
    other versions of the turn at history index `turn` keeps (Regenerate, an edit:
    `alternatives`, maybe inside another version), and `message_index` is the index that
    message has in its version: the one it takes in the history once its version is shown
    (the reply of a regenerated turn whose question is #0 is #1, as the reply shown is).
    """

    conversation_id: str
    title: str
    message_index: int | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    more: int = 0
    other_version: bool = False
    turn: int | None = None  # other_version: the history message holding the versions


class SearchPage(msgspec.Struct, frozen=True):
    """A page of results; `after` is passed to get the next page (None: there is none)."""

    hits: tuple[SearchHit, ...]
    after: int | None


_HELD = 1 << SHIFT  # an other version's `position`: holder * _HELD + its own index


def held_at(holder: int, index: int) -> int:
    """The `position` the index stores for a message another version keeps: the history
    message holding the versions (`SearchHit.turn`) and the index the message has in its
    version (`SearchHit.message_index`), in one integer."""
    return holder * _HELD + index


def query_words(text: str) -> list[str]:
    """The words of a query as the index compares them (see `fold`)."""
    return [fold(w) for w in _WORD_RE.findall(text)]


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word must occur; the last may be the start
    of a word. Operators and quotes in `text` are taken as words, never as FTS5 syntax. ""
    when there is no word."""
    words = _WORD_RE.findall(text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def fold(word: str) -> str:
    """A word without case or accents, as FTS5's ``unicode61 remove_diacritics 2`` indexes it."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search(
    db: sqlite3.Connection, query: str, limit: int = PAGE, after: int | None = None
) -> SearchPage:
    """The conversations matching `query` (see the module docstring), latest activity first, at most
    `limit`, from the start or from where the page that gave `after` ended; trashed ones are
    left out. Raises sqlite3.Error from the database."""
    match = fts_query(query)
    if not match or limit <= 0:
        return SearchPage((), None)
    groups: list[_Group] = []
    bound = after
    while len(groups) < limit:
        found, bound = _walk(db, match, limit - len(groups), bound)
        groups += _kept(db, found)
        if bound is None:
            break
    words = query_words(query)
    texts = _texts(db, [g.shown for g in groups if g.shown is not None])
    hits = tuple(g.hit(None if g.shown is None else texts.get(g.shown), words) for g in groups)
    return SearchPage(hits, bound if len(groups) >= limit else None)


class _Group(msgspec.Struct):
    num: int
    best: int | None = None  # the rowid of the latest matching message shown
    other: int | None = None  # ... of the latest matching message of another version
    count: int = 0  # matching messages
    id: str = ""
    title: str = ""

    @property
    def shown(self) -> int | None:
        """The rowid the result shows: the best message, else the other versions' one."""
        return self.best if self.best is not None else self.other

    def hit(self, row: tuple[str, int] | None, words: list[str]) -> SearchHit:
        """The result, given the shown row's (text, position); None: the title matched."""
        text, position = row if row is not None else (self.title, None)
        snippet, highlights = cut_snippet(text, words)
        more = max(0, self.count - 1)
        other = self.best is None and self.other is not None
        turn = None
        if other and position is not None:
            turn, position = divmod(position, _HELD)
        return SearchHit(self.id, self.title, position, snippet, highlights, more, other, turn)


def _walk(
    db: sqlite3.Connection, match: str, wanted: int, bound: int | None
) -> tuple[list[_Group], int | None]:
    """Up to `wanted` conversations' matches, walking rowids below `bound` downwards; and the
    bound to go on from (None: the walk reached the end)."""
    sql = "SELECT rowid FROM message_text WHERE message_text MATCH ?"
    args: tuple[object, ...] = (match,)
    if bound is not None:
        sql, args = sql + " AND rowid < ?", (match, bound)
    groups: list[_Group] = []
    for (rowid,) in db.execute(sql + " ORDER BY rowid DESC", args):
        num = rowid >> SHIFT
        if not groups or groups[-1].num != num:
            if len(groups) == wanted:
                return groups, groups[-1].num << SHIFT
            groups.append(_Group(num))
        group, low = groups[-1], rowid & _LOW
        if low:  # a message, not the title
            if low < VERSIONS and group.best is None:
                group.best = rowid
            elif low >= VERSIONS and group.other is None:
                group.other = rowid
            group.count += 1
            if group.count >= COUNT_CAP:  # enough counted: go on from the next conversation
                return groups, num << SHIFT
    return groups, None


def _kept(db: sqlite3.Connection, groups: list[_Group]) -> list[_Group]:
    """The groups of conversations not in the trash, with their ids and titles."""
    if not groups:
        return []
    marks = ",".join("?" * len(groups))
    rows = db.execute(
        f"SELECT num, id, title FROM conversations WHERE trashed = 0 AND num IN ({marks})",
        [g.num for g in groups],
    ).fetchall()
    known = {num: (id, title) for num, id, title in rows}
    kept = []
    for group in groups:
        if group.num in known:
            group.id, group.title = known[group.num]
            kept.append(group)
    return kept


def _texts(db: sqlite3.Connection, rowids: list[int]) -> dict[int, tuple[str, int]]:
    """rowid -> (text, position) of these rows (position: the history index that shows the
    message, or for another version's message `held_at`'s holder and index)."""
    if not rowids:
        return {}
    marks = ",".join("?" * len(rowids))
    rows = db.execute(
        f"SELECT rowid, text, position FROM message_text WHERE rowid IN ({marks})", rowids
    )
    return {rowid: (text, position) for rowid, text, position in rows}


def cut_snippet(text: str, words: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `SNIPPET_WORDS` words of `text` around its first match of `words` (folded, the
    last a prefix), "…" where it was cut; and the (start, end) offsets of every match in it.
    A word FTS5 splits into several tokens (``func_12_3``, ``NEEDLE_END``) matches where
    those tokens follow each other, as FTS5 matched the quoted phrase, and is marked whole.
    Reads only a window around the match: a long reply costs what a short one does."""
    phrases = _phrases(words)
    if not phrases:
        return " ".join(text.split()[:SNIPPET_WORDS]), ()
    at = 0
    if text.isascii():  # the common case: the first match found at C speed, then a window
        found = _rule(phrases).search(text.lower())
        at = found.start() if found is not None else 0
    lo, hi = 0, len(text)
    if at:
        lo, hi = max(0, at - _WINDOW_BEFORE), min(len(text), at + _WINDOW_AFTER)
    tokens = list(_TOKEN_RE.finditer(text, lo, hi))
    if tokens and lo > 0 and _TOKEN_RE.match(text, lo - 1):
        tokens.pop(0)  # the window began inside this word
    if tokens and hi < len(text) and _TOKEN_RE.match(text, hi):
        tokens.pop()
    if not tokens:
        return " ".join(text.split()[:SNIPPET_WORDS]), ()
    matched = _matches([fold(t.group()) for t in tokens], phrases)  # (first token, last)
    first = matched[0][0] if matched else 0
    last = matched[0][1] if matched else 0
    start_token = max(0, min(first - _LEAD_WORDS, len(tokens) - SNIPPET_WORDS))
    end_token = min(len(tokens), max(start_token + SNIPPET_WORDS, last + 1)) - 1
    start = 0 if start_token == 0 and lo == 0 else tokens[start_token].start()
    whole = end_token == len(tokens) - 1 and hi == len(text)
    end = len(text) if whole else tokens[end_token].end()
    lead = "…" if start > 0 else ""
    snippet = lead + text[start:end] + ("…" if end < len(text) else "")
    shift = len(lead) - start
    spans = tuple(
        (tokens[a].start() + shift, tokens[b].end() + shift)
        for a, b in matched
        if start_token <= a and b <= end_token
    )
    return snippet, spans


_Phrase = tuple[str, ...]


def _phrases(words: list[str]) -> tuple[_Phrase, ...]:
    """Each query word as the tokens FTS5 makes of it (letters and digits: ``func_12_3`` is
    func, 12, 3); a word with none (``_``) is left out, as FTS5 leaves out an empty phrase."""
    return tuple(p for w in words if (p := tuple(_TOKEN_RE.findall(w))))


def _matches(tokens: list[str], phrases: tuple[_Phrase, ...]) -> list[tuple[int, int]]:
    """The (first, last) indices of the runs of folded `tokens` that are one of `phrases`
    (the last phrase's last token may be only begun), in order, never overlapping."""
    found: list[tuple[int, int]] = []
    n = 0
    while n < len(tokens):
        size = next((len(p) for i, p in enumerate(phrases)
                     if _phrase_at(tokens, n, p, i == len(phrases) - 1)), 0)  # fmt: skip
        if size:
            found.append((n, n + size - 1))
        n += max(size, 1)
    return found


def _phrase_at(tokens: list[str], n: int, phrase: _Phrase, prefix: bool) -> bool:
    """Whether `phrase`'s tokens are `tokens` from `n` on (the last only begun if `prefix`)."""
    if n + len(phrase) > len(tokens):
        return False
    *whole, end = phrase
    if any(tokens[n + k] != word for k, word in enumerate(whole)):
        return False
    token = tokens[n + len(whole)]
    return token.startswith(end) if prefix else token == end


@functools.lru_cache(maxsize=64)
def _rule(phrases: tuple[_Phrase, ...]) -> re.Pattern[str]:
    """The first place lowered ASCII text holds one of `phrases` (the last as a prefix), its
    tokens apart by anything that is not a letter or digit, as FTS5 reads them."""
    edge = r"(?<![^\W_])"

    def rule(phrase: _Phrase) -> str:
        return r"[\W_]+".join(map(re.escape, phrase))

    parts = [edge + rule(phrases[-1])]
    if len(phrases) > 1:
        parts.append(edge + "(?:" + "|".join(map(rule, phrases[:-1])) + r")(?![^\W_])")
    return re.compile("|".join(parts))


def version_holding(held: Any, query: str) -> tuple[int, int] | None:
    """Which of the versions a turn keeps (`held`: its first message's `meta.alternatives`)
    holds a message matching `query` as the index matches it (every word, the last maybe only
    begun): (the version, from 0; the message's place in it) of the last such message, as a
    result shows it (`SearchHit.other_version`). A message whose own versions (kept inside
    this one, `alternatives.texts`) hold the match counts as its place: showing it, then its
    turn's version, reaches the words. None when none does."""
    from chatdesk.core import alternatives

    words = query_words(query)
    versions = held.get("versions") if isinstance(held, dict) else None
    if not words or not isinstance(versions, list):
        return None
    found = None
    for number, version in enumerate(versions):
        for place, item in enumerate(version if isinstance(version, list) else ()):
            if not isinstance(item, dict):
                continue
            meta = item.get("metadata")
            inner = meta.get("alternatives") if isinstance(meta, dict) else None
            texts = [parts_text(item.get("content"))]
            texts += [text for _place, text in alternatives.texts(inner)]
            if any(_holds(text, words) for text in texts):
                found = (number, place)
    return found


def holds(text: str, query: str) -> bool:
    """Whether `text` matches `query` as the index matches it: every word, the last maybe
    only begun."""
    words = query_words(query)
    return bool(words) and _holds(text, words)


def _holds(text: str, words: list[str]) -> bool:
    """Whether `text` holds every one of `words` (folded), the last maybe only begun; a word
    of several tokens (``func_12_3``) where they follow each other."""
    phrases = _phrases(words)
    if not phrases:
        return False
    tokens = [fold(token) for token in _TOKEN_RE.findall(text)]
    if all(len(p) == 1 for p in phrases):  # the common case: a set, not a walk
        single = set(tokens)
        return {p[0] for p in phrases[:-1]} <= single and any(
            t.startswith(phrases[-1][0]) for t in single
        )
    last = len(phrases) - 1
    return all(
        any(_phrase_at(tokens, n, p, i == last) for n in range(len(tokens)))
        for i, p in enumerate(phrases)
    )


def find_query(query: str, text: str) -> str:
    """What the find bar looks for in a message a search result opened: the query itself when
    `text` holds it as typed (case aside), else the first word of `text` it matched (the
    words of a search may be apart, or the last the start of a longer word). The query when
    neither is found."""
    query = " ".join(query.split())
    if query.casefold() in text.casefold():
        return query
    _snippet, spans = cut_snippet(text, query_words(query))
    if spans:
        start, end = spans[0]
        return _snippet[start:end]
    return query
