"""Reading a conversation file into a session off the GUI thread, its newest rows first.

The session is shown at once, empty and marked loading (nothing can be sent into or edited in
it); the worker reads the file in steps (`core/file_steps.py`) and each step is applied here,
on the GUI thread: the newest messages become rows, the older ones are put before them without
touching the rows, a file's large images (shown pending: their size known, their data not
read yet) are filled in, and the session is ready once the file's state on disk is known: its
time and size at once, its hash computed after, on the worker (`DiskState.later`: a save
meanwhile still compares with it), so a large file's meter does not wait for the hash.
A file that cannot be opened ends the load with the core's sentence saying why.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from chatdesk.core import collector
from chatdesk.core.disk_state import DiskState
from chatdesk.core.file_steps import Newest, Older, read_in_steps
from chatdesk.core.fileformat import ConversationFileError, Opened
from chatdesk.core.images_first import ImagesRead
from chatdesk.core.window_draft import Draft
from chatdesk.ui.chat_session import TRANSCRIPT_WINDOW
from chatdesk.ui.qt.core import QEvent, QObject, QTimer, Signal
from chatdesk.ui.worker import GeneratorWorker

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chatdesk.core.file_steps import Step
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.qt.widgets import QWidget

PAUSE_S = 0.001  # after each slice: the GUI thread takes the interpreter and paints
# The older messages and pending images are read once the newest rows have painted (on 2
# cores, reading 50 MB beside the first paint slowed it 1.5-2x); this long at most (not shown,
# no view).
SHOWN_WAIT_S = 0.25


class _Cancelled(Exception):
    pass


class SessionLoader(QObject):
    """Loads `path` into `session` (made empty by the window), with `draft` in place of the
    file's when given, or `own` (text and images: the file followed as another window changed
    it, core/window_draft.py). Signals: done(object): None when loaded, else the sentence
    saying why the file cannot be opened. Once done: `imported` (the file was a request body) and
    `replaced` (lone surrogates replaced in it)."""

    done = Signal(object)

    def __init__(
        self,
        session: ChatSession,
        path: Path,
        draft: str | None,
        painted: QWidget | None = None,
        own: Draft | None = None,
    ) -> None:
        super().__init__(session)
        self._painted = painted  # the widget that shows the session (its paint is awaited)
        self.session = session
        self.path = path
        self.draft = draft
        self.own = own
        self.imported = False  # a request body: a new conversation, saved nowhere yet
        self.replaced = 0
        self._cancelled = False
        self._failed = False
        self._why = ""
        self._ready = False  # done was emitted (the file's state came: its hash may follow)
        self._shown = threading.Event()  # set on the GUI thread once the newest rows painted
        session.loading = True
        session.loading_draft = draft
        self._worker = GeneratorWorker(self._steps, self)
        self._worker.yielded.connect(self._apply)
        self._worker.errored.connect(self._error)
        self._worker.finished.connect(self._finished)

    def start(self) -> None:
        self._worker.start()

    def cancel(self) -> None:
        """Stop reading (the session or the window was closed): nothing more is applied, and
        `done` is not emitted."""
        self._cancelled = True
        self._shown.set()
        self._worker.cancel()  # the generator stops at its next step

    def _steps(self) -> Iterator[Step]:  # on the worker
        # No garbage collection walks the heap while a long file is parsed: one such pass held
        # the interpreter from the first paint 130-170 ms (core/collector.py).
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0  # reading it says why
        with collector.building(file_bytes=size):
            yield from self._read()

    def _read(self) -> Iterator[Step]:
        for step in read_in_steps(self.path, TRANSCRIPT_WINDOW, self._pause):
            if self._cancelled:
                raise _Cancelled
            yield step
            if isinstance(step, Newest) or (isinstance(step, Opened) and step.pending):
                # The rest is read once these rows have painted: Python work beside the paint
                # (checking 100,000 older messages) takes the interpreter from it at each of
                # its Qt calls, and a 50 ms paint became a 300 ms freeze (2 cores, 6 MB file).
                self._shown.wait(SHOWN_WAIT_S)
                self._shown.clear()
                if self._cancelled:  # closed meanwhile: the rest is not read
                    raise _Cancelled

    def _pause(self) -> None:
        if self._cancelled:
            raise _Cancelled
        time.sleep(PAUSE_S)

    def _apply(self, step: Step) -> None:
        if self._cancelled or self._failed:
            return
        session = self.session
        if isinstance(step, Newest):
            self._show(step.conversation)
            self._after_paint()
        elif isinstance(step, Older):
            session.model.add_older(step.conversation)
            self.replaced = step.replaced
        elif isinstance(step, Opened):
            self._show(step.conversation)
            self.imported, self.replaced = step.imported, step.replaced
            if step.imported:  # a request body: the draft is not its file's to keep
                session.saved_draft = None
            if step.pending:
                self._after_paint()
        elif isinstance(step, ImagesRead):
            step.fill()  # the rows showed pending images: their cards now get the pictures
            model = session.model
            if model.rowCount():
                model.dataChanged.emit(model.index(0), model.index(model.rowCount() - 1), [])
        elif isinstance(step, DiskState):
            session.disk = None if self.imported else step
            self._finished()  # the last step: nothing waits for its hash

    def _after_paint(self) -> None:
        """Let the worker read on (the older messages, the pending images) once the rows just
        set have painted."""
        if self._painted is None:
            self._shown.set()
        else:
            self._painted.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched is self._painted:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._shown.set)  # once this paint is done
        return False

    def _show(self, conversation: object) -> None:
        from chatdesk.core.conversation import Conversation

        assert isinstance(conversation, Conversation)
        self.session.saved_draft = conversation.draft  # what closing without saving keeps
        if self.own is not None:  # the window's own draft stays; the file's is kept aside
            self.session.window_draft.followed(self.own, Draft.of(conversation))
            self.own.put_in(conversation)
        elif self.draft is not None:
            conversation.draft = self.draft
        self.session.replace_conversation(conversation)

    def _error(self, exc: object) -> None:
        if isinstance(exc, _Cancelled):
            return
        self._failed = True
        if isinstance(exc, ConversationFileError):
            self._why = str(exc)
        else:  # a fault of chatdesk's own: said, the file untouched
            self._why = f"{self.path}: could not be opened ({type(exc).__name__}: {exc})."

    def _finished(self) -> None:
        if self._cancelled or self._ready:
            return
        self._ready = True
        self.session.loading = False
        self.session.loading_draft = None
        self.done.emit(self._why if self._failed else None)
