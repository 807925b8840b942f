"""The main window's open conversations (mixed into `MainWindow`): opening files and new
conversations, switching, closing, reloading, and restoring from the recovery folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from chatdesk.core.conversation import Conversation
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.qt.widgets import QMessageBox

if TYPE_CHECKING:
    from chatdesk.core.recovery import RecoveryEntry
    from chatdesk.core.session_state import ScrollAnchor
    from chatdesk.core.window_draft import Draft
    from chatdesk.ui.session_loader import SessionLoader


class WindowSessions:
    """The sessions, one per open conversation, and the current one. Mixed into MainWindow:
    `self` is the window."""

    def open_paths(self, paths: list[str]) -> None:
        """Open conversation files, each off the GUI thread (`load_file`); a file the core
        rejects is explained, the rest still open."""
        for path in paths:
            already = next((x for x in self.sessions if x.path == Path(path)), None)
            if already is not None:
                self.activate(already)
                continue
            self.load_file(Path(path))
        if self.session is None:
            self.new_conversation()
        self.composer.input.setFocus()

    def open_file(
        self,
        path: Path,
        draft: str | None = None,
        then: Callable[[ChatSession], None] | None = None,
    ) -> ChatSession:
        """Open a conversation file without a word on failure (the session coming back skips
        what is gone), with `draft` in place of the file's; the session (loading), or the one
        already showing it. `then(session)` once it is loaded."""
        already = next((x for x in self.sessions if x.path == path), None)
        if already is not None:
            if then is not None:
                self.when_loaded(already, then)
            return already
        return self.load_file(path, draft, quiet=True, then=then)

    def load_file(
        self,
        path: Path,
        draft: str | None = None,
        *,
        quiet: bool = False,
        then: Callable[[ChatSession], None] | None = None,
        own: Draft | None = None,
    ) -> ChatSession:
        """A session showing `path` as it is read on the worker (ui/session_loader.py): empty
        and marked loading at once, its newest rows first. A file that cannot be opened closes
        it, said in a message unless `quiet`; `then(session)` once it is loaded. `own`: the
        window's own draft, kept in place of the file's (`follow_disk`)."""
        from chatdesk.ui.session_loader import SessionLoader

        before = self.session  # shown again if the file cannot be opened
        conv = Conversation()
        if own is not None:  # the message box keeps it while the file is read, too
            own.put_in(conv)
        session = self._add_session(conv, path, loading=True)
        painted = self.transcript.viewport()  # its images are read once it has painted
        loader = self._loaders[session] = SessionLoader(session, path, draft, painted, own)
        loader.done.connect(lambda why: self._loaded(loader, why, quiet, before))
        if then is not None:
            self.when_loaded(session, then)
        self.refresh_sessions()
        loader.start()
        return session

    def when_loaded(self, session: ChatSession, then: Callable[[ChatSession], None]) -> None:
        """`then(session)` now if it is loaded, else once it is (never when its file fails)."""
        if not session.loading:
            then(session)
            return
        waiting = self._when_loaded.setdefault(session, [])
        waiting.append(then)

    def _loaded(
        self, loader: SessionLoader, why: str | None, quiet: bool, before: ChatSession | None
    ) -> None:
        session = loader.session
        # Its `done` slot holds the session shown before it: a loader kept with its session
        # would keep that one, and all its messages, after the user closed it.
        loader.deleteLater()
        waiting = self._when_loaded.pop(session, [])
        self._loaders.pop(session, None)
        if session not in self.sessions:
            return
        if why is not None:  # nothing else changes: what was shown before is shown again
            self._close_session(session, show=before)
            if not quiet:
                self.show_message("Cannot open this conversation", why)
            return
        if loader.replaced:
            from chatdesk.core.fileformat import Opened

            notice = Opened(session.conversation, False, loader.replaced).notice()
            self.show_message("Text was replaced", f"{session.path}: {notice}")
        if loader.imported:  # a request body: a new library conversation; its file is not ours
            session.path = None
        else:
            from chatdesk.core.recent_files import add_recent

            if add_recent(self.context.settings, self.context.library, str(session.path)):
                self.context.save_settings()
        self._default_profile(session.conversation)
        self._say_gone_profile(session)
        if loader.imported:
            self._opened_body(session, loader.path)
        self._follow(session)
        if loader.imported:
            session.set_modified()
        if session is self.session:
            self._bind_session(session)  # its prompt, examples, parameters and draft
        self.refresh_sessions()
        for then in waiting:
            then(session)

    def _opened_body(self, session: ChatSession, path: Path) -> None:
        """A request body opened: sent to the deployment serving the model it names, and the
        status line says so (core/opened_body.py)."""
        from chatdesk.core.opened_body import body_deployment, opened_body_text

        conv = session.conversation
        profile = self.context.connections.profile_for(conv)
        deployment, note = body_deployment(profile, conv.model)
        if deployment is not None:
            conv.deployment = deployment
        session.notice.emit(opened_body_text(path.name, note))

    def restore_session(self) -> bool:
        """Bring back the conversations open when chatdesk last closed (see session_memory)."""
        return self.memory.restore()

    def show_message(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAccessibleName(title)
        box.open()
        self.message_box = box
        return box

    def new_conversation(self) -> ChatSession:
        """A new conversation from the Preferences' defaults (or a copy of the current one's
        prompt, examples and parameters, when they say so); the message box takes the focus."""
        defaults = self.context.settings.new_conversation
        current = self.session.conversation if self.session is not None else None
        conv = defaults.conversation(current)
        from_preferences = not (defaults.copy_current and current is not None)
        note = self.context.connections.new_conversation_note(conv) if from_preferences else None
        self.context.connections.name_profile(conv, replace_missing=True)
        session = self.open_session(conv)
        if note is not None:  # Preferences' profile is gone: not quietly another one
            session.notice.emit(note)
        self.composer.input.setFocus()
        return session

    def open_session(self, conv: Conversation, path: Path | None = None) -> ChatSession:
        self._default_profile(conv)
        session = self._add_session(conv, path)
        self._say_gone_profile(session)
        self._follow(session)
        self.refresh_sessions()
        return session

    def _add_session(
        self, conv: Conversation, path: Path | None, loading: bool = False
    ) -> ChatSession:
        """A session for `conv`, shown; tracked and counted once `_follow` is called."""
        connections = self.context.connections
        session = ChatSession(
            conv, self.context.service, connections.profile_for, path=path, parent=self,
            profiles=connections.reply_profiles,
        )  # fmt: skip
        session.loading = loading
        self.sessions.append(session)
        self.undo_group.addStack(session.undo_stack)
        session.modifiedChanged.connect(lambda m: self._modified_changed(session, m))
        session.learned.connect(self._save_learned)
        self._bind_session(session)
        return session

    def _default_profile(self, conv: Conversation) -> None:
        self.context.connections.name_profile(conv)

    def _say_gone_profile(self, session: ChatSession) -> None:
        """A conversation whose profile no longer exists says so, and which one it uses."""
        note = self.context.connections.gone_profile_note(session.conversation)
        if note is not None:
            session.notice.emit(note)

    def _follow(self, session: ChatSession) -> None:
        """Keep `session` written (recovery copies, the library) and count its tokens."""
        self._keep_written(session)
        if not self._painted:
            # Loading the tokenizer holds the GIL for tens of ms: not while the window is built
            # and its first frame drawn (the meter shows "Counting…" either way).
            self._count_after_paint.append(session)
        else:
            session.start_counting()

    def _sidebar_activated(self, *_chosen: object) -> None:
        # Typing goes on in the conversation just chosen: in its question being edited, if
        # one was left open there, else in the message box.
        editing = self._inline_edit
        if editing is not None and editing.editor is not None:
            editing.editor.setFocus()
        else:
            self.composer.input.setFocus()

    def activate(self, session: ChatSession) -> None:
        if session is not self.session:
            self._bind_session(session)
            self.refresh_sessions()

    def refresh_sessions(self) -> None:
        """The open conversations changed (one opened, closed or shown): show it, and let the
        library catch up with changes made elsewhere (another chatdesk, a file copied in)."""
        self.show_sessions()
        self.library_link.written()

    def show_sessions(self) -> None:
        """Show what the open conversations are now (names, which is modified, the title)."""
        self.library_link.show_open()
        self._update_title()
        self.memory.save_soon()

    def save_session(self, session: ChatSession) -> None:
        """Write `session` to its file (as Save does; asks only when the file changed). A
        library conversation is written by its saver, after the write it may have running.
        One still being read has nothing of its own yet: nothing is written."""
        if session.loading:
            return
        saver = self._library_saver
        if saver is not None and saver.tracked(session) and session.path is not None:
            session.set_modified()  # a rename or a pin: written now, whatever the revision
            saver.flush(session)
        else:
            self.files.save(session)

    def confirm_closing(self, session: ChatSession, verb: str, then: Callable[[], None]) -> None:
        """`then` once the user agreed to end what closing `session` ends (a reply being
        written, an edit not resent: asked with `verb`), at once when nothing would end."""
        self.files.confirm_unfinished(self.unfinished([session], verb), then)

    def close_session_now(self, session: ChatSession) -> None:
        """Close `session` without asking (its file is kept, or moved by the library)."""
        self._close_session(session)

    def close_current(self) -> None:
        session = self.session
        if session is not None:
            self._flush_library([session])  # a library conversation has no unsaved changes
            unfinished = self.unfinished([session], "Close")  # a reply, an edit in flight
            self.files.confirm_discard(session, lambda: self._close_session(session), unfinished)

    def _close_session(
        self, session: ChatSession, *, keep_one: bool = True, show: ChatSession | None = None
    ) -> None:
        """Close a session; `keep_one`: open an empty conversation when it was the last. If it
        was shown, `show` is shown in its place when still open, else its neighbour."""
        self._stop_loading(session)
        session.shutdown()
        self._forget(session)
        if self._library_saver is not None:
            self._library_saver.forget(session)
        index = self.sessions.index(session)
        self.sessions.remove(session)
        if self.session is session:
            self.session = None
            for signal, slot in self._session_links:
                signal.disconnect(slot)
            self._session_links = []
        if self.session is not None:
            pass  # another one was closed (trashed from the list): the view stays
        elif show is not None and show in self.sessions:
            self._bind_session(show)
        elif self.sessions:
            self._bind_session(self.sessions[min(index, len(self.sessions) - 1)])
        elif keep_one:
            self.new_conversation()
        self.refresh_sessions()
        session.deleteLater()
        from chatdesk.core import collector

        collector.release(len(other.conversation) for other in self.sessions)

    def _stop_loading(self, session: ChatSession) -> None:
        """Stop reading `session`'s file, if it is being read: nothing more of it is applied,
        and what waited for it is not called."""
        loader = self._loaders.pop(session, None)
        if loader is not None:
            loader.cancel()
            self._when_loaded.pop(session, None)

    def reload(self, session: ChatSession) -> None:
        """Show the session's file as it is on disk now, dropping the changes made here."""
        path = session.path
        self._close_session(session, keep_one=False)  # the file takes its place
        if path is not None:
            self.open_paths([str(path)])
        if not self.sessions:  # the file could not be read
            self.new_conversation()

    def follow_disk(self, session: ChatSession) -> ChatSession:
        """Show a library conversation as another program (`chatdesk send`, another window)
        changed its file, in place of `session`, which holds nothing unwritten: the same place
        among the open ones, still shown if it was, following the newest message if it was
        (else at the message it was scrolled to). Nothing typed here is dropped: the draft
        stays this window's own, never the other window's (core/window_draft.py), and a
        question being edited in place stays open with its text (`carry_edit`). Returns the
        new session."""
        from chatdesk.core.window_draft import Draft

        path = session.path
        assert path is not None
        place = self.sessions.index(session)
        shown = self.session
        if session is shown and self._painted:
            session.scroll = self.transcript.scroll_anchor()
        scroll = session.scroll
        edit = self.edit_to_carry(session)
        own = Draft.of(session.conversation)
        copy = self.autosaver.keep_copy(session)  # until the new session has its own
        self._close_session(session, keep_one=False)
        fresh = self.load_file(path, quiet=True, own=own)
        self.autosaver.hand_to(fresh, copy)
        self.sessions.remove(fresh)
        self.sessions.insert(place, fresh)
        if edit is not None:
            self.when_loaded(fresh, lambda s: self.carry_edit(s, *edit))
        self.when_loaded(fresh, self.autosaver.took_over)
        kept = scroll if scroll is not None and not scroll.at_end else None
        if shown is not session and shown is not None and shown in self.sessions:
            self._bind_session(shown)  # (which noted fresh's place in the view: not its own)
            fresh.scroll = kept
        elif kept is not None:
            self.when_loaded(fresh, lambda s: self._scroll_back(s, kept))
        self.refresh_sessions()
        return fresh

    def _scroll_back(self, session: ChatSession, anchor: ScrollAnchor) -> None:
        if session is self.session:
            self.transcript.restore_anchor(anchor)

    def restore(self, entries: list[RecoveryEntry]) -> None:
        """Reopen conversations from the recovery folder, as unsaved changes of their files
        (saved against the file as the copy found it: core/recovered_file.py). The
        conversation shown stays shown (the one selected when chatdesk was killed), or its
        recovered text when it is one of them. A library conversation whose file another
        program wrote after the copy comes back as a new one beside it, and says so."""
        from chatdesk.core.recovered_file import file_since_copy

        store = self.autosaver.store
        shown = self.session
        for entry in entries:
            try:
                conv = store.load(entry)
            except (OSError, ValueError) as exc:
                name = entry.name(self.context.library.contains)
                self.show_message("Could not restore", f"{name}: {exc}")
                continue
            path = Path(entry.path) if entry.path else None
            since = file_since_copy(entry)
            # The session coming back may have opened the file already (as it is on disk,
            # with the draft the session kept): the recovered text, newer, takes its place,
            # one conversation per path, unless it was changed since.
            stale = next((x for x in self.sessions if path and x.path == path), None)
            place = self.sessions.index(stale) if stale is not None else -1
            said = None  # what the status line says of a conversation kept apart
            if path is not None and since.written_since and self.context.library.contains(path):
                said, path = self._kept_apart(entry, conv), None
            session = self.open_session(conv, path)
            session.disk = since.disk if path is not None else None
            if said is not None:
                shown = session if stale is not None and stale is shown else shown
                session.notice.emit(said)
                if shown is not None and shown is not session:
                    shown.notice.emit(said)  # seen where the user is, too
                stale = None  # it shows what the other program wrote: it stays
            if stale is not None and (not stale.modified or self.memory.came_back_as_kept(stale)):
                shown = session if stale is shown else shown
                self._close_session(stale)
                self.sessions.remove(session)
                self.sessions.insert(place, session)
                self.show_sessions()
            session.set_modified()
            if entry.edit is not None:  # the question being edited: its editor opens again
                self.restore_edit(session, entry.edit)
            self.autosaver.save(session)
            store.discard(entry.id)
        # the empty conversation opened at start is not needed any more
        blank = [
            x for x in self.sessions if not len(x.conversation) and not x.modified and not x.loading
        ]  # a file still being read is not blank
        if entries and len(self.sessions) > len(blank):
            for session in blank:
                self._close_session(session)
        if shown in self.sessions and shown not in blank:
            self.activate(shown)

    def _kept_apart(self, entry: RecoveryEntry, conv: Conversation) -> str:
        """`conv`, restored from `entry`, becomes a new library conversation titled as a copy
        changed in two places (as `Library.save` names one): what the other program wrote
        stays in the file. What the status line says of it."""
        from chatdesk.core.library import conflict_title

        name = entry.name(self.context.library.contains)
        conv.title = conflict_title(conv)
        return (
            f"“{name}” was changed after its recovery copy was made (by another window or "
            f"chatdesk send): both versions are kept, the restored one as “{conv.title}”."
        )

    def offer_recovery(self) -> None:
        """After a crash or a kill, or a "Later", offer what the recovery folder kept, each
        copy marked with what was saved or kept after it (core/recovery.py)."""
        from chatdesk.core.recovery import against_since
        from chatdesk.ui.recovery_dialog import RecoveryDialog

        store = self.autosaver.store
        found = store.entries(live=self.autosaver.live_ids())
        entries = against_since(found, self.memory.last_state())
        if store.damaged:
            names = ", ".join(f"{file.name} ({why})" for file, why in store.damaged)
            self.show_message(
                "Recovery copies could not be read",
                f"These recovery copies could not be used and were set aside: {names}.",
            )
        if not entries:
            return
        dialog = RecoveryDialog(entries, self, in_library=self.context.library.contains)
        dialog.restoreRequested.connect(self.restore)
        dialog.discardRequested.connect(
            lambda chosen: [self.autosaver.store.discard(e.id) for e in chosen]
        )
        dialog.finished.connect(dialog.deleteLater)
        self.recovery_dialog = dialog
        dialog.open()
