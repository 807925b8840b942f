"""A conversation's rows in the library's index (`library_index`): its `conversations` row,
and its FTS rows, whose rowids say where each text is:

    num << SHIFT                      the title
    num << SHIFT | i + 1              history message i (below VERSIONS: 8 million of them)
    num << SHIFT | VERSIONS + k       the k-th message the turns' other versions keep
                                      (Regenerate, edits: `alternatives`, at any depth),
                                      counted in the order of the history messages holding
                                      them (its `position`: that one's index and its own)

so an update from message *i* on deletes a rowid range or two and inserts only what changed
(the history's rows from *i*, the kept versions of messages from *i*): indexing a finished
reply costs the reply, not the conversation. `num` orders the conversations (`library_order`).

Every function runs inside the caller's write transaction (`sqlite_shared.writing`).
"""

from __future__ import annotations

import bisect
import os
import sqlite3
from pathlib import Path

from chatdesk.core import library_order
from chatdesk.core.library import Summary
from chatdesk.core.library_search import SHIFT, VERSIONS, held_at
from chatdesk.core.text_policy import storable

_SPAN = 1 << SHIFT  # rowids per conversation


def upsert(
    db: sqlite3.Connection, id: str, path: Path, summary: Summary, trashed: bool,
    error: str | None, mtime_ns: int, size: int,
) -> tuple[int, bool]:  # fmt: skip
    """Insert or update the conversation's row, at the num its last activity gives it
    (`library_order`); its num, and whether its indexed rows are kept where they were (False:
    new, or moved, its text rows gone)."""
    values = (
        os.fspath(path), storable(summary.title), summary.last_activity, summary.messages,
        int(summary.pinned), int(trashed), error, mtime_ns, size,
    )  # fmt: skip
    row = db.execute("SELECT num FROM conversations WHERE id = ?", (id,)).fetchone()
    current = None if row is None else int(row[0])
    num = library_order.place(db, id, summary.last_activity, current)
    if num == current:
        db.execute(
            "UPDATE conversations SET path = ?, title = ?, last_activity = ?, messages = ?, "
            "pinned = ?, trashed = ?, error = ?, mtime_ns = ?, size = ? WHERE num = ?",
            (*values, num),
        )
        return num, True
    db.execute(
        "INSERT INTO conversations(num, id, path, title, last_activity, messages, pinned, "
        "trashed, error, mtime_ns, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (num, id, *values),
    )
    return num, False


def replace_text(
    db: sqlite3.Connection, num: int, id: str, title: str,
    texts: tuple[list[str], list[tuple[int, int, str]]], first: int | None,
) -> None:  # fmt: skip
    """The title row and the rows of messages `first`… of conversation `num` and of the other
    versions they hold, anew (None: it has none yet). `texts`: the history's texts, and
    (holding message, text) of the other versions' messages (`Conversation.version_texts`).
    Nothing is deleted for a new one: a statement that reads FTS5's table makes it write out
    the rows inserted before it in the transaction, many small pieces to merge."""
    history, versions = texts
    base, kept = num << SHIFT, 0
    if first is not None:
        first = max(0, min(first, len(history)))
        kept = bisect.bisect_left(versions, first, key=lambda held: held[0])  # held before
        db.execute("DELETE FROM message_text WHERE rowid = ?", (base,))
        if kept:  # else one range holds both: a statement fewer (every reply's update)
            db.execute("DELETE FROM message_text WHERE rowid >= ? AND rowid < ?",
                       (base + VERSIONS + kept, base + _SPAN))  # fmt: skip
        db.execute(
            "DELETE FROM message_text WHERE rowid > ? AND rowid < ?",
            (base + first, base + (VERSIONS if kept else _SPAN)),
        )
    else:
        first = 0
    # storable(): a lone surrogate (half an emoji) is U+FFFD, as in the file; SQLite takes UTF-8.
    rows = [(base, storable(title), id, -1)]
    rows += [(base + i + 1, storable(history[i]), id, i)
             for i in range(first, min(len(history), VERSIONS - 1)) if history[i]]  # fmt: skip
    rows += [(base + VERSIONS + k, storable(text), id, held_at(holder, index))
             for k, (holder, index, text) in enumerate(versions[kept:VERSIONS], kept)
             if text]  # fmt: skip
    db.executemany(
        "INSERT INTO message_text(rowid, text, conversation, position) VALUES (?, ?, ?, ?)", rows
    )
