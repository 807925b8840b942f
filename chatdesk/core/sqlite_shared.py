"""A SQLite file that several chatdesk processes use at once (the window, `chatdesk send`,
another window): write-ahead logging entered without a spurious "database is locked", write
transactions that take the write lock from their first statement, and telling a damaged file
(made anew: it is only a cache) from a busy or read-only one (said as it is)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator

BUSY_TIMEOUT_MS = 10_000


def damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether `exc` says the database file itself is damaged (SQLITE_CORRUPT, SQLITE_NOTADB),
    the only errors for which the index is deleted and made again: a busy or locked database,
    a full disk or a read-only folder are said as they are (another process may be using it)."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (11, 26)
    text = str(exc)
    return "malformed" in text or "not a database" in text


def enter_wal(db: sqlite3.Connection) -> None:
    """Switch `db` to write-ahead logging, waiting for other processes doing the same.

    Changing the journal mode needs an exclusive lock, and SQLite returns "database is locked"
    at once, without calling the busy handler, when two connections both hold a shared lock
    and want it (deadlock avoidance, https://www.sqlite.org/c3ref/busy_handler.html). The mode
    is stored in the file, so once one process has switched, the others' pragma only reads it.

    Raises:
        sqlite3.OperationalError: still locked after `BUSY_TIMEOUT_MS`.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


@contextlib.contextmanager
def writing(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction that holds SQLite's write lock from its first statement: a read
    followed by a write (is this id indexed? then insert) cannot interleave with another
    process doing the same (the busy timeout makes the other wait). Inside one already begun
    (`refresh`'s group of files), it is part of that one."""
    if db.in_transaction:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    db.commit()
