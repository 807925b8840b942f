"""Search results in the real window's sidebar: one row per conversation with "+N more", a page
at a time (the next page when the list is scrolled to its end)."""

from __future__ import annotations

import contextlib
import sqlite3
import time

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import iso_time
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.library_jobs import SEARCH_PAGE
from chatdesk.ui.library_model import Roles
from chatdesk.ui.roles import ACCESSIBLE_TEXT


def test_results_are_one_row_per_conversation_a_page_at_a_time(qtbot, window):
    library = window.context.library
    # Conversation numbers past 2**31 >> 24, as in a library of 10,000 (rowids beyond 32 bits).
    window.context.library_index.entries()  # the index exists, with its tables
    with contextlib.closing(sqlite3.connect(window.context.library_index.path)) as db:
        db.execute("INSERT INTO conversations(num, id, path, title, last_activity, messages, "
                   "pinned, trashed, mtime_ns, size) VALUES (100000, 'x', 'x', 'x', 0, 0, 0, 0, "
                   "0, 0)")  # fmt: skip
        db.execute("DELETE FROM conversations WHERE num = 100000")
        db.commit()
    now = time.time()
    for n in range(SEARCH_PAGE + 15):
        conv = Conversation(title=f"Chat {n}")
        for text in (f"a needle {n}", "nothing", f"needle again {n}"):
            conv.append(Message("user", text, meta=MessageMeta(created_at=iso_time(now))))
        library.create(conv)
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    model = sidebar.library_model
    qtbot.waitUntil(lambda: model.rowCount() > SEARCH_PAGE + 15, timeout=10_000)
    sidebar.search.setText("needle")
    results = sidebar.search_model
    qtbot.waitUntil(lambda: sidebar.list.model() is results and results.rowCount() > 0,
                    timeout=10_000)  # fmt: skip
    assert results.rowCount() == SEARCH_PAGE
    assert sidebar.status.text() == f"{SEARCH_PAGE}+ conversations"
    first = results.index(0)
    hit = first.data(Roles.Hit)
    assert (hit.message_index, hit.more) == (2, 1)  # the latest match, and one more
    assert first.data(ACCESSIBLE_TEXT).endswith("+1 more")
    sidebar.list.scrollToBottom()  # the view asks for the next page
    qtbot.waitUntil(lambda: results.rowCount() == SEARCH_PAGE + 15, timeout=10_000)
    ids = [results.index(r).data(Roles.Id) for r in range(results.rowCount())]
    assert results.after is None
    assert len(set(ids)) == len(ids)
    assert not results.canFetchMore()
