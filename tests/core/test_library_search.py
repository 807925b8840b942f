"""Searching the library (`core/library_search.py`) against a real sqlite3 with FTS5: one result
per conversation (its latest matching message, "+N more"), pages that never repeat or skip a
conversation, the trash left out, snippets cut around the match, and what the find bar looks
for when a result is opened."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from chatdesk.core import library_search
from chatdesk.core.library_index import available
from chatdesk.core.library_search import cut_snippet, find_query, query_words
from tests.core.conftest import chat

pytestmark = pytest.mark.skipif(not available(), reason="this SQLite has no FTS5")


def test_one_result_per_conversation_with_its_latest_match_and_a_count(lib, index):
    a = lib.create(chat("the kettle is on", "a kettle whistles", "no match", "kettle again",
                        title="Tea")).id  # fmt: skip
    b = lib.create(chat("only the title matches here", title="Kettle care")).id
    c = lib.create(chat("kettles of fish")).id  # the last word is a prefix
    index.refresh()
    hits = index.search("kettle")
    assert sorted(h.conversation_id for h in hits) == sorted([a, b, c])
    by_id = {h.conversation_id: h for h in hits}
    assert (by_id[a].message_index, by_id[a].more) == (3, 2)  # "kettle again", +2 more
    assert by_id[a].snippet == "kettle again"
    assert (by_id[b].message_index, by_id[b].more) == (None, 0)  # the title only
    assert by_id[b].snippet == "Kettle care"
    assert [by_id[b].snippet[s:e] for s, e in by_id[b].highlights] == ["Kettle"]
    assert [by_id[c].snippet[s:e] for s, e in by_id[c].highlights] == ["kettles"]


def test_newest_conversations_come_first(lib, index):
    ids = [lib.create(chat(f"needle {n}")).id for n in range(3)]
    for id in ids:  # indexed as the window's saver does, one after the other
        index.put(id, lib.load(id).conversation, 1, 1)
    assert [h.conversation_id for h in index.search("needle")] == ids[::-1]


def test_pages_give_every_conversation_once_and_leave_the_trash_out(lib, index):
    ids = [lib.create(chat(f"needle {n}", f"needle again {n}")).id for n in range(75)]
    trashed = set(ids[10:15])
    for id in trashed:
        lib.trash(id)
    index.refresh()
    seen: list[str] = []
    page = index.search_page("needle", 30)
    pages = 1
    while True:
        assert len(page.hits) <= 30
        seen += [h.conversation_id for h in page.hits]
        assert all(h.more == 1 and h.message_index == 1 for h in page.hits)
        if page.after is None:
            break
        page = index.search_page("needle", 30, page.after)
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 70
    assert set(seen) == set(ids) - trashed


def test_a_conversation_with_many_matches_is_counted_up_to_the_cap(lib, index, monkeypatch):
    monkeypatch.setattr(library_search, "COUNT_CAP", 5)
    big = lib.create(chat(*[f"word {n}" for n in range(12)])).id
    small = lib.create(chat("word")).id
    older = lib.create(chat("word", "word")).id
    index.refresh()
    hits = {h.conversation_id: h for h in index.search("word")}
    assert set(hits) == {big, small, older}
    assert [hits[id].more for id in (older, small, big)] == [1, 0, 4]  # 5 counted, then on
    assert hits[big].message_index == 11


def test_the_snippet_is_cut_around_the_match_of_a_long_message():
    text = "filler " * 3000 + "the crème brûlée recipe " + "tail " * 3000
    snippet, spans = cut_snippet(text, query_words("creme brul"))
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet.split()) <= library_search.SNIPPET_WORDS + 1
    assert [snippet[s:e] for s, e in spans] == ["crème", "brûlée"]
    ascii_text = "word " * 3000 + "Needle here " + "word " * 3000
    snippet, spans = cut_snippet(ascii_text, query_words("needle"))
    assert [snippet[s:e] for s, e in spans] == ["Needle"]
    assert len(snippet) < 120


def test_what_the_find_bar_looks_for_in_an_opened_result():
    assert find_query("form 1040", "Use the Form 1040 this year") == "form 1040"
    assert find_query("1040 form", "Use the form 1040 this year") == "form"  # words apart
    assert find_query("tax", "Taxes are due") == "tax"  # a prefix is found as typed
    assert find_query("creme", "the crème brûlée") == "crème"  # accents differ


def test_a_page_costs_the_same_however_many_messages_match(lib, index):
    """300 conversations where every message matches: the first page walks its 30
    conversations' rows, not the library's (the statements run are counted)."""
    for n in range(300):
        lib.create(chat(*[f"common word {n} {m}" for m in range(20)]))
    index.refresh()
    steps: list[int] = []
    with contextlib.closing(sqlite3.connect(index.path)) as db:
        db.set_progress_handler(lambda: steps.append(1), 1000)  # every 1,000 VM steps
        page = library_search.search(db, "common", 30)
        first = len(steps)
        steps.clear()
        library_search.search(db, "common", 3)
        few = len(steps)
    assert len(page.hits) == 30
    assert page.after is not None
    assert first < 30 * few  # ten times the conversations: about ten times the work, not 100
