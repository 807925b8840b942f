"""The index keeps conversations in the list's order for search to walk (`core/library_order.py`),
against a real sqlite3: crowded conversations make room for each other, and a reply to the
conversation on top indexes only the reply."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.library_index import available
from chatdesk.core.messages import Message, MessageMeta

pytestmark = pytest.mark.skipif(not available(), reason="this SQLite has no FTS5")
BASE = 1_800_000_000.0  # epoch seconds: January 2027


def at(when: float, *texts: str) -> Conversation:
    """A conversation whose messages were sent at `when` (epoch seconds, to the millisecond)."""
    stamp = datetime.fromtimestamp(when, timezone.utc).isoformat(timespec="milliseconds")
    conv = Conversation()
    conv.created_at = stamp
    for text in texts:
        conv.append(Message("user", text, meta=MessageMeta(created_at=stamp)))
    return conv


def walked(index, query: str, page: int = 7) -> list[tuple[str, str]]:
    """Every result of `query`, page after page: (conversation id, snippet)."""
    seen, after = [], None
    while True:
        found = index.search_page(query, page, after)
        seen += [(h.conversation_id, h.snippet) for h in found.hits]
        if found.after is None:
            return seen
        after = found.after


def test_crowded_conversations_make_room_for_each_other(index):
    """Forty conversations placed one after the other into the gap between two neighbours,
    each just below the last: the gap is halved each time until there is no room, and the
    ones above are spread out again (their rows moved with them)."""
    for n in range(10):  # a second apart
        index.put(f"a{n}", at(BASE + n, f"needle a{n}"), 1, 1)
    for k in range(1, 41):  # 3.999 s, 3.998 s, …: between a3 and a4
        index.put(f"b{k:02d}", at(BASE + 4 - k / 1000, f"needle b{k:02d}"), 1, 1)
    order = [f"a{n}" for n in range(9, 3, -1)] + [f"b{k:02d}" for k in range(1, 41)]
    order += ["a3", "a2", "a1", "a0"]
    assert [e.id for e in index.entries()] == order
    assert walked(index, "needle") == [(id, f"needle {id}") for id in order]
    index.put("b20", at(BASE + 20, "needle b20", "and a reply"), 1, 1)  # on top now
    order.remove("b20")
    assert walked(index, "needle")[0] == ("b20", "needle b20")
    assert [id for id, _ in walked(index, "needle")[1:]] == order


def test_a_reply_to_the_conversation_on_top_indexes_only_the_reply(index):
    """The window's saver passes the reply's index (`from_message`): the messages before it
    stay as indexed while the conversation stays where it is, and are written again, with the
    conversation's rows, when a reply moves an older conversation to the top."""
    index.put("older", at(BASE, "needle older"), 1, 1)
    index.put("top", at(BASE + 60, "needle first"), 1, 1)
    reply = at(BASE + 120, "the first message, not read again", "needle reply")
    index.put("top", reply, 2, 2, from_message=1)
    assert [h.conversation_id for h in index.search("first")] == ["top"]  # as indexed before
    moved = at(BASE + 180, "older, all of it written again", "needle reply")
    index.put("older", moved, 2, 2, from_message=1)
    assert [h.conversation_id for h in index.search("written")] == ["older"]
    assert [h.conversation_id for h in index.search("needle")] == ["older", "top"]


def test_many_conversations_of_one_moment_put_from_the_last_down(index):
    """A refresh reads the most recently written files first, and files without a time are
    stamped when read: many share a millisecond and arrive each below the last (found
    with 1,200 such files: the spreading used up every num and then overflowed)."""
    ids = [f"c{n:04d}" for n in range(1200)][::-1]
    for n, id in enumerate(ids):
        index.put(id, at(BASE + n // 100, f"needle {id}"), 1, 1)  # 100 per second, ids down
    for n in range(50):  # and more on top afterwards
        index.put(f"d{n:02d}", at(BASE + 60 + n, f"needle d{n:02d}"), 1, 1)
    order = [f"d{n:02d}" for n in range(49, -1, -1)]
    for second in range(11, -1, -1):
        order += ids[second * 100 : second * 100 + 100]
    assert [e.id for e in index.entries()] == order
    assert [id for id, _ in walked(index, "needle", 30)] == order
