"""Searching the library (`core/library_search.py`) against a real sqlite3 with FTS5: one result
per conversation (its latest matching message, "+N more"), pages that never repeat or skip a
conversation, the trash left out, snippets cut around the match, and what the find bar looks
for when a result is opened."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import statistics
import time

import pytest

from chatdesk.core import library_search
from chatdesk.core.conversation import Conversation
from chatdesk.core.library import iso_seconds, iso_time
from chatdesk.core.library_index import LibraryIndex, available
from chatdesk.core.library_search import cut_snippet, find_query, query_words
from chatdesk.core.messages import Message, MessageMeta
from tests.core.conftest import chat, regenerate

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


def test_a_word_fts5_splits_into_tokens_is_shown_and_marked_whole(lib, index):
    """The tester's reply (session 14): `func_12_3` and `NEEDLE_END` are phrases of several
    tokens to FTS5; the snippet showed the text before them, with nothing marked."""
    code = "".join(
        f'def func_12_{n}(x, y):\n    """Doc {n}."""\n    return x * {n} + y  # comment 12-{n}\n\n'
        for n in range(8)
    )
    reply = "word0 " * 200 + code + "filler " * 50 + "\nNEEDLE_END That is the end of the plan.\n"
    id = lib.create(chat("Write the full migration plan with code", reply)).id
    index.refresh()
    [hit] = index.search("func_12_3")
    assert (hit.conversation_id, hit.message_index) == (id, 1)
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["func_12_3"]
    [hit] = index.search("NEEDLE_END")
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["NEEDLE_END"]
    assert hit.snippet.endswith("NEEDLE_END That is the end of the plan.\n")
    snippet, spans = cut_snippet("see func-12-30 and func_12_3", query_words("func_12_3"))
    assert [snippet[s:e] for s, e in spans] == ["func-12-30", "func_12_3"]  # as FTS5 matches
    assert library_search.holds(reply, "func_12_3 needle_e")
    assert not library_search.holds("func_12 and 3", "func_12_3")  # the tokens apart


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


def stamped(when: float, *texts: str) -> Conversation:
    """A conversation made at `when` (epoch seconds) whose messages were all sent then."""
    conv = Conversation(title="")
    conv.created_at = iso_time(when)
    for i, text in enumerate(texts):
        meta = MessageMeta(created_at=iso_time(when))
        conv.append(Message("user" if i % 2 == 0 else "assistant", text, meta=meta))
    return conv


def test_the_conversation_active_most_recently_comes_first(lib, index):
    """Made first, replied to last: first in the results, as in the list (not newest made)."""
    now = time.time()
    ids = [lib.create(stamped(now - 3600 * (3 - n), f"needle {n}")).id for n in range(3)]
    index.refresh()
    assert [h.conversation_id for h in index.search("needle")] == ids[::-1]
    opened = lib.load(ids[0])
    oldest = opened.conversation
    oldest.append(Message("user", "one more needle", meta=MessageMeta(created_at=iso_time(now))))
    index.put(ids[0], oldest, 2, 2, from_message=1)  # as the window's saver does after a reply
    expected = [ids[0], ids[2], ids[1]]
    hits = index.search("needle")
    assert [h.conversation_id for h in hits] == expected
    assert (hits[0].snippet, hits[0].more) == ("one more needle", 1)  # its rows moved along
    assert [e.id for e in index.entries()] == expected  # the list's order
    lib.save(ids[0], oldest, opened.disk)
    index.reset()  # made anew from the files: the same order
    index.refresh()
    assert [h.conversation_id for h in index.search("needle")] == expected


def test_results_keep_the_lists_order_through_any_changes(lib, index):
    """Conversations put in any order, many at the same second (ties go by id, as in the
    list), their activity changed again and again: every page walks them in the list's
    order, each with its own messages."""
    rng = random.Random(7)
    now = time.time()
    ids = [f"c{n:03d}" for n in range(60)]
    activity: dict[str, float] = {}
    for round_ in range(4):
        for id in rng.sample(ids, len(ids) if round_ == 0 else 20):
            when = now - rng.choice([0, 0, 0, 1, 2, 3600, 86_400 * 30]) - rng.random() * round_
            activity[id] = iso_seconds(iso_time(when)) or 0.0
            index.put(id, stamped(when, f"needle {id}", f"needle again {id}"), 1, 1)
        order = sorted(activity, key=lambda id: (activity[id], id), reverse=True)
        assert [e.id for e in index.entries()] == order
        seen, after = [], None
        while True:
            page = index.search_page("needle", 7, after)
            seen += [(h.conversation_id, h.snippet) for h in page.hits]
            if page.after is None:
                break
            after = page.after
        assert seen == [(id, f"needle again {id}") for id in order]


def test_a_common_start_of_a_word_costs_what_it_costs_in_a_small_library(lib, tmp_path):
    """What a user types first ("th", the start of the, that, this, there…) is answered from
    FTS5's prefix index: 2,000 conversations take about what 20 do. Without it FTS5 merged
    the rows of every word beginning with "th" before giving the first (~40 times as long)."""
    rng = random.Random(3)
    th = "the that this they there their then them these than thing think those through"
    common = [*th.split(), "a", "of", "to", "and", "is", "it", "in", "you", "for"]
    now = time.time()
    indexes = {}
    counts = {"small": 20, "big": 2_000}
    for label, count in counts.items():
        index = indexes[label] = LibraryIndex(lib, tmp_path / f"{label}.sqlite3")
        for n in range(count):
            texts = [" ".join(rng.choices(common, k=10)) for _ in range(15)]
            index.put(f"c{n:05d}", stamped(now - count + n, *texts), 1, 1)
    times: dict[str, list[float]] = {"small": [], "big": []}
    for _ in range(7):
        for label, index in indexes.items():
            started = time.perf_counter()
            page = index.search_page("th")
            times[label].append(time.perf_counter() - started)
            assert len(page.hits) == min(library_search.PAGE, counts[label])
    for index in indexes.values():
        index.close()
    big, small = statistics.median(times["big"]), statistics.median(times["small"])
    print(f"th: {big * 1000:.2f} ms over 2,000 conversations, {small * 1000:.2f} ms over 20")
    assert big < 4 * small


def test_a_reply_regenerated_away_is_found_and_the_result_says_so(lib, index):
    """The tester's case: a phrase of a reply replaced by Regenerate found nothing. Now it is
    found, the result naming the turn that keeps it and saying it is in another version; a
    message shown that matches is preferred, the others counted."""
    conv = chat("tell me about sea birds", "the pelican scoops fish into its pouch")
    regenerate(conv, 1, "gulls are everywhere on the coast")
    regenerate(conv, 1, "an albatross glides for hours")
    birds = lib.create(conv).id
    edited = chat("what is a walrus", "a large marine mammal", "and its tusks?", "ivory teeth")
    regenerate(edited, 0, "what is a seal", "a marine mammal without tusks")  # an edit
    seals = lib.create(edited).id
    index.refresh()

    [hit] = index.search("pelican")
    assert (hit.conversation_id, hit.message_index, hit.other_version) == (birds, 1, True)
    assert hit.snippet == "the pelican scoops fish into its pouch"
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["pelican"]
    [hit] = index.search("albatr")  # the version shown
    assert (hit.message_index, hit.other_version) == (1, False)
    [hit] = index.search("ivory")  # in the version an edit of question 0 replaced
    assert (hit.conversation_id, hit.message_index, hit.other_version) == (seals, 3, True)
    assert (hit.turn, hit.snippet) == (0, "ivory teeth")
    [hit] = index.search("tusks")  # shown (message 1) and kept (message 2 of version 1)
    assert (hit.message_index, hit.other_version, hit.more) == (1, False, 1)
    assert {h.conversation_id for h in index.search("marine mammal")} == {seals}


def test_which_kept_version_holds_an_opened_results_words():
    conv = chat("tell me about sea birds", "the pelican scoops fish")
    regenerate(conv, 1, "gulls are everywhere")
    regenerate(conv, 1, "an albatross glides")
    held = conv[1].meta.alternatives
    assert library_search.version_holding(held, "pelic") == (0, 0)
    assert library_search.version_holding(held, "GULLS every") == (1, 0)
    assert library_search.version_holding(held, "albatross") is None  # shown: not kept
    assert library_search.version_holding(None, "pelican") is None
    edited = chat("what is a walrus", "a large mammal", "its tusks?", "ivory teeth")
    regenerate(edited, 0, "what is a seal", "a mammal")
    held = edited[0].meta.alternatives
    assert library_search.version_holding(held, "ivory") == (0, 3)
    assert library_search.version_holding(held, "mammal") == (0, 1)


def otters() -> Conversation:
    """The tester's conversation (session 13): a reply regenerated, then its question edited
    and resent: the first reply is kept inside the version the edit replaced."""
    conv = chat("Tell me about otters glimmerfjord", "Otters hold hands; krakenblossom.")
    regenerate(conv, 1, "Second try: otters are mustelids.")
    regenerate(conv, 0, "Tell me about beavers instead", "A question about beavers.")
    return conv


def test_a_reply_kept_inside_an_edited_version_is_found(lib, index):
    """Tester, session 13: "krakenblossom", in the reply regenerated before the question was
    edited (versions[0] of the question, then its reply's alternatives), found nothing."""
    id = lib.create(otters()).id
    index.refresh()
    [hit] = index.search("krakenblossom")
    assert (hit.conversation_id, hit.other_version, hit.turn) == (id, True, 0)
    assert hit.message_index == 1  # the reply's index once its versions are shown
    assert hit.snippet == "Otters hold hands; krakenblossom."


def test_another_versions_result_gives_the_index_the_message_has_in_its_version(lib, index):
    """Tester, session 13: "Second try: otters are mustelids." is the reply (#1 of its
    version) but was given as #0, the question's index: a script landed on the question."""
    lib.create(otters())
    index.refresh()
    [hit] = index.search("mustelids")
    assert (hit.message_index, hit.turn, hit.other_version) == (1, 0, True)
    [hit] = index.search("glimmerfjord")  # the question itself: its own index
    assert (hit.message_index, hit.turn, hit.other_version) == (0, 0, True)


def test_versions_nested_past_the_bound_are_left_out_without_error():
    """A hand-made file nesting versions deeper than `alternatives.DEPTH` is indexed; the
    texts beyond the bound are not searched."""
    from chatdesk.core import alternatives

    held = None
    for level in range(alternatives.DEPTH + 5, 0, -1):  # the innermost first
        meta = {"alternatives": held} if held else {}
        held = {"shown": 1, "versions": [[{"role": "assistant", "content": f"level{level}",
                                           "metadata": meta}], None]}  # fmt: skip
    texts = alternatives.texts(held)
    assert [text for _place, text in texts][-1] == f"level{alternatives.DEPTH}"
    assert len(texts) == alternatives.DEPTH
