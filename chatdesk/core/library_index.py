"""The library's index: one SQLite database (Python's `sqlite3`, its FTS5 full-text engine)
that lists and searches every conversation without opening their files.

    conversations(num, id, path, title, last_activity, messages, pinned, trashed, error,
                  mtime_ns, size)
    message_text  FTS5(text, conversation UNINDEXED, position UNINDEXED), prefix = '1 2 3 4'

A conversation's FTS rows have the rowid ``num << 24 | position + 1`` (position -1 is the
title, 0… the history messages; from ``VERSIONS`` on, the messages the turns' other versions
keep: Regenerate and edits keep them, and search finds them too), so updating from message
*i* on deletes a rowid range or two and inserts only what changed: indexing a finished reply
costs the reply, not the conversation (`library_rows`; a reply that makes an older
conversation the latest active moves its rows once: `library_order`). Search
(`library_search`) walks the matching rows by descending rowid, which FTS5 walks without
sorting and `num` keeps in latest-activity order, and gives one result per conversation, a
page at a time.

The prefix indexes (https://www.sqlite.org/fts5.html#prefix_indexes) hold, for every start of
1 to 4 characters, the rows whose words begin with it: the search-as-you-type query ("th"*)
reads them lazily, as it reads one word's rows, instead of merging the lists of every word
with that start before its first row (up to ~100 ms over 1,000,000 messages for "t"). An
index of schema 2 (the same tables, without the other versions' texts) or 3 (without the
versions kept inside versions, the other versions' positions their holders') is kept: it is
marked (`_VERSIONS_UNREAD`), and the next `refresh` reads again the files that hold versions
(one look at each file's bytes; the others are not parsed), once, while search and the list
go on working from what it holds. An index of another `SCHEMA` is made anew and filled from the
files by `refresh`, as a missing one is.

The files are the truth (`library`): `refresh` compares the folder (one `scandir`) with the
stored modification times and sizes, reads only what changed, and drops what is gone. A
missing index is made and a damaged one (not a database, malformed) is deleted and made again
by `refresh`, which a window runs in the background. Each thread gets its own connection;
the database is in WAL mode with a busy timeout, so two chatdesk processes (and a reader
beside a writer) share it without "database is locked" errors.

FTS5 is part of the SQLite that Python ships on Windows and macOS and that every Linux
distribution builds; `available()` says whether this one has it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec

from chatdesk.core import library_order
from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library, LibraryEntry, LibraryFile, Summary
from chatdesk.core.library_rows import replace_text, upsert
from chatdesk.core.library_search import PAGE, SearchHit, SearchPage, search
from chatdesk.core.library_strays import Skipped, recalled, remembered
from chatdesk.core.paths import data_dir
from chatdesk.core.sqlite_shared import BUSY_TIMEOUT_MS, damaged, enter_wal, writing
from chatdesk.core.text_policy import storable

# 2: prefix indexes, nums in latest-activity order; 3: other versions' texts; 4: versions kept
# inside versions, an other version's `position` its holder's and its own (`held_at`)
SCHEMA = 4
_GROUP = 25  # files indexed in one transaction by `refresh` (~0.2 s of holding the lock)
PREFIX_LENGTHS = "1 2 3 4"  # characters: the starts of words FTS5 keeps prefix indexes for
# meta key: "1" while the files holding versions are still to be read (schema 2's or 3's index)
_VERSIONS_UNREAD = "versions_unread"


def index_path() -> Path:
    """Where the index lives: ``<data folder>/library-index.sqlite3``."""
    return data_dir() / "library-index.sqlite3"


def available() -> bool:
    """Whether this Python's SQLite has FTS5."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        return True
    except sqlite3.Error:
        return False


class RefreshReport(msgspec.Struct, frozen=True):
    """What `refresh` changed: ids read again (new or changed files), ids dropped (gone)."""

    read: tuple[str, ...]
    dropped: tuple[str, ...]
    rebuilt: bool  # the index was missing, damaged or of another folder/schema: made anew
    # Plain .json files of the folder left alone (not chatdesk's), new since the last look.
    skipped: tuple[Skipped, ...] = ()


_TABLES = (
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE conversations(
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        title TEXT NOT NULL,
        last_activity REAL NOT NULL,
        messages INTEGER NOT NULL,
        pinned INTEGER NOT NULL,
        trashed INTEGER NOT NULL,
        error TEXT,
        mtime_ns INTEGER NOT NULL,
        size INTEGER NOT NULL)""",
    "CREATE INDEX conversations_order ON conversations(last_activity, id)",
    f"""CREATE VIRTUAL TABLE message_text USING fts5(
        text, conversation UNINDEXED, position UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '{PREFIX_LENGTHS}')""",
)


class LibraryIndex:
    """The index of one library. Thread-safe: each thread uses its own connection."""

    def __init__(self, library: Library, path: Path | None = None) -> None:
        self.library = library
        self.path = Path(path) if path is not None else index_path()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._generation = 0  # bumped when the database is deleted: connections are renewed
        self.rebuilt = False  # set by `_db` when it found nothing usable and made it anew
        # `_VERSIONS_UNREAD` seen unset (only opening an index of schema 2 or 3 sets it): not
        # asked again at every refresh.
        self._versions_read = False

    # -- connections -------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None and getattr(self._local, "generation", -1) == self._generation:
            return db
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        db = self._connect()
        self._local.db, self._local.generation = db, self._generation
        return db

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._open()
        except sqlite3.DatabaseError as exc:
            if not damaged(exc):
                raise
            self._delete_files()  # not a database, or malformed: it is only a cache
            db = self._open()
        with self._lock:
            self._connections.append(db)
        return db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            enter_wal(db)
            db.execute("PRAGMA synchronous = NORMAL")  # WAL keeps it consistent; it is a cache
            if self._schema(db) != str(SCHEMA):
                # Another process may be making it too: one makes it, the other then uses it.
                db.execute("BEGIN IMMEDIATE")
                try:
                    schema = self._schema(db)
                    if schema in ("2", "3"):  # the same tables: kept (the module docstring)
                        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'",
                                   (str(SCHEMA),))  # fmt: skip
                        db.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')",
                                   (_VERSIONS_UNREAD,))  # fmt: skip
                        self._versions_read = False
                    elif schema != str(SCHEMA):
                        self._create(db)
                    db.commit()
                except BaseException:
                    db.rollback()
                    raise
        except BaseException:
            db.close()
            raise
        return db

    def _schema(self, db: sqlite3.Connection) -> str | None:
        """The schema of the index in `db`; None when it is new or another folder's."""
        try:
            rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:  # no such table: a new file
            return None
        return str(rows.get("schema")) if rows.get("folder") == self._folder_key() else None

    def _create(self, db: sqlite3.Connection) -> None:
        """The tables, anew, inside the caller's transaction."""
        for table in ("meta", "conversations", "message_text"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in _TABLES:
            db.execute(statement)
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("schema", str(SCHEMA)), ("folder", self._folder_key())],
        )
        self.rebuilt = True

    def _meta(self, key: str, value: str | None = None) -> str | None:
        """The `meta` row `key`, after setting it to `value` when one is given."""

        def work(db: sqlite3.Connection) -> str | None:
            if value is not None:
                with writing(db):
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

        return self._guarded(work)  # type: ignore[return-value]

    def _folder_key(self) -> str:
        # realpath: one folder reached through a link is still the same library.
        return os.path.normcase(os.path.realpath(self.library.folder))

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

    def _guarded(self, work: Callable[[sqlite3.Connection], object]) -> object:
        """Run `work` on this thread's connection; a damaged database is deleted, made anew
        (empty: `refresh` fills it again) and `work` runs once more (by the outermost call,
        when `work` runs inside another's transaction)."""
        db = self._db()
        try:
            return work(db)
        except sqlite3.DatabaseError as exc:
            if not damaged(exc) or db.in_transaction:
                raise
            self.reset()
            return work(self._db())

    def reset(self) -> None:
        """Delete the index and start an empty one (`refresh` fills it from the files)."""
        self.close()
        self._delete_files()

    def close(self) -> None:
        """Close every connection (a later call opens them again)."""
        with self._lock:
            for db in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
            self._connections.clear()
            self._generation += 1

    # -- reading -----------------------------------------------------------------------------
    def entries(self, trashed: bool = False) -> list[LibraryEntry]:
        """Every indexed conversation (or every trashed one): pinned first, then newest
        activity first. Opens no file: 10,000 conversations take a few milliseconds."""

        def work(db: sqlite3.Connection) -> list[LibraryEntry]:
            rows = db.execute(
                "SELECT id, path, title, last_activity, messages, pinned, trashed, error, "
                "mtime_ns, size FROM conversations WHERE trashed = ? "
                "ORDER BY pinned DESC, last_activity DESC, id DESC",
                (int(trashed),),
            ).fetchall()
            return [_entry(row) for row in rows]

        return self._guarded(work)  # type: ignore[return-value]

    def entry(self, id: str) -> LibraryEntry | None:
        def work(db: sqlite3.Connection) -> LibraryEntry | None:
            row = db.execute(
                "SELECT id, path, title, last_activity, messages, pinned, trashed, error, "
                "mtime_ns, size FROM conversations WHERE id = ?",
                (id,),
            ).fetchone()
            return _entry(row) if row else None

        return self._guarded(work)  # type: ignore[return-value]

    def search(self, query: str, limit: int = PAGE) -> list[SearchHit]:
        """The first `limit` conversations matching `query`, latest activity first: see
        `library_search.search` (one hit per conversation, its latest matching message)."""
        return list(self.search_page(query, limit).hits)

    def search_page(self, query: str, limit: int = PAGE, after: int | None = None) -> SearchPage:
        """A page of `library_search.search`; `after` from the previous page for the next."""

        def work(db: sqlite3.Connection) -> SearchPage:
            return search(db, query, limit, after)

        return self._guarded(work)  # type: ignore[return-value]

    # -- writing -----------------------------------------------------------------------------
    def put(
        self,
        id: str,
        conv: Conversation,
        mtime_ns: int,
        size: int,
        *,
        from_message: int = 0,
        trashed: bool = False,
    ) -> LibraryEntry:
        """Index conversation `id` as `conv` holds it, after its file was written with this
        modification time (ns) and size. Messages before `from_message` are taken as already
        indexed and unchanged (a reply's update passes the reply's index). Returns the entry
        as `entries` will list it (the sidebar updates its one row from it)."""
        summary = Summary.of(conv)
        texts = list(conv.texts())
        versions = conv.version_texts()
        path = self.library.path(id, trashed)

        def work(db: sqlite3.Connection) -> None:
            with writing(db):
                num, kept = upsert(db, id, path, summary, trashed, None, mtime_ns, size)
                first = from_message if kept else None
                replace_text(db, num, id, summary.title, (texts, versions), first)

        self._guarded(work)
        return LibraryEntry(
            id, path, storable(summary.title), summary.last_activity, summary.messages,
            summary.pinned, trashed, None, mtime_ns, size,
        )  # fmt: skip

    def put_entry(self, entry: LibraryEntry, conv: Conversation | None) -> None:
        """Index a file as `Library.read_entry` read it (an unreadable one with its error)."""
        if conv is not None:
            self.put(entry.id, conv, entry.mtime_ns, entry.size, trashed=entry.trashed)
            return

        def work(db: sqlite3.Connection) -> None:
            summary = Summary(entry.title, entry.last_activity, 0, False)
            with writing(db):
                num, kept = upsert(db, entry.id, entry.path, summary, entry.trashed,
                                   entry.error, entry.mtime_ns, entry.size)  # fmt: skip
                replace_text(db, num, entry.id, entry.title, ([], []), 0 if kept else None)

        self._guarded(work)

    def drop(self, ids: Iterable[str]) -> None:
        """Forget these conversations (their files are gone)."""

        def work(db: sqlite3.Connection) -> None:
            with writing(db):
                for id in ids:
                    row = db.execute("SELECT num FROM conversations WHERE id = ?", (id,)).fetchone()
                    if row is not None:
                        library_order.forget(db, row[0])

        self._guarded(work)

    def refresh(
        self, progress: Callable[[int, int], object] | None = None, batch: int = 200
    ) -> RefreshReport:
        """Bring the index in line with the files: read new and changed files (by modification
        time and size), drop ids whose files are gone. A conversation file named otherwise
        than by an id gets one first (`Library.adopt_strays`; what it leaves alone is in the
        report's `skipped`). Safe to run again at any time, from
        any thread or process; `progress(done, total)` after each batch of `batch` files.
        Never raises for a file (an unreadable one is indexed with its error); raises
        OSError/sqlite3.Error only when the index itself cannot be written."""
        self._db()  # opens (and makes anew when needed) before `rebuilt` is read
        rebuilt, self.rebuilt = self.rebuilt, False
        # What the index holds is read before the folder is listed: a conversation another
        # process creates and indexes meanwhile is then only read again, never dropped as gone
        # (listed first, it was missing from the files but in the index, and dropped).
        known = self.stamps()
        library = self.library
        strays: list[str] = []
        files = library.stamps(strays)
        skipped: tuple[Skipped, ...] = ()
        kept = self._meta("left_alone")  # what earlier starts left alone: not said again
        if strays:
            library.strays.recall(recalled(kept))
            adopted = library.adopt_strays(strays)
            skipped = tuple(library.skipped)
            if adopted:
                files = library.stamps()
        now = remembered(library.strays.left_alone)
        if now != (kept or remembered({})):
            self._meta("left_alone", now)
        # Most recently written first: the top of the list fills first, each conversation
        # placed below the ones before (cheap, as on top: `library_order`).
        stale = sorted((id for id, stamp in files.items() if known.get(id) != stamp),
                       key=lambda id: (files[id][0], id), reverse=True)  # fmt: skip
        gone = [id for id in known if id not in files]
        if gone:
            self.drop(gone)
        reading = list(stale)
        unread = not self._versions_read and self._meta(_VERSIONS_UNREAD) == "1"
        if unread:  # an index of schema 2 or 3: the files holding versions are read again
            reading += [id for id in sorted(set(files) - set(stale), reverse=True)
                        if _holds_versions(library.path(id, files[id][2]))]  # fmt: skip
        for start in range(0, len(reading), batch):
            ids = reading[start : start + batch]
            for first in range(0, len(ids), _GROUP):
                read = []
                for id in ids[first : first + _GROUP]:
                    mtime_ns, size, trashed = files[id]
                    path = library.path(id, trashed)
                    read.append(library.read_entry(LibraryFile(id, path, trashed, mtime_ns, size)))
                self._put_all(read)
            if progress is not None:
                progress(min(start + batch, len(reading)), len(reading))
        if unread:
            self._meta(_VERSIONS_UNREAD, "0")
        self._versions_read = True
        return RefreshReport(tuple(stale), tuple(gone), rebuilt, skipped)

    def _put_all(self, read: list[tuple[LibraryEntry, Conversation | None]]) -> None:
        """`put_entry` for each, in one transaction: FTS5 writes its new rows out and merges
        them into its tables once per transaction, so one per file made a rebuild ~2× longer."""

        def work(db: sqlite3.Connection) -> None:
            with writing(db):
                for entry, conv in read:
                    self.put_entry(entry, conv)

        self._guarded(work)

    def stamps(self) -> dict[str, tuple[int, int, bool]]:
        """Every indexed conversation as id -> (modification time ns, size, trashed) of its
        file when it was indexed: compared with `Library.stamps` to find what changed."""

        def work(db: sqlite3.Connection) -> dict[str, tuple[int, int, bool]]:
            rows = db.execute("SELECT id, mtime_ns, size, trashed FROM conversations")
            return {id: (m, s, bool(t)) for id, m, s, t in rows}

        return self._guarded(work)  # type: ignore[return-value]


def _entry(row: tuple[Any, ...]) -> LibraryEntry:
    id, path, title, last, messages, pinned, trashed, error, mtime_ns, size = row
    return LibraryEntry(
        id, Path(path), title, last, messages, bool(pinned), bool(trashed), error, mtime_ns, size
    )


def _holds_versions(path: Path) -> bool:
    """Whether a conversation file may hold other versions of a turn (`alternatives`): its
    bytes name the field. A look, no parsing; a false yes costs one read of the file."""
    try:
        with open(path, "rb") as file:
            return b'"alternatives"' in file.read()
    except OSError:
        return False
