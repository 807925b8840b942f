"""Never lose a message: every open conversation is copied to the recovery folder while the
user works, a streaming reply included (marked incomplete until it ends).

A copy is written at most every `INTERVAL_MS` per conversation, and at once when a message is
sent or a reply finishes. A clean close, or saving the conversation to its file, discards the
copy; after a crash or a kill the next launch offers to restore it. When copies cannot be
written (a full disk, a read-only folder) `problemChanged` says so, and says "" once they can
again: the window keeps that warning in sight, since the user counts on crash recovery.

Signals: problemChanged(str) with the problem in words, or "" when it is over.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from chatdesk.core.recovery import RecoveryStore
from chatdesk.ui.chat_session import ChatSession

INTERVAL_MS = 1500
log = logging.getLogger(__name__)


class Autosaver(QObject):
    problemChanged = Signal(str)

    def __init__(self, store: RecoveryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._ids: dict[ChatSession, str] = {}
        self._saved: dict[ChatSession, int] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.save_changed)
        self._timer.start()
        self.problem = ""

    def track(self, session: ChatSession) -> None:
        self._ids[session] = self.store.new_id()
        # Nothing to keep until something changes: opening a file writes no copy.
        self._saved[session] = session.revision
        session.replyFinished.connect(lambda _r, s=session: self.save(s))
        session.busyChanged.connect(lambda busy, s=session: busy and self.save(s))
        # Saved to its file: the copy would only be offered again as a duplicate after a crash.
        session.modifiedChanged.connect(lambda m, s=session: m or s.busy or self._saved_to_file(s))

    def live_ids(self) -> list[str]:
        """The recovery ids of the open conversations (not to be offered as left behind)."""
        return list(self._ids.values())

    def _saved_to_file(self, session: ChatSession) -> None:
        if session in self._ids and self.store.discard(self._ids[session]):
            self._saved[session] = session.revision

    def save_changed(self) -> None:
        for session in list(self._ids):
            if session.revision != self._saved.get(session):
                self.save(session)

    def save(self, session: ChatSession) -> None:
        if session not in self._ids or not _worth_keeping(session):
            return
        try:
            self.store.save(self._ids[session], session.conversation, session.path)
            self._saved[session] = session.revision
        except OSError as exc:  # a full disk must not take the window down with it
            log.warning("could not write the recovery copy: %s", exc)
            self._set_problem(
                f"Recovery copies are not being written ({exc.strerror or exc}, in "
                f"{self.store.folder}): save your work to keep it safe."
            )
        else:
            self._set_problem("")

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.problemChanged.emit(text)

    def forget(self, session: ChatSession) -> None:
        """The conversation was closed on purpose (saved or discarded): drop its copy."""
        session_id = self._ids.pop(session, None)
        self._saved.pop(session, None)
        if session_id is not None:
            self.store.discard(session_id)

    def stop(self) -> None:
        self._timer.stop()


def _worth_keeping(session: ChatSession) -> bool:
    conv = session.conversation
    return bool(len(conv) or conv.draft.strip() or session.modified)
