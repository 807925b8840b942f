"""Every new conversation is a library conversation: written to its library file as it
changes, with nothing to "Save".

A tracked session is written `QUIET_MS` after its last change, and at most `MAX_WAIT_MS`
after its first unwritten one (a streaming reply is written about once a second), so no more
than about a second of work is ever only in memory. The write and the index update run on the
thread pool from a `Conversation.snapshot()`, one at a time, as the autosaver's recovery
copies do: the GUI thread's share does not grow with the conversation. The index is updated
from the first message that changed since the last write (a finished reply costs the reply).

A conversation is written only once it holds something (a message, a draft or a title): an
empty "New conversation" leaves no file. Once written, `session.path` is its library file and
`session.library_id` its id; `session.modified` is False again as soon as what is on disk is
what is shown, so closing or quitting asks nothing. When another chatdesk changed the file
meanwhile, `Library.save` keeps both and the session continues as the new copy
(`conflicted`). A file opened from elsewhere is not tracked: it stays the user's file.

A reply streaming here is saved with this process's "writing" mark (`core/in_flight.py`), which
another chatdesk checks by its time: a session whose request is in flight is written again at
least every `REFRESH_S`, even when nothing new arrived (a reasoning model thinking, a retry
waiting). The other way round, a conversation whose last reply another live chatdesk is
writing is not written from here (`_held`): the draft typed meanwhile waits, since a write now
would make that chatdesk keep its reply as a "(changed in two places)" copy; closing or
quitting writes it all the same (`flush`: both versions kept, nothing lost).

Signals: saved(object session, object entry: LibraryEntry) after each write, with what the
sidebar lists of it (the one row it updates); conflicted(str id, str title): the session was
kept as a copy titled `title` because another chatdesk changed conversation `id`;
problemChanged(str problem or "").
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

from chatdesk.core.in_flight import REFRESH_S, written_elsewhere
from chatdesk.core.library import Library, LibraryEntry, Saved, Summary
from chatdesk.core.library_index import LibraryIndex
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.qt.core import QObject, QTimer, Signal
from chatdesk.ui.worker import JobChannel
from chatdesk.ui.write_queue import WriteQueue

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.disk_state import DiskState

QUIET_MS = 300
MAX_WAIT_MS = 800  # plus the write itself: about a second at most
TICK_MS = 100
log = logging.getLogger(__name__)


class LibrarySaver(QObject):
    saved = Signal(object, object)
    conflicted = Signal(str, str)
    problemChanged = Signal(str)

    def __init__(
        self, library: Library, index: LibraryIndex, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.index = index
        self.problem = ""
        self._written: dict[ChatSession, int] = {}  # revision on disk
        self._first_change: dict[ChatSession, int] = {}  # history index, since the last write
        self._dirty_since: dict[ChatSession, float] = {}
        self._seen: dict[ChatSession, int] = {}  # revision at the last tick
        self._wrote_at: dict[ChatSession, float] = {}  # monotonic, of its last write
        self._listeners: dict[ChatSession, object] = {}
        # What the last write of each id made, until its result is applied on the GUI thread:
        # a flush right after a background write compares the file with it, not with the state
        # before (which made a spurious "(changed in two places)" copy on a quick close).
        self._latest: dict[str, Saved] = {}
        self._superseded: set[ChatSession] = set()  # its background result comes too late
        # The write running: its session and the revision it writes, until its result is applied.
        self._running: tuple[ChatSession, int] | None = None
        self._jobs = JobChannel(self)
        self._jobs.returned.connect(self._returned)
        self._jobs.errored.connect(self._errored)
        self._queue = WriteQueue(lambda: self._running is not None, lambda s: s in self._written,
                                 self._start)  # fmt: skip
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()  # one write at a time, pool or GUI thread (flush)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    # -- which sessions ----------------------------------------------------------------------
    def consider(self, session: ChatSession) -> bool:
        """Track `session` when it is new (no file) or a library file; True if tracked."""
        if session.path is None:
            self.track(session, None)
        elif (id := self.library.id_of(session.path)) is not None:
            self.track(session, id)
        return session in self._written

    def track(self, session: ChatSession, id: str | None) -> None:
        session.library_id = id
        self._written[session] = session.revision if id is not None else -1
        self._seen[session] = session.revision
        self._wrote_at[session] = time.monotonic()
        self._first_change[session] = len(session.conversation)

        def changed(index: int, s: ChatSession = session) -> None:
            self._first_change[s] = min(self._first_change.get(s, index), index)

        self._listeners[session] = changed
        session.conversation.subscribe(changed)
        if id is None and _worth_keeping(session):  # opened with content, never written
            self.save_soon(session)

    def forget(self, session: ChatSession) -> None:
        """Stop following `session` (closed); what it held was written by `flush` first."""
        listener = self._listeners.pop(session, None)
        if listener is not None:
            session.conversation.unsubscribe(listener)  # type: ignore[arg-type]
        for table in (
            self._written,
            self._first_change,
            self._dirty_since,
            self._seen,
            self._wrote_at,
        ):
            table.pop(session, None)  # type: ignore[attr-defined]
        self._superseded.discard(session)
        self._queue.discard(session)
        if self.problem and not any(
            s.revision != written and _worth_keeping(s) for s, written in self._written.items()
        ):
            self._set_problem("")  # nothing is at risk now; the next change tries (and says)

    def tracked(self, session: ChatSession) -> bool:
        return session in self._written

    def written(self, session: ChatSession) -> bool | None:
        """Whether what `session` shows is what this window last wrote of it (or read, for
        one opened and not changed since): True; False when it changed since; None while a
        write runs (ask again once it ends). False for a session not tracked."""
        if session not in self._written or session.revision != self._written[session]:
            return False
        return None if self._running is not None else True

    @property
    def writing(self) -> bool:
        """Whether a background write runs, or its result is still to be applied."""
        return self._running is not None

    # -- when --------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.monotonic()
        for session in list(self._written):
            revision = session.revision
            if revision == self._written[session]:
                # Its reply's mark says when this window last wrote: kept fresh while it waits.
                if session.busy and now - self._wrote_at.get(session, now) >= REFRESH_S:
                    self._wrote_at[session] = now  # not again before this write is applied
                    self.save_soon(session)
                continue
            if not _worth_writing(session) or _held(session):
                continue
            since = self._dirty_since.setdefault(session, now)
            quiet = revision == self._seen.get(session)
            self._seen[session] = revision
            if (quiet and (now - since) * 1000 >= QUIET_MS) or (now - since) * 1000 >= MAX_WAIT_MS:
                self.save_soon(session)

    def save_soon(self, session: ChatSession) -> None:
        """Write the session on the thread pool (after the write running, if any)."""
        self._queue.add(session)

    def _start(self, session: ChatSession) -> None:
        id, expect, revision = session.library_id, session.disk, session.revision
        first = self._first_change.get(session, 0)
        if id is None:
            id, expect = self.library.new_id(), None
            session.library_id = id
        self._first_change[session] = len(session.conversation)
        self._dirty_since.pop(session, None)
        # (With the draft the file keeps: this window's, or another's: core/window_draft.py.)
        snapshot = session.window_draft.to_write(session.conversation.snapshot())
        self._idle.clear()

        def write() -> tuple[Saved, LibraryEntry]:
            # The GIL goes back to the GUI thread at once, before the serialising holds it:
            # else the GUI thread waits for the switch interval (5 ms) to leave `start()`.
            time.sleep(0)
            try:
                return self._write(id, snapshot, expect, first)
            finally:
                self._idle.set()

        self._running = (session, revision)
        self._jobs.start(write)

    def _returned(self, result: tuple[Saved, LibraryEntry]) -> None:
        if self._running is not None:
            self._done(*self._running, result, None)

    def _errored(self, exc: object) -> None:
        if self._running is not None:
            self._done(*self._running, None, exc)

    def _write(
        self, id: str, conv: Conversation, expect: DiskState | None, first: int
    ) -> tuple[Saved, LibraryEntry]:
        with self._lock:
            saved = self.library.save(id, conv, expect)
            self._latest[id] = saved
            if saved.conflict is not None:  # indexed as the copy was written: by its title
                conv = conv.snapshot()
                conv.title = saved.title
            try:
                entry = self.index.put(
                    saved.id, conv, saved.disk.mtime_ns, saved.disk.size,
                    from_message=first if saved.id == id else 0,
                )  # fmt: skip
            except (OSError, sqlite3.Error) as exc:  # the file is written; refresh catches up
                log.warning("the library index was not updated: %s", exc)
                summary = Summary.of(conv)
                entry = LibraryEntry(
                    saved.id, self.library.path(saved.id), summary.title, summary.last_activity,
                    summary.messages, summary.pinned, False, None, saved.disk.mtime_ns,
                    saved.disk.size,
                )  # fmt: skip
            return saved, entry

    def _done(
        self,
        session: ChatSession,
        revision: int,
        result: tuple[Saved, LibraryEntry] | None,
        exc: object,
    ) -> None:
        self._running = None
        if session in self._superseded:
            self._superseded.discard(session)  # a flush wrote after it and applied its own
        elif session in self._written:
            if result is None:
                self._failed(session, exc)
            else:
                self._apply(session, revision, *result)
        self._queue.next()

    def _apply(
        self, session: ChatSession, revision: int, saved: Saved, entry: LibraryEntry
    ) -> None:
        self._latest.pop(session.library_id or "", None)
        self._latest.pop(saved.id, None)
        session.library_id = saved.id
        session.path = self.library.path(saved.id)
        session.disk = saved.disk
        self._written[session] = revision
        self._wrote_at[session] = time.monotonic()
        if saved.conflict is not None:
            # The copy's title says so; the session goes on as the copy and keeps that title
            # (else its next write would put the old one back).
            session.set_title(saved.title)
            self.conflicted.emit(saved.conflict, saved.title)
        if session.revision == revision and session.modified:
            session.set_modified(False)
        self._set_problem("")
        self.saved.emit(session, entry)

    def _failed(self, session: ChatSession, exc: object) -> None:
        self._latest.pop(session.library_id or "", None)
        why = getattr(exc, "strerror", None) or str(exc)
        self._first_change[session] = 0  # write it whole next time
        self._set_problem(
            f"Conversations are not being saved to the library ({why}, in "
            f"{self.library.folder}); they are kept as recovery copies meanwhile."
        )

    # -- now ---------------------------------------------------------------------------------
    def flush(self, session: ChatSession) -> bool:
        """Write `session` now, on this thread, if it changed since it was written (closing,
        quitting). False when the disk refused (the problem is shown; nothing is lost: the
        recovery copy still holds it)."""
        if session not in self._written or session.revision == self._written[session]:
            return True
        if not _worth_writing(session):
            return True
        self.wait()
        id, expect, revision = session.library_id, session.disk, session.revision
        if id is None:
            id, expect = self.library.new_id(), None
        elif (latest := self._latest.pop(id, None)) is not None:
            id, expect = latest.id, latest.disk  # written in the background, not yet applied
            self._superseded.add(session)
        first = self._first_change.get(session, 0)
        conv = session.window_draft.to_write(session.conversation.snapshot())
        try:
            result = self._write(id, conv, expect, first)
        except OSError as exc:
            self._failed(session, exc)
            return False
        self._first_change[session] = len(session.conversation)
        self._apply(session, revision, *result)
        return True

    def write_later(self, session: ChatSession) -> None:
        """`session` holds what its file does not (a draft carried over when it followed the
        file): written at the next tick that may write it."""
        if session in self._written:
            self._written[session] = -1

    def wait(self, seconds: float = 5.0) -> bool:
        """Until no background write runs (at most `seconds`); False if one still does."""
        return self._idle.wait(seconds)

    def stop(self) -> None:
        self._timer.stop()

    def _set_problem(self, text: str) -> None:
        """Say a new problem (logged once: the write is tried again every few tenths of a
        second while it lasts) or its end."""
        if text != self.problem:
            if text:
                log.warning("%s", text)
            self.problem = text
            self.problemChanged.emit(text)


def _worth_keeping(session: ChatSession) -> bool:
    conv = session.conversation
    return bool(len(conv) or conv.draft.strip() or conv.title.strip())


def _held(session: ChatSession) -> bool:
    """Another live chatdesk is writing the conversation's last reply: not written from here."""
    return session.library_id is not None and written_elsewhere(session.conversation) is not None


def _worth_writing(session: ChatSession) -> bool:
    """A conversation with a file is written whatever it holds now: a draft typed and erased
    again must not come back from the file (tester, session 12); one without is written once
    it holds something."""
    return session.library_id is not None or _worth_keeping(session)
