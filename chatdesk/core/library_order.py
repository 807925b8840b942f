"""Where a conversation's rows sit in the library's index, so that search walks them in the
list's order: latest activity first.

Search (`library_search`) walks FTS5's matching rows by descending rowid, which FTS5 does
without sorting and stops after a page: its cost does not grow with the library. A
conversation's rows have the rowids ``num << SHIFT | position + 1``, so the walk's order is
the order of `num`. This module keeps it the order of (last_activity, id), the key the
sidebar and `chatdesk list` sort by (after the pins):

    a.num < b.num  exactly when  (a.last_activity, a.id) < (b.last_activity, b.id)

A conversation keeps its num while it stays between its neighbours: a reply to the
conversation already on top, the common case, moves nothing. Otherwise (new, or its activity
passed another's: a reply to an older conversation) it is given a free num between its new
neighbours, and its rows are written there, once. Nums are spread out so there is room: on
top, at least `GAP` above the one below and no lower than `RESOLUTION` × the activity in epoch
seconds (conversations placed later fall between by their time), and likewise at the
bottom (a refresh reads the most recently written files first); between two, the middle.
When two neighbours leave no room (a dozen placed into one gap), the conversations just above
are spread out again over a stretch at least twice as long as they need (`_spread`), moving
their rows: a few conversations, rarely.

Every function runs inside the caller's write transaction (`sqlite_shared.writing`).
"""

from __future__ import annotations

import sqlite3

from chatdesk.core.library_search import SHIFT

RESOLUTION = 64  # nums per second of activity
GAP = 1024  # nums between a conversation placed on top and the one below it
SPACING = 64  # nums between conversations spread out again
LAST = (1 << (63 - SHIFT)) - 2  # the largest num whose rowid range ends within 64 bits
_SPAN = 1 << SHIFT  # rowids per conversation
_ABOVE = (
    "SELECT num FROM conversations WHERE (last_activity, id) > (?, ?) AND id != ? "
    "ORDER BY last_activity, id LIMIT ?"
)


def ideal(activity: float) -> int:
    """The lowest num a conversation placed on top at `activity` (epoch seconds) takes."""
    return min(max(int(activity * RESOLUTION), 1), LAST)


def place(db: sqlite3.Connection, id: str, activity: float, current: int | None) -> int:
    """The num conversation `id` (now at num `current`, None: not indexed) must have once its
    last activity is `activity`: `current` when it still sits between its neighbours, else a
    free num; then its row and text rows at `current` are deleted (`forget`: the caller
    writes them anew) and conversations above may have been moved to make room."""
    key = (activity, id, id)
    below = db.execute(
        "SELECT num FROM conversations WHERE (last_activity, id) < (?, ?) AND id != ? "
        "ORDER BY last_activity DESC, id DESC LIMIT 1",
        key,
    ).fetchone()
    above = db.execute(_ABOVE, (*key, 1)).fetchone()
    low = below[0] if below else 0
    high = above[0] if above else LAST + 1
    if current is not None:
        if low < current < high:
            return current
        forget(db, current)  # before making room: a neighbour may move into its num
    if above is None and low < LAST:
        return min(max(ideal(activity), low + GAP), LAST)
    if below is None and high >= 2:  # at the bottom: as on top, or halfway down to 0
        return max(min(ideal(activity), high - GAP), high // 2)
    if high - low >= 2:
        return (low + high) // 2
    return _spread(db, key, low)


def _spread(db: sqlite3.Connection, key: tuple[float, str, str], low: int) -> int:
    """Make room just above num `low` for the conversation of `key`: the k conversations
    above it (k = 1, 2, 4…, until the stretch up to the next one gives each `SPACING` twice
    over) are spread evenly over that stretch with it, at most `GAP` apart (the top's
    stretch is the rest of the nums: it is left for later), their rows moved. Its num."""
    count = 1
    while True:
        nums = [num for (num,) in db.execute(_ABOVE, (*key, count + 1))]
        moving, bound = nums[:count], (nums[count] if len(nums) > count else LAST + 1)
        step = min((bound - low) // (len(moving) + 2), GAP)
        if step >= 2 * SPACING or len(nums) <= count:
            break
        count *= 2
    if step < 1:
        raise sqlite3.OperationalError("the library index has no room left: delete it")
    new = [low + step * (n + 2) for n in range(len(moving))]  # n + 1: the one placed
    down = [(old, to) for old, to in zip(moving, new, strict=True) if to < old]
    up = [(old, to) for old, to in zip(moving, new, strict=True) if to > old]
    # Both lists keep their order, so a num is taken only once it is left: those moving
    # down go lowest first, those moving up highest first.
    for old, to in [*down, *reversed(up)]:
        move(db, old, to)
    return low + step


def move(db: sqlite3.Connection, old: int, new: int) -> None:
    """Give conversation `old` the num `new` (free), its index rows with it."""
    low = old << SHIFT
    db.execute(
        "INSERT INTO message_text(rowid, text, conversation, position) "
        "SELECT rowid + ?, text, conversation, position FROM message_text "
        "WHERE rowid >= ? AND rowid < ?",
        ((new - old) << SHIFT, low, low + _SPAN),
    )
    db.execute("DELETE FROM message_text WHERE rowid >= ? AND rowid < ?", (low, low + _SPAN))
    db.execute("UPDATE conversations SET num = ? WHERE num = ?", (new, old))


def forget(db: sqlite3.Connection, num: int) -> None:
    """Delete conversation `num` from the index: its row, its title's and messages' rows."""
    low = num << SHIFT
    db.execute("DELETE FROM message_text WHERE rowid >= ? AND rowid < ?", (low, low + _SPAN))
    db.execute("DELETE FROM conversations WHERE num = ?", (num,))
