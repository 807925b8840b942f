"""Between the window and its library sidebar: what opening, renaming, pinning and trashing a
conversation means when it is open in the window.

A conversation that is not open is changed in its file by the library (`LibraryJobs`, off the
GUI thread). One that is open is changed in memory and written by its window, so the file
never changes under an open conversation (which the next write would take for another
program's change): rename and pin change the open conversation and save it; trash saves it,
closes it, then moves the file. A search hit opens its conversation at the message, older rows
brought in as needed, with the find bar finding the search's words there; a hit in a version
of a turn that is not shown (`SearchHit.other_version`) shows that version first, as the
card's ‹ › would (what the next request sends, as always). The library starts
loading once the window has painted.

The library folder is watched (`QFileSystemWatcher`; every write into it is a rename, which a
folder's watch sees): a conversation another process adds or changes (`chatdesk import`,
`chatdesk send`, another window) is listed within about a second. An open conversation whose
file changed so follows it (`follow_disk`) when the window holds nothing unwritten of it; when
both changed, the window's next write keeps both (`Library.save`'s "(changed in two places)").

A reply another chatdesk is writing (its "writing" mark, `core/in_flight.py`) is followed as it
grows, and so is its end: the draft typed here meanwhile, which the saver holds back
(`LibrarySaver`), goes with the file each time. Whether its writer still runs is looked at every
`WRITER_CHECK_MS`: a writer that died leaves a reply cut off, and its card says so at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chatdesk.ui.qt.core import QObject, Qt, QTimer
from chatdesk.ui.qt.gui import QGuiApplication

if TYPE_CHECKING:
    from chatdesk.core.library import Library, LibraryEntry
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.find_bar import FindBar
    from chatdesk.ui.library_jobs import LibraryJobs
    from chatdesk.ui.library_saver import LibrarySaver
    from chatdesk.ui.library_sidebar import LibrarySidebar
    from chatdesk.ui.qt.core import QFileSystemWatcher
    from chatdesk.ui.transcript_view import TranscriptView

REFRESH_DELAY_MS = 800  # after a conversation is written: the index catches up in one go
RETRY_MS = 300  # an open conversation changed elsewhere, still being read or written here
# The library folder changed (a file added, replaced, renamed, removed by anyone): the index
# catches up this long after the first change, so a reply written every second costs one
# look at the folder a second at most (~60 ms off the GUI thread at 10,000 conversations).
WATCH_DELAY_MS = 1000
WRITER_CHECK_MS = 1000  # a reply being written elsewhere: is its writer still there?


class LibraryHost(Protocol):
    """What the link needs of the window (which imports this module, not the reverse)."""

    context: AppContext
    sessions: list[ChatSession]
    session: ChatSession | None
    transcript: TranscriptView
    find_bar: FindBar

    def load_file(self, path: Path) -> ChatSession: ...
    def activate(self, session: ChatSession) -> None: ...
    def when_loaded(self, session: ChatSession, then: Callable[[ChatSession], None]) -> None: ...
    def show_message(self, title: str, text: str) -> object: ...
    def show_status(self, text: str, timeout_ms: int = ...) -> None: ...
    def save_session(self, session: ChatSession) -> None: ...
    def close_session_now(self, session: ChatSession) -> None: ...
    def confirm_closing(
        self, session: ChatSession, verb: str, then: Callable[[], None]
    ) -> None: ...
    def follow_disk(self, session: ChatSession) -> ChatSession: ...
    def show_version(
        self,
        session: ChatSession,
        index: int,
        version: int,
        shown: Callable[[], None] | None = None,
        kept: Callable[[], None] | None = None,
    ) -> None: ...

    @property
    def library_saver(self) -> LibrarySaver: ...


class LibraryLink(QObject):
    def __init__(self, host: LibraryHost, sidebar: LibrarySidebar, parent: QObject) -> None:
        super().__init__(parent)
        self.host = host
        self.sidebar = sidebar
        self.jobs: LibraryJobs | None = None
        self._ids: dict[Path, str | None] = {}  # `library_id` of each path asked about
        self._ids_of: Library | None = None  # ... in this library
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh.timeout.connect(self._refresh_now)
        self._watched = QTimer(self, singleShot=True, interval=WATCH_DELAY_MS)
        self._watched.timeout.connect(self._refresh_now)
        self._watcher: QFileSystemWatcher | None = None
        self._stale: set[str] = set()  # open conversations whose file changed elsewhere
        self._retry = QTimer(self, singleShot=True, interval=RETRY_MS)
        self._retry.timeout.connect(self._follow_stale)
        # The open conversations whose last reply another chatdesk writes: its index, live.
        self._writers: dict[ChatSession, tuple[int, bool]] = {}
        self._writer_check = QTimer(self, interval=WRITER_CHECK_MS)
        self._writer_check.timeout.connect(self._check_writers)
        sidebar.openRequested.connect(self.open)
        sidebar.sessionRequested.connect(self._open_file_row)
        sidebar.changeRequested.connect(self.change)

    @property
    def library(self) -> Library:
        return self.host.context.library

    def start(self) -> None:
        """Load the library into the sidebar (after the first paint)."""
        if self.jobs is None:
            from chatdesk.ui.library_jobs import LibraryJobs  # the library's modules: not before

            self.jobs = LibraryJobs(self.library, self.host.context.library_index, self)
            self.jobs.listed.connect(lambda entries, _trashed: self._changed_elsewhere(entries))
            self.jobs.changed.connect(self._changed_elsewhere)
            self.sidebar.set_jobs(self.jobs)
            self.show_open()
            self._watch()
            self._writer_check.start()
            # A file saved over in place (an editor) renames nothing, so the folder's watch
            # misses it: coming back to the window looks again (stamps only: cheap).
            app = QGuiApplication.instance()
            if isinstance(app, QGuiApplication):
                app.applicationStateChanged.connect(self._state_changed)

    def _state_changed(self, state: object) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self._folder_changed("")

    def _watch(self) -> None:
        """Watch the library folder and its trash (made if missing: a folder must exist to be
        watched); a moved library is watched from its next change on."""
        from chatdesk.ui.qt.core import QFileSystemWatcher

        if self._watcher is None:
            self._watcher = QFileSystemWatcher(self)
            self._watcher.directoryChanged.connect(self._folder_changed)
        library = self.library
        wanted = [str(library.folder), str(library.trash_folder)]
        watched = self._watcher.directories()
        if set(watched) == set(wanted):
            return
        if watched:
            self._watcher.removePaths(watched)
        for folder in (library.folder, library.trash_folder):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError:
                continue  # said when a conversation cannot be written there
        self._watcher.addPaths(wanted)

    def _folder_changed(self, _folder: str) -> None:
        if not self._watched.isActive():
            self._watched.start()

    def stop(self) -> None:
        if self.jobs is not None:
            self.jobs.wait()
            self.host.context.library_index.close()

    # -- what is open ------------------------------------------------------------------------
    def library_id(self, session: ChatSession) -> str | None:
        path = session.path
        if path is None:
            return None
        library = self.library
        if library is not self._ids_of:  # the library folder was moved
            self._ids, self._ids_of = {}, library
        if path not in self._ids:  # a path's answer never changes: asked on every save
            self._ids[path] = library.id_of(path)
        return self._ids[path]

    def _files(self) -> list[ChatSession]:
        """The open conversations outside the library, in the window's order. A new one (no
        file yet) is not among them: it is the library's, listed there once it is written."""
        return [s for s in self.host.sessions if s.path is not None and self.library_id(s) is None]

    def show_open(self) -> None:
        """Tell the sidebar what is open and which is shown (cheap: a few path checks)."""
        if self.jobs is None:
            return  # before the first paint: the sidebar is filled once the library loads
        ids = {i for s in self.host.sessions if (i := self.library_id(s)) is not None}
        files = self._files()
        names = [
            (("* " if s.modified else "") + s.display_name(), str(s.path or "Not saved yet"))
            for s in files
        ]
        self.sidebar.set_open(ids, names)
        current = self.host.session
        if current is not None:
            id = self.library_id(current)
            row = files.index(current) if id is None and current in files else None
            self.sidebar.select(id, row)

    def written(self) -> None:
        """Files may have changed outside this window (another chatdesk, an import): the index
        catches up shortly, off the GUI thread, and the list is made again only if it did."""
        if self.jobs is not None:
            self._refresh.start()

    def _refresh_now(self) -> None:
        if self.jobs is not None:
            self._watch()
            self.jobs.refresh()

    def saved(self, entry: LibraryEntry) -> None:
        """This window wrote (and indexed) a conversation: its row shows `entry`."""
        if self.jobs is not None:
            self.jobs.note(entry)
            self.sidebar.put_entry(entry)
            if entry.id not in self.sidebar.library_model.open_ids:
                self.show_open()  # first written, or kept as a copy: open now (bold)
            current = self.host.session
            shown = self.sidebar.selected_id
            if shown != entry.id and current is not None and current.path == entry.path:
                self.sidebar.select(entry.id)  # first written, or kept as a copy: a new id

    def conflicted(self, _id: str, title: str) -> None:
        """Another chatdesk changed a conversation this window wrote: both are kept, this
        window's as the copy `title` (the README's "Two chatdesks on one library")."""
        self.sidebar.notice.emit(
            f"Changed in another window meanwhile: both versions are kept, this one as “{title}”."
        )

    # -- following changes made elsewhere ----------------------------------------------------
    def _changed_elsewhere(self, entries: list[LibraryEntry]) -> None:
        """The index lists these conversations: an open one whose file is not as this window
        read or wrote it follows the file (`_follow_stale`)."""
        open_ids = {i for s in self.host.sessions if (i := self.library_id(s)) is not None}
        if not open_ids:
            return
        self._stale.update(e.id for e in entries if e.id in open_ids and e.error is None)
        self._follow_stale()

    def _follow_stale(self) -> None:
        from chatdesk.core.in_flight import marked

        saver = self.host.library_saver
        for id in list(self._stale):
            session = next((s for s in self.host.sessions if self.library_id(s) == id), None)
            if session is None or session.path is None:
                self._stale.discard(id)
                continue
            if session.loading:
                continue  # it is reading the file now: asked again once read
            disk = session.disk
            try:
                info = os.stat(session.path)
            except OSError:
                self._stale.discard(id)  # gone (trashed): the listing says so
                continue
            if disk is None or (info.st_mtime_ns, info.st_size) == (disk.mtime_ns, disk.size):
                self._stale.discard(id)  # as this window read or wrote it
                continue
            written = saver.written(session)
            if written is None:
                continue  # a write runs: asked again once it ends
            self._stale.discard(id)
            if session.busy:
                continue
            if written:
                self.host.follow_disk(session)
            elif not session.edited and marked(session.conversation) is not None:
                # Only its draft changed, typed while another chatdesk wrote the reply (held
                # back meanwhile): it goes with the file (as a draft always does: the
                # window's own, core/window_draft.py), written once that reply ends.
                fresh = self.host.follow_disk(session)
                self.host.when_loaded(fresh, saver.write_later)
            # else both changed it: the window's next write keeps both versions
        if self._stale:
            self._retry.start()

    def _check_writers(self) -> None:
        """Note which open conversations' last reply another chatdesk writes, and repaint the
        card of one whose writer stopped or died since (or started: a file followed); a send
        refused for it is no longer said once its writer is gone."""
        from chatdesk.core.in_flight import live_elsewhere, marked

        writers: dict[ChatSession, tuple[int, bool]] = {}
        for session in self.host.sessions:
            if session.loading or self.library_id(session) is None:
                continue
            found = marked(session.conversation)
            if found is None:
                continue
            index, mark = found
            writers[session] = (index, live_elsewhere(mark))
            before = self._writers.get(session, (index, True))
            if before != writers[session]:
                session.model.set_meta_changed(index)  # "Incomplete — the reply was cut off"
            if before[1] and not writers[session][1]:
                session.refused.emit("")  # "still being written" no longer holds
        self._writers = writers

    # -- opening -----------------------------------------------------------------------------
    def open(
        self, id: str, message_index: int | None = None, query: str = "",
        other_version: bool = False,
    ) -> ChatSession:  # fmt: skip
        """Show library conversation `id` (open it if needed: read off the GUI thread, a file
        that cannot be opened said in words), at history message `message_index` when given,
        once it is loaded; a search result's `query` is then found there, with the find bar
        ("1 of N"), its words marked. `other_version`: the words are in a version of the turn
        at `message_index` that is not shown: that version is shown, at the message."""
        path = self.library.path(id)
        session = next((s for s in self.host.sessions if s.path == path), None)
        if session is None:
            session = self.host.load_file(path)
        self.host.activate(session)
        if message_index is not None:
            self.host.when_loaded(
                session, lambda s: self._show_message(s, message_index, query, other_version)
            )
        return session

    def _show_message(
        self, session: ChatSession, message_index: int, query: str, other_version: bool
    ) -> None:
        if self.host.session is not session:
            return
        if other_version and 0 <= message_index < len(session.conversation):
            self._show_version(session, message_index, query)
            return
        self._at_message(session, message_index, query)

    def _at_message(self, session: ChatSession, message_index: int, query: str) -> None:
        """The message at history `message_index` in sight, `query`'s words found in it."""
        if self.host.session is not session:
            return
        conv = session.conversation
        self.host.transcript.show_history_index(message_index)
        if query and 0 <= message_index < len(conv):
            from chatdesk.core.cards import shown_text
            from chatdesk.core.library_search import find_query

            text = shown_text(conv[message_index])
            self.host.find_bar.find_from(find_query(query, text), message_index)

    def _show_version(self, session: ChatSession, index: int, query: str, depth: int = 1) -> None:
        """Show the version of the turn at history `index` that holds `query`'s words (none
        does when it is shown already, or the file changed since the search), at the
        matching message. The window's rule for switching versions decides (an edit open in
        that turn asks first); kept editing, the version shown stays and the status says so.
        Words in a version kept inside that one (a turn worked on again, then an earlier one
        edited) are reached a turn at a time: the outer version, then the inner turn's, down
        to `alternatives.DEPTH` levels, as the index reads them."""
        from chatdesk.core import alternatives
        from chatdesk.core.cards import shown_text
        from chatdesk.core.library_search import holds, version_holding

        found = version_holding(session.conversation[index].meta.alternatives, query)
        if found is None:
            self._at_message(session, index, query)
            return
        if session.busy:  # a reply streams: the versions cannot be flipped now
            self.host.show_status("The words are in another version of this turn: ‹ › on its "
                                  "card shows it once the reply ends", 6000)  # fmt: skip
            self._at_message(session, index, query)
            return
        version, place = found

        def shown() -> None:
            at = alternatives.position(session.conversation[index])
            if at is not None:
                self.host.show_status(f"Showing version {at[0]} of {at[1]} of this turn, "
                                      "where the words are", 6000)  # fmt: skip
            at_place = index + place
            conv = session.conversation
            inner = place and at_place < len(conv) and depth < alternatives.DEPTH
            if inner and not holds(shown_text(conv[at_place]), query):
                self._show_version(session, at_place, query, depth + 1)  # its own versions
                return
            self._at_message(session, at_place, query)

        def kept() -> None:  # the editor keeps the focus; the words are not on screen
            self.host.show_status(
                "The words are in another version of this turn: ‹ › on its card shows it "
                "once your edit is resent or cancelled",
                8000,
            )

        self.host.show_version(session, index, version, shown, kept)

    def _open_file_row(self, n: int) -> None:
        files = self._files()
        if 0 <= n < len(files):
            self.host.activate(files[n])

    # -- changing ----------------------------------------------------------------------------
    def change(self, action: str, id: str, value: object) -> None:
        """The sidebar asks for `action` (rename, pin, trash, duplicate) on conversation `id`."""
        jobs = self.jobs
        if jobs is None:
            return
        session = next((s for s in self.host.sessions if self.library_id(s) == id), None)
        if session is not None and session.loading:  # its file is being read: not written now
            if action == "trash":
                self._trash_open(session, id, jobs)
            else:
                self.host.when_loaded(session, lambda _s: self.change(action, id, value))
            return
        if action == "rename" and session is not None:
            session.set_title(str(value))
            self.host.save_session(session)
            self.written()
        elif action == "pin" and session is not None:
            session.set_pinned_in_list(bool(value))
            self.host.save_session(session)
            self.written()
        elif action == "trash" and session is not None:  # a reply or an edit in flight: ask
            self.host.confirm_closing(
                session, "Move to trash", lambda: self._trash_open(session, id, jobs)
            )
        elif action == "duplicate" and session is not None and session.modified:
            self.host.save_session(session)  # the copy is of what is on screen
            jobs.duplicate(id)
        elif action == "rename":
            jobs.rename(id, str(value))
        elif action == "pin":
            jobs.set_pinned(id, bool(value))
        elif action == "trash":
            jobs.trash(id)
        elif action == "duplicate":
            jobs.duplicate(id)

    def _trash_open(self, session: ChatSession, id: str, jobs: LibraryJobs) -> None:
        if session not in self.host.sessions:  # closed while the question was open
            jobs.trash(id)
            return
        if session is self.host.session:
            # Its find bar goes with it: over the conversation shown next, the old words
            # said "No matches" about a conversation nobody searched.
            bar = self.host.find_bar
            if bar.isVisible():
                bar.close_bar()
        if session.modified and not session.loading:
            self.host.save_session(session)  # what it holds goes to the trash with it
        self.host.close_session_now(session)
        jobs.trash(id)
