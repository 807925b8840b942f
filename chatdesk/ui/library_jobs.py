"""The library's work off the GUI thread: listing, refreshing the index, searching, and the
sidebar's changes (rename, pin, duplicate, trash, restore, empty the trash).

Changes and listings run one at a time, in order (a `Lane` of ui/worker.py), so a listing
asked for after a rename sees the new title; searches run in a lane of their own, so typing in
the search box never waits behind a refresh of the index, and a search is dropped when a newer
one was asked for (before it starts, or its results after). Every job ends in a signal on the
GUI thread: its result, or `failed` with the error in words.

A refresh that reads many files (the first launch, a library copied in) reports its progress
and lists what is indexed so far every `LIST_EVERY` files, and stops between batches when the
window closes (`wait`): the index keeps what was done, and the next launch goes on from there.

What the sidebar shows is remembered by each conversation's file stamp (modification time,
size, trashed), so a refresh tells the window about any difference from it, whoever made it:
this window's own writes (`note`), another window's, or a command line's (`chatdesk import`
indexes what it adds, so the index alone would look unchanged). A few changed conversations
come as `changed` (their rows replaced one by one, a cost that does not grow with the
library); anything more, or anything gone or moved to the trash, as a new listing.

Signals: listed(object entries, object trashed) with both lists of `LibraryEntry`;
changed(object entries): these conversations (not trashed) are new or changed on disk;
searched(str query, object page: SearchPage) with the first page of results, and
more(str query, object page: SearchPage) with a next one; done(str action, str id) after a change;
progress(int done, int total) while a refresh reads files; failed(str text); skipped(str
text): files put into the library folder that were left alone, and why (said once each).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chatdesk.core.fileformat import ConversationFileError
from chatdesk.core.library import Library, LibraryEntry
from chatdesk.core.library_index import LibraryIndex, RefreshReport
from chatdesk.core.library_search import PAGE, SearchPage
from chatdesk.ui.qt.core import QObject, Signal
from chatdesk.ui.worker import FunctionWorker, Lane

SEARCH_PAGE = PAGE  # conversations per page of results: the next comes when scrolled to
LIST_EVERY = 1000  # files read between two listings during a long refresh
CHANGED_AT_MOST = 20  # conversations changed elsewhere shown row by row; more: listed anew
Stamps = dict[str, tuple[int, int, bool]]  # id -> (mtime_ns, size, trashed)


class _Stopped(Exception):
    """Raised from a refresh's progress callback: the window is closing."""


class LibraryJobs(QObject):
    listed = Signal(object, object)
    changed = Signal(object)
    searched = Signal(str, object)
    more = Signal(str, object)
    done = Signal(str, str)
    progress = Signal(int, int)
    failed = Signal(str)
    skipped = Signal(str)

    def __init__(
        self, library: Library, index: LibraryIndex, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.index = index
        self._changes = Lane()
        self._searches = Lane(latest_only=True)
        self._search_generation = 0
        self._workers: set[FunctionWorker] = set()
        self._stopping = threading.Event()
        self._shown: Stamps = {}  # what the last `listed` and `changed` showed, plus `note`
        self._shown_lock = threading.Lock()

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], None], lane: Lane) -> None:
        worker = FunctionWorker(fn, self)
        self._workers.add(worker)  # kept until it ends
        worker.returned.connect(done)
        worker.errored.connect(
            lambda exc: isinstance(exc, _Stopped) or self.failed.emit(_words(exc))
        )
        worker.finished.connect(lambda: self._workers.discard(worker))
        worker.finished.connect(worker.deleteLater)
        worker.start(lane)

    @property
    def busy(self) -> bool:
        """A job asked for has not ended yet (its signal may still be on its way)."""
        return bool(self._workers)

    # -- listing -----------------------------------------------------------------------------
    def _listing(self) -> tuple[list[LibraryEntry], list[LibraryEntry]]:
        lists = self.index.entries(), self.index.entries(trashed=True)
        shown = {e.id: (e.mtime_ns, e.size, e.trashed) for entries in lists for e in entries}
        with self._shown_lock:
            self._shown = shown
        return lists

    def note(self, entry: LibraryEntry) -> None:
        """The sidebar shows `entry` as this window wrote it (a refresh then sees no change)."""
        with self._shown_lock:
            self._shown[entry.id] = (entry.mtime_ns, entry.size, entry.trashed)

    def _difference(self) -> list[LibraryEntry] | None:
        """What the index holds now that the sidebar does not show: the few conversations
        new or changed (not trashed), [] for none, None when it must be listed anew."""
        now = self.index.stamps()
        with self._shown_lock:
            shown = dict(self._shown)
        if not shown.keys() <= now.keys():
            return None  # some are gone
        ids = [id for id, stamp in now.items() if shown.get(id) != stamp]
        if len(ids) > CHANGED_AT_MOST:
            return None
        if any(now[id][2] or (id in shown and shown[id][2]) for id in ids):
            return None  # moved to or from the trash
        found = [e for id in ids if (e := self.index.entry(id)) is not None]
        with self._shown_lock:
            self._shown.update((e.id, (e.mtime_ns, e.size, e.trashed)) for e in found)
        return found

    def load(self) -> None:
        """List what the index holds now, then bring it in line with the files and list
        again if anything changed (a first launch, another process, a file edited by hand)."""
        self._run(self._listing, lambda lists: self.listed.emit(*lists), self._changes)
        self.refresh()

    def _refresh_index(self) -> RefreshReport:
        """Bring the index in line with the files (on the jobs' thread); what it changed. Files
        it left alone are said (`skipped`) from here: a refresh may stop after adopting."""
        listed = [0]

        def progress(done: int, total: int) -> None:
            if self._stopping.is_set():
                raise _Stopped
            self.progress.emit(done, total)
            if done - listed[0] >= LIST_EVERY and done < total:
                listed[0] = done
                self.listed.emit(*self._listing())  # what is indexed so far, on screen now

        report = self.index.refresh(progress)
        if report.skipped:
            self.skipped.emit(" ".join(skipped.text() for skipped in report.skipped))
        return report

    def refresh(self) -> None:
        """Bring the index in line with the files, then show what differs from what the
        sidebar shows: `changed` for a few conversations, else a new listing (`listed`)."""

        def work() -> tuple[list[LibraryEntry], list[LibraryEntry]] | list[LibraryEntry]:
            if self._refresh_index().rebuilt:
                return self._listing()
            different = self._difference()
            return self._listing() if different is None else different

        def done(out: tuple[list[LibraryEntry], list[LibraryEntry]] | list[LibraryEntry]) -> None:
            if isinstance(out, tuple):
                self.listed.emit(*out)
            elif out:
                self.changed.emit(out)

        self._run(work, done, self._changes)

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: str, after: int | None = None) -> None:
        """The first page of results for `query` (`searched`), or with `after` (the previous
        page's) the next one (`more`); a newer search drops what this one finds."""
        if after is None:
            self._search_generation += 1
        generation = self._search_generation
        signal = self.searched if after is None else self.more

        def done(page: SearchPage) -> None:
            if generation == self._search_generation:
                signal.emit(query, page)

        self._run(lambda: self.index.search_page(query, SEARCH_PAGE, after), done, self._searches)

    def cancel_search(self) -> None:
        self._search_generation += 1

    # -- changes -----------------------------------------------------------------------------
    def _change(self, action: str, id: str, fn: Callable[[], object]) -> None:
        def work() -> tuple[str, tuple[list[LibraryEntry], list[LibraryEntry]]]:
            result = fn()
            self._refresh_index()
            return (result if isinstance(result, str) else id), self._listing()

        def done(out: tuple[str, tuple[list[LibraryEntry], list[LibraryEntry]]]) -> None:
            changed_id, lists = out
            self.listed.emit(*lists)
            self.done.emit(action, changed_id)

        self._run(work, done, self._changes)

    def rename(self, id: str, title: str) -> None:
        self._change("rename", id, lambda: self.library.rename(id, title))

    def set_pinned(self, id: str, pinned: bool) -> None:
        self._change("pin" if pinned else "unpin", id, lambda: self.library.set_pinned(id, pinned))

    def duplicate(self, id: str) -> None:
        self._change("duplicate", id, lambda: self.library.duplicate(id))

    def trash(self, id: str) -> None:
        self._change("trash", id, lambda: self.library.trash(id))

    def restore(self, id: str) -> None:
        self._change("restore", id, lambda: self.library.id_of(self.library.restore(id)) or id)

    def delete_forever(self, id: str) -> None:
        self._change("delete", id, lambda: self.library.delete_forever(id))

    def empty_trash(self) -> None:
        self._change("empty", "", self.library.empty_trash)

    def wait(self, msecs: int = 3000) -> None:
        """Let running jobs end (the window is closing): a refresh stops at its next batch."""
        self._stopping.set()
        self._changes.clear()  # jobs not started yet are not wanted any more
        self._changes.wait(msecs / 1000)
        self._searches.wait(msecs / 1000)


def _words(exc: BaseException) -> str:
    if isinstance(exc, ConversationFileError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "That conversation is not in the library any more (another window moved it?)."
    if isinstance(exc, OSError):
        return f"The library could not be changed: {exc.strerror or exc}"
    return f"The library could not be changed: {exc}"
