"""The window's slots for a turn's card (mixed into `MainWindow`): "Include again" / "Leave
out", flipping between versions (‹ 2/3 ›), editing a question in place, and the Edit menu's
undo for the current conversation. They carry the row to the session, which decides.

A question being edited in place belongs to its conversation: shown another one, the edit is
set aside with it (`ChatSession.kept_edit`) and its editor opens again, with the text typed,
when it is shown again. Closing or quitting says what it would end (`unfinished`): an edit not
resent, and a reply still being written. Esc or Cancel over text typed into the question, or
an image taken out of it, asks before dropping the change (`_ask_discard_edit`). The session's
`open_edit` (core/edit_in_place.py) follows the text typed and the images taken out, so
recovery copies keep them (ui/autosave.py) and a restart after a crash opens the editor again
as it was left (`restore_edit`); an edit whose question is gone puts its text in the message
box instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core import alternatives

if TYPE_CHECKING:
    from collections.abc import Callable

    from chatdesk.core.edit_in_place import EditInPlace
    from chatdesk.ui.autosave import Autosaver
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.composer import Composer
    from chatdesk.ui.inline_editor import InlineEditing
    from chatdesk.ui.qt.gui import QUndoGroup
    from chatdesk.ui.qt.widgets import QMessageBox
    from chatdesk.ui.quit_dialog import Unfinished
    from chatdesk.ui.transcript_view import TranscriptView


# Asked before another version of a turn takes the question being edited away; kept, the
# version shown stays (the edit is of the question on screen: Resend sends it).
SWITCH_DROPS = (
    "Showing another version of this turn closes the question's editor: your changes to it "
    "(text typed, images taken out) are dropped."
)
KEPT_EDITING = (
    "This version stays shown while you edit its question: Resend or Cancel the edit, "
    "then ‹ › shows the others"
)


class TurnActions:
    """Mixed into MainWindow: `self` is the window."""

    session: ChatSession | None
    transcript: TranscriptView
    undo_group: QUndoGroup
    inline_edit: InlineEditing
    _inline_edit: InlineEditing | None
    composer: Composer
    discard_question: QMessageBox | None

    if TYPE_CHECKING:

        def _flush_library(self, sessions: list[ChatSession]) -> None: ...
        def show_status(self, text: str, timeout_ms: int = 2000) -> None: ...

        @property
        def autosaver(self) -> Autosaver: ...

    def _include(self, row: int, include: bool) -> None:
        if self.session is not None:
            self.session.set_included(self.session.model.history_index(row), include)

    def _flip(self, row: int, step: int) -> None:
        session = self.session
        if session is None:
            return
        index = session.model.history_index(row)
        position = alternatives.position(session.conversation[index])
        if position is not None:  # ‹ on the first goes to the last, and back round
            self.show_version(session, index, (position[0] - 1 + step) % position[1])

    def show_version(
        self,
        session: ChatSession,
        index: int,
        version: int,
        shown: Callable[[], None] | None = None,
        kept: Callable[[], None] | None = None,
    ) -> None:
        """Show version `version` (from 0) of the turn at history `index`: the one rule for
        every path that switches a turn's version (‹ ›, a search hit in another version). A
        question being edited in that turn (at `index` or after it) goes with the version
        shown: an editor left as it was closes; changed, it asks first, as Esc does, and the
        version is switched only if the user discards the changes. Then `shown()`; kept
        editing, `kept()` (else the status line says why nothing switched)."""
        editing = self._inline_edit
        editor = editing.editor if editing is not None else None
        row = editing.row if editing is not None else None
        if (
            session is not self.session or editing is None or editor is None or row is None
            or session.model.history_index(row) < index
        ):  # fmt: skip
            self._show_version_now(session, index, version, shown)
            return
        if not editor.changed():
            editing.stop()
            self._show_version_now(session, index, version, shown)
            return

        def discarded() -> None:
            if editing.editor is editor:
                editing.stop()
            self._show_version_now(session, index, version, shown)

        def kept_editing() -> None:
            if kept is not None:
                kept()
            else:
                self.show_status(KEPT_EDITING, 8000)

        self._ask_discard_edit(discarded, kept_editing, SWITCH_DROPS)

    def _show_version_now(
        self, session: ChatSession, index: int, version: int, shown: Callable[[], None] | None
    ) -> None:
        try:
            session.show_version(index, version)
        except IndexError:  # (the turn changed while the user was asked: nothing to show)
            return
        if shown is not None:
            shown()

    def _edit(self, row: int) -> None:
        """Edit the question inside its card; its editor's keys resend or cancel."""
        if self.session is None:
            return
        editing = self._inline_edit
        if editing is not None and editing.editor is not None and editing.row == row:
            editing.editor.setFocus()  # already open: what was typed stays
            return
        if editing is not None and editing.editor is not None and editing.editor.changed():
            # Another question's edit is open with text typed: not dropped without asking.
            editor = editing.editor

            def discarded() -> None:
                if editing.editor is editor:
                    editing.stop()
                self._edit(row)

            self._ask_discard_edit(discarded)
            return
        from chatdesk.core.edit_in_place import EditInPlace

        session = self.session
        message = session.model.message(row)
        self.inline_edit.start(row, message.content)
        session.open_edit = EditInPlace(session.model.history_index(row), message.content)

    def _edit_submitted(self, row: int, text: str, removed: frozenset[int] = frozenset()) -> None:
        session = self.session
        if session is not None:
            index = session.model.history_index(row)
            if session.written_elsewhere():  # refused in words: the editor opens again with it
                from chatdesk.core.edit_in_place import EditInPlace

                self.restore_edit(session, EditInPlace(index, text, removed))
                return
            session.edit_and_resend(index, text, removed)
            if session.busy:  # asked: the reply is followed, as one sent from the message box
                self.transcript.scrollToBottom()

    def _edit_typed(self, row: int, text: str, removed: frozenset[int]) -> None:
        """The editor's text changed, or an image was taken out: the session holds the edit
        (its text by reference, no copy) for the recovery copies, which the autosaver writes
        on its own schedule, off this thread."""
        from chatdesk.core.edit_in_place import EditInPlace

        if self.session is not None:
            index = self.session.model.history_index(row)
            self.session.open_edit = EditInPlace(index, text, removed)

    def _edit_ended(self) -> None:
        """The editor closed: resent, cancelled, or set aside (then `kept_edit` holds it)."""
        if self.session is not None:
            self.session.open_edit = self.session.kept_edit

    def _ask_discard_edit(
        self,
        discard: Callable[[], None],
        kept: Callable[[], None] | None = None,
        why: str | None = None,
    ) -> None:
        """Esc or Cancel over a changed question (or what would take it away: `why` says
        what): Discard / Keep editing (the default, and Esc's; then `kept()`)."""
        from chatdesk.ui.inline_editor import discard_box
        from chatdesk.ui.qt.widgets import QMessageBox

        box = self.discard_question = discard_box(self, why)
        editor = self._inline_edit.editor if self._inline_edit is not None else None

        def answered() -> None:
            clicked = box.clickedButton()
            role = box.buttonRole(clicked) if clicked is not None else None
            if role == QMessageBox.ButtonRole.DestructiveRole:
                discard()
                return
            if editor is not None and self.inline_edit.editor is editor:
                editor.setFocus()  # typing goes on where it was
            if kept is not None:
                kept()

        box.finished.connect(lambda _r: answered())
        box.open()

    # -- an edit kept with its conversation ---------------------------------------------------
    def _set_edit_aside(self) -> None:
        """Close the editor (another conversation is about to be shown), keeping what was
        typed (and the images taken out) with the conversation it was typed in (none when
        that one is being closed)."""
        if self._inline_edit is None:
            return
        kept = self._inline_edit.set_aside()
        session = self.session
        if kept is not None and session is not None:
            from chatdesk.core.edit_in_place import EditInPlace

            row, text, removed = kept
            edit = EditInPlace(session.model.history_index(row), text, removed)
            session.kept_edit = session.open_edit = edit

    def edit_to_carry(self, session: ChatSession) -> tuple[EditInPlace, str | None] | None:
        """The question being edited in `session` (open, or set aside), taken out of it to be
        carried over to the session that follows its file (`carry_edit`): the edit, and the
        question's own text, which says whether it is still there then."""
        if session is self.session:
            self._set_edit_aside()
        kept = session.kept_edit
        if kept is None:
            return None
        conv = session.conversation
        return kept, conv[kept.index].content if 0 <= kept.index < len(conv) else None

    def carry_edit(self, session: ChatSession, edit: EditInPlace, question: str | None) -> None:
        """`session` now shows its file as another window changed it: the question edited
        here before (`edit_to_carry`) is opened again as it was left when it is still there,
        at the same place with the same text (the other window added turns after it);
        otherwise text typed goes to the message box (`_resume_edit`'s rule)."""
        if _still_there(session, edit.index, question):
            self.restore_edit(session, edit)
            self.autosaver.save_soon(session)  # the copy went with the session it replaces
        elif edit.text != question:
            self._edit_to_draft(session, edit.text)

    def _edit_lost(self, text: str) -> None:
        """The card being edited is gone (its question deleted, cleared, or replaced by
        another version of a turn before it): the changed text goes to the message box."""
        if self.session is not None:
            self._edit_to_draft(self.session, text)

    def restore_edit(self, session: ChatSession, edit: EditInPlace) -> None:
        """A question being edited when chatdesk was killed (its recovery copy kept it): open
        its editor as it was left when `session` is shown (see `_resume_edit`)."""
        session.kept_edit = session.open_edit = edit
        if session is self.session:
            self._resume_edit(session)

    def _resume_edit(self, session: ChatSession) -> None:
        """Open the editor of `session`'s kept edit again, with its text and without the
        images taken out, if its question is still there (shown first if older rows hide
        it). When it is gone, what was typed goes into the message box, and the status line
        says so: typing is never dropped unasked."""
        kept = session.kept_edit
        if kept is None or session.loading:  # (a file being read is not edited: kept till read)
            return
        session.kept_edit = None
        index, text = kept.index, kept.text
        conv, model = session.conversation, session.model
        if _still_there(session, index):
            row = model.reveal(index)
            kept = kept.fitted_to(conv[index])
            self.inline_edit.start(row, text, conv[index].content, kept.removed)
            session.open_edit = kept
            return
        self._edit_to_draft(session, text)

    def _edit_to_draft(self, session: ChatSession, text: str) -> None:
        """The question an edit was typed into is gone: what was typed goes into the message
        box (after its draft, if any), and the status line says so."""
        session.open_edit = None
        draft = session.conversation.draft
        draft = f"{draft.rstrip()}\n\n{text}" if draft.strip() else text
        session.set_draft(draft)
        if session is self.session:
            self.composer.set_text(draft)
        session.notice.emit(
            "The question you were editing is no longer in this conversation: "
            "what you typed into it is in the message box."
        )

    # -- what closing would end ---------------------------------------------------------------
    def unfinished(self, sessions: list[ChatSession], verb: str) -> Unfinished | None:
        """What closing `sessions` would end (quit_dialog.Unfinished), None when nothing: a
        reply still being written, a question edited in place and not resent."""
        from chatdesk.ui.quit_dialog import Unfinished

        writing = [s for s in sessions if s.busy]
        editing = [s for s in sessions if s.unfinished_edit() is not None]
        if not writing and not editing:
            return None
        return Unfinished(
            verb,
            [s.display_name() for s in writing],
            [s.display_name() for s in editing],
            lambda: self._settle(writing, editing),
        )

    def _settle(self, writing: list[ChatSession], editing: list[ChatSession]) -> None:
        """The user agreed to close: the replies stop (what arrived kept, marked stopped, and
        written to the library at once), the edits are dropped."""
        for session in editing:
            session.kept_edit = session.open_edit = None
            if session is self.session and self._inline_edit is not None:
                self._inline_edit.stop()
        for session in writing:
            session.stop_and_wait()
        self._flush_library(writing)


def _still_there(session: ChatSession, index: int, question: str | None = None) -> bool:
    """Whether the question an edit was opened over is still at `index` (with the text
    `question`, when known): else what was typed goes to the message box."""
    conv = session.conversation
    if not (0 <= index < len(conv) and conv[index].role == "user"):
        return False
    return question is None or conv[index].content == question
