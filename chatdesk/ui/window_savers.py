"""Keeping the window's open conversations written (mixed into `MainWindow`): recovery copies
(ui/autosave.py) and the library (ui/library_saver.py).

Both start after the first paint, or earlier when something needs them; the library's saver
first, since a conversation it keeps needs no recovery copy. A session opened before the
autosaver starts is remembered with its revision, and copied once it starts if it changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatdesk.core.library import LibraryEntry
    from chatdesk.ui.autosave import Autosaver
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.library_link import LibraryLink
    from chatdesk.ui.library_saver import LibrarySaver
    from chatdesk.ui.session_memory import SessionMemory


class WindowSavers:
    """Mixed into MainWindow: `self` is the window."""

    context: AppContext
    sessions: list[ChatSession]
    library_link: LibraryLink
    memory: SessionMemory
    _autosaver: Autosaver | None
    _library_saver: LibrarySaver | None
    _untracked: dict[ChatSession, int]
    session: ChatSession | None

    @property
    def autosaver(self) -> Autosaver:
        """Started after the first paint, or earlier when something needs it."""
        if self._autosaver is None:
            from chatdesk.core.recovery import RecoveryStore
            from chatdesk.ui.autosave import Autosaver

            self._autosaver = Autosaver(RecoveryStore(), self)
            self._autosaver.covered = self._kept_in_library
            self._autosaver.problemChanged.connect(
                lambda text: self.show_disk_problem("recovery", text)
            )
            untracked, self._untracked = self._untracked, {}
            for session, opened_at in untracked.items():
                self._autosaver.track(session)
                if session.revision != opened_at:  # changed since it was opened: keep it now
                    self._autosaver.save(session)
        return self._autosaver

    @property
    def library_saver(self) -> LibrarySaver:
        """Keeps new and library conversations written (started after the first paint)."""
        if self._library_saver is None:
            from chatdesk.ui.library_saver import LibrarySaver

            context = self.context
            saver = LibrarySaver(context.library, context.library_index, self)
            self._library_saver = saver
            saver.problemChanged.connect(self._library_problem)
            saver.saved.connect(self._library_written)
            saver.conflicted.connect(self.library_link.conflicted)
            for session in self.sessions:
                if not session.loading:  # once loaded (window_sessions._follow)
                    saver.consider(session)
            self._update_title()  # a library conversation is called by its title, not its id
        return self._library_saver

    def _kept_in_library(self, session: ChatSession) -> bool:
        """A library conversation needs no recovery copy while the library can be written."""
        saver = self._library_saver
        return saver is not None and saver.tracked(session) and not saver.problem

    def _library_problem(self, text: str) -> None:
        """The library started ("" : stopped) failing to be written: the warning, the title's
        "*" (a library conversation's changes are unsaved only while it fails) and the
        recovery copies (they cover library conversations meanwhile) follow at once, not at
        the next change."""
        self.show_disk_problem("library", text)
        self._update_title()
        if text and self._autosaver is not None:
            self._autosaver.save_changed()

    def _modified_changed(self, session: ChatSession, modified: bool) -> None:
        """`session` became modified, or written. A library conversation written shows it
        nowhere (the title's unsaved mark and the sidebar's "* " are for the user's own files;
        `_library_written` shows its row and name): only the session memory hears. A whole
        `show_sessions` there was a third of the GUI thread's share of each reply's write."""
        if not modified and self._kept_in_library(session):
            self.memory.save_soon()
        else:
            self.show_sessions()

    def _library_written(self, session: ChatSession, entry: LibraryEntry) -> None:
        self.library_link.saved(entry)  # its one row (bold and marked when first written)
        self.memory.written(session)  # a new conversation's first file: named by the session
        if session.modified and not self._kept_in_library(session):
            self.show_sessions()
        elif session is self.session:
            self._update_title()  # named by its draft until it is sent (core/titles.py)

    def _flush_library(self, sessions: list[ChatSession]) -> None:
        if self._library_saver is not None:
            for session in sessions:
                self._library_saver.flush(session)

    def _keep_written(self, session: ChatSession) -> None:
        """Keep `session` written from now on: recovery copies (once the autosaver starts), and
        the library when it is one of its conversations."""
        if self._autosaver is None:
            self._untracked[session] = session.revision
        else:
            self._autosaver.track(session)
        if self._library_saver is not None:
            self._library_saver.consider(session)

    def _forget(self, session: ChatSession) -> None:
        """Drop a closed session's recovery copy; before the autosaver started there is none."""
        if self._autosaver is None:
            self._untracked.pop(session, None)
        else:
            self._autosaver.forget(session)

    def _stop_savers(self) -> None:
        """The window closes: the savers stop (what they had to write, written)."""
        if self._autosaver is not None:
            self._autosaver.stop()
        if self._library_saver is not None:
            self._library_saver.stop()
