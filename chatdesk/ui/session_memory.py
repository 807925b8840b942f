"""The window's session, kept and brought back: the open conversations, the selected one, and
each one's draft and scroll position (`core/session_state.py` holds the file's rules).

The state is written a second after the set of open conversations or the selection changes,
after a conversation is first written to a file (a new conversation gets its library file a
second after it holds something; a copy "changed in two places" gets its own), and when the
window closes; typing is never what triggers a write (the recovery copies keep a draft that a
crash would take), so a conversation whose file was written after the state opens with the
file's draft, the newer one. A file whose changes the user let go at quit
("Don't Save") is kept with its file's own draft, not the one let go. Restoring skips, without
a word, a conversation whose file is gone or can no longer be read.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chatdesk.core.session_state import (
    OpenConversation,
    SessionState,
    load_session_state,
    save_session_state,
)
from chatdesk.ui.qt.core import QObject, QTimer

if TYPE_CHECKING:
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.transcript_view import TranscriptView

SAVE_DELAY_MS = 1000
log = logging.getLogger(__name__)


class Window(Protocol):
    """What this needs of the main window (which imports this module, not the reverse)."""

    sessions: list[ChatSession]
    session: ChatSession | None
    transcript: TranscriptView

    def open_file(self, path: Path, draft: str | None = None) -> ChatSession: ...

    def activate(self, session: ChatSession) -> None: ...


class SessionMemory(QObject):
    def __init__(
        self, window: Window, path: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.path = path
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save)
        self.restoring = False
        self.closed = False  # the window closed: nothing is written after its last state
        # The state the last session left, as read at start (before this one writes its own).
        self.last: SessionState | None = None
        self._kept: set[str] = set()  # the files the state last written names

    def capture(self, discarded: Collection[ChatSession] = ()) -> SessionState:
        """The window's session now; conversations without a file are left out. Those in
        `discarded` (the user chose Don't Save for them) come back with their file's draft."""
        window = self.window
        items, selected = [], 0
        for session in window.sessions:
            if session.path is None:
                continue
            if session is window.session:
                selected = len(items)
                # Still being read: the view shows part of it, the position to restore waits.
                scroll = session.scroll if session.loading else window.transcript.scroll_anchor()
            else:
                scroll = session.scroll
            # Still being read: the draft it opens with (None: its file's own, unknown yet).
            draft = session.loading_draft if session.loading else session.draft
            if session in discarded or session.window_draft.gives_way(session.conversation):
                draft = None  # (or another window's draft, which its file keeps for it)
            item = OpenConversation(str(session.path), draft)
            if scroll is not None:
                item.scroll = scroll
            items.append(item)
        return SessionState(items, selected)

    def save_soon(self) -> None:
        if not self.restoring and not self.closed:
            self._timer.start()

    def written(self, session: ChatSession) -> None:
        """`session` was written to its file: the state is written soon when it does not name
        that file yet (a new conversation's first write, a copy made in two places; the
        relaunch after a kill shows it), else nothing is done (each write of a draft)."""
        if session.path is not None and str(session.path) not in self._kept:
            self.save_soon()

    def save(self, *, closing: bool = False, discarded: Collection[ChatSession] = ()) -> None:
        """Write the state now (`closing`: the window closes properly, this is its last;
        `discarded`: see `capture`); a disk error is logged, never shown (a convenience)."""
        self._timer.stop()
        state = self.capture(discarded)
        state.closed = self.closed = closing
        self._kept = {item.path for item in state.conversations}
        try:
            save_session_state(state, self.path)
        except OSError as exc:
            log.warning("could not keep the session: %s", exc)

    def restore(self) -> bool:
        """Reopen the last session's conversations; True when one of them opened."""
        state = self.last_state()
        window = self.window
        chosen = None
        self.restoring = True
        try:
            for n, item in enumerate(state.conversations):
                # Gone or unreadable: the session closes again, without a word.
                session = window.open_file(Path(item.path), state.draft_to_open(item))
                session.scroll = item.scroll
                if n == state.selected or chosen is None:
                    chosen = session
        finally:
            self.restoring = False
        if chosen is not None:
            window.activate(chosen)
        return chosen is not None

    def came_back_as_kept(self, session: ChatSession) -> bool:
        """True when `session` is as the last session brought it back: its file as read, with
        the draft that session kept (or its file's own), nothing changed since."""
        if session.loading or session.edited or session.path is None:
            return False
        state = self.last_state()
        kept = next((x for x in state.conversations if x.path == str(session.path)), None)
        draft = state.draft_to_open(kept) if kept is not None else None
        return session.draft == (draft if draft is not None else session.saved_draft)

    def last_state(self) -> SessionState:
        """The state the last session left, read once (this session rewrites the file)."""
        if self.last is None:
            self.last = load_session_state(self.path)
        return self.last
