"""Never lose a message: every open conversation is copied to the recovery folder while the
user works, a streaming reply included (marked incomplete until it ends).

A copy is written at most every `INTERVAL_MS` per conversation, and at once when a message is
sent or a reply finishes. A conversation that `covered` says is kept by other means gets no
copy: a library conversation is written to its library file within about a second
(`ui/library_saver.py`), so a copy would only be written to be discarded (it gets copies
again while the library cannot be written). A clean close, or saving the conversation to its
file, discards the copy; after a crash or a kill the next launch offers to restore it. When
copies cannot be written (a full disk, a read-only folder) `problemChanged` says so, and says
"" once they can again: the window keeps that warning in sight, since the user counts on
crash recovery.

The copies written on the timer and after a send or a reply are serialised and written on
the thread pool, from a `Conversation.snapshot()` (a copy of the list of messages, not of
the messages): the GUI thread's share of a save does not grow with the conversation. One such
save runs at a time; `save()` itself writes at once, on the calling thread.

A question being edited in place travels with its conversation's copy
(`ChatSession.unfinished_edit`: which message, the text typed, the images taken out;
core/edit_in_place.py), looked at on the same timer as the rest, never per keystroke: the
window only keeps a reference to the editor's text. A library conversation gets copies while
it has such an edit (its library file never holds one), and its copy goes once the edit ends;
so does one whose draft is in no file (another window wrote the file meanwhile:
core/window_draft.py), until its next write. When the window follows such a change by reading
the file again into a new session, the old session's copy stays until the new one has written
its own (`keep_copy`, `took_over`): there is no moment without one.

Signals: problemChanged(str) with the problem in words, or "" when it is over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from chatdesk.core.edit_in_place import EditInPlace
from chatdesk.core.recovery import RecoveryStore
from chatdesk.ui.chat_session import ChatSession
from chatdesk.ui.qt.core import QObject, QTimer, Signal
from chatdesk.ui.worker import FunctionWorker
from chatdesk.ui.write_queue import WriteQueue

INTERVAL_MS = 1500
# What a copy holds that can change: the session's revision, and its edit in place (or None);
# whether its draft is in no file.
_Copied = tuple[int, EditInPlace | None, bool]
log = logging.getLogger(__name__)


class Autosaver(QObject):
    problemChanged = Signal(str)

    def __init__(self, store: RecoveryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._ids: dict[ChatSession, str] = {}
        # What the copy on disk holds: the revision, and the edit in place (None: none).
        self._saved: dict[ChatSession, _Copied] = {}
        self._copied: set[ChatSession] = set()  # a copy of it is on disk now
        # Sessions whose changes are kept by other means (the window: library conversations).
        self.covered: Callable[[ChatSession], bool] = lambda _session: False
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.save_changed)
        self._timer.start()
        self.problem = ""
        self._idle = threading.Event()  # set while no background save runs
        self._idle.set()
        # The copies of closed conversations: a write still queued on the pool when its
        # conversation closed (the quit waits only so long) must not bring the copy back, as
        # the process ends and no event loop runs to discard it again. Ids are never reused.
        self._closed: set[str] = set()
        # Copies of sessions closed to be followed by one reading their file again, kept on
        # disk until that one has its own (`keep_copy`); and which session follows which.
        self._kept: set[str] = set()
        self._handed: dict[ChatSession, str] = {}
        self._closing = threading.Lock()  # a write and a discard of one copy, one at a time
        self._worker: FunctionWorker | None = None
        self._queue = WriteQueue(
            lambda: self._worker is not None,
            lambda s: s in self._ids and _worth_keeping(s) and not self._kept_elsewhere(s),
            self._start,
        )

    def _kept_elsewhere(self, session: ChatSession) -> bool:
        """`covered`, unless a question is being edited in it or its draft is not in its file
        (another window's is): that text is in no file."""
        return (
            self.covered(session)
            and session.unfinished_edit() is None
            and not session.window_draft.unwritten
        )

    def track(self, session: ChatSession) -> None:
        self._ids[session] = self.store.new_id()
        # Nothing to keep until something changes: opening a file writes no copy. What the
        # file cannot hold (an edit, a draft carried over as another window changed the file:
        # window_sessions.follow_disk) is copied at once.
        self._saved[session] = (session.revision, None, False)
        if _state(session)[1:] != (None, False):
            self.save_soon(session)
        session.replyFinished.connect(lambda _r, s=session: self.save_soon(s))
        session.busyChanged.connect(lambda busy, s=session: busy and self.save_soon(s))
        # Saved to its file: the copy would only be offered again as a duplicate after a crash.
        session.modifiedChanged.connect(lambda m, s=session: m or s.busy or self._saved_to_file(s))

    def live_ids(self) -> list[str]:
        """The recovery ids of the open conversations (not to be offered as left behind)."""
        return [*self._ids.values(), *self._kept]

    def keep_copy(self, session: ChatSession) -> str | None:
        """`session` closes to be followed by one reading its file again, as another window
        changed it (window_sessions.follow_disk): its copy, brought up to date now, stays on
        disk until that one has written its own (`hand_to`, `took_over`) or is closed. A
        crash in that second loses neither the draft nor a question being edited. Returns
        the copy's id (None: it has none)."""
        if session not in self._ids:
            return None
        if _state(session) != self._saved.get(session) and not self._kept_elsewhere(session):
            self.save(session)  # what changed since the last copy, too
        self.wait()  # a copy of it being written now: its end must not discard it (_written)
        copy_id = self._ids.pop(session)
        self._saved.pop(session, None)
        self._queue.discard(session)
        if session not in self._copied:
            return None
        self._copied.discard(session)
        self._kept.add(copy_id)
        return copy_id

    def hand_to(self, session: ChatSession, copy_id: str | None) -> None:
        """`session` follows the one whose copy `keep_copy` kept as `copy_id`."""
        if copy_id is not None:
            self._handed[session] = copy_id

    def took_over(self, session: ChatSession) -> None:
        """`session` is read and holds what the one before held (`hand_to`): its own copy is
        written (none when its library file holds it all), then the kept one is dropped."""
        copy_id = self._handed.get(session)
        if copy_id is None:
            return
        self.save(session)
        needed = _worth_keeping(session) and not self._kept_elsewhere(session)
        if needed and session not in self._copied:
            return  # not written (a full disk): the kept copy is all there is
        del self._handed[session]
        self._drop(copy_id)

    def _saved_to_file(self, session: ChatSession) -> None:
        if session not in self._copied:
            return  # nothing to discard (a library conversation has no copy)
        if session.unfinished_edit() is not None or session.window_draft.unwritten:
            self.save_soon(session)  # its edit in place is in no file: the copy stays
            return
        self.wait()  # a copy being written now would outlive the discard
        self._queue.discard(session)
        if session in self._ids and self.store.discard(self._ids[session]):
            self._saved[session] = (session.revision, None, False)
            self._copied.discard(session)

    def save_changed(self) -> None:
        for session in list(self._ids):
            if _state(session) == self._saved.get(session):
                continue
            if not self._kept_elsewhere(session):
                self.save_soon(session)
            elif session in self._copied and self._saved[session][1:] != (None, False):
                self._saved_to_file(session)  # its edit ended: the library keeps the rest

    def save_soon(self, session: ChatSession) -> None:
        """Save the session's copy on the thread pool (after the one running, if any)."""
        self._queue.add(session)

    def _start(self, session: ChatSession) -> None:
        copy_id, state = self._ids[session], _state(session)
        snapshot, path, store = session.conversation.snapshot(), session.path, self.store
        edit, base = state[1], session.disk  # base: see core/recovery.py
        self._idle.clear()

        def write() -> str:
            try:
                with self._closing:
                    if copy_id in self._closed:
                        return ""
                    store.save(copy_id, snapshot, path, edit, base)
            except OSError as exc:  # reported on the GUI thread, by _written
                return f"{exc.strerror or exc}"
            finally:
                self._idle.set()
            return ""

        worker = self._worker = FunctionWorker(write, self)
        worker.returned.connect(lambda problem: self._written(session, copy_id, state, problem))
        worker.errored.connect(lambda exc: self._written(session, copy_id, state, repr(exc)))
        worker.start()

    def _written(self, session: ChatSession, copy_id: str, state: _Copied, problem: str) -> None:
        self._worker = None
        if self._ids.get(session) != copy_id and copy_id not in self._kept:
            self.store.discard(copy_id)  # closed meanwhile
        elif problem:
            log.warning("could not write the recovery copy: %s", problem)
            self._set_problem(
                f"Recovery copies are not being written ({problem}, in {self.store.folder}): "
                "save your work to keep it safe."
            )
        else:
            self._saved[session] = state
            self._copied.add(session)
            self._set_problem("")
        self._queue.next()

    def wait(self, seconds: float = 2.0) -> bool:
        """Until no background save runs (at most `seconds`); False if one still does."""
        return self._idle.wait(seconds)

    def save(self, session: ChatSession) -> None:
        if session not in self._ids or not _worth_keeping(session):
            return
        if self._kept_elsewhere(session):
            return
        state = _state(session)
        try:
            self.store.save(
                self._ids[session], session.conversation, session.path, state[1], session.disk
            )
            self._saved[session] = state
            self._copied.add(session)
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
        self.wait()  # a copy being written now would outlive the discard
        session_id = self._ids.pop(session, None)
        self._saved.pop(session, None)
        self._copied.discard(session)
        self._queue.discard(session)
        for copy_id in (session_id, self._handed.pop(session, None)):
            if copy_id is not None:
                self._drop(copy_id)

    def _drop(self, copy_id: str) -> None:
        self._kept.discard(copy_id)
        with self._closing:
            self._closed.add(copy_id)
            self.store.discard(copy_id)

    def stop(self) -> None:
        self._timer.stop()


def _state(session: ChatSession) -> _Copied:
    """What a copy of `session` written now would hold that can change: its revision (the
    draft included), its unfinished edit in place, and whether its draft is in no file."""
    return session.revision, session.unfinished_edit(), session.window_draft.unwritten


def _worth_keeping(session: ChatSession) -> bool:
    conv = session.conversation
    return bool(len(conv) or conv.draft.strip() or session.modified)
