"""The window's slots for a turn's card (mixed into `MainWindow`): "Include again" / "Leave
out", flipping between versions (‹ 2/3 ›), editing a question in place, and the Edit menu's
undo for the current conversation. They carry the row to the session, which decides.

A question being edited in place belongs to its conversation: shown another one, the edit is
set aside with it (`ChatSession.kept_edit`) and its editor opens again, with the text typed,
when it is shown again. Closing or quitting says what it would end (`unfinished`): an edit not
resent, and a reply still being written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core import alternatives

if TYPE_CHECKING:
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.inline_editor import InlineEditing
    from chatdesk.ui.qt.gui import QUndoGroup
    from chatdesk.ui.quit_dialog import Unfinished
    from chatdesk.ui.transcript_view import TranscriptView


class TurnActions:
    """Mixed into MainWindow: `self` is the window."""

    session: ChatSession | None
    transcript: TranscriptView
    undo_group: QUndoGroup
    inline_edit: InlineEditing
    _inline_edit: InlineEditing | None

    if TYPE_CHECKING:

        def _flush_library(self, sessions: list[ChatSession]) -> None: ...

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
            session.show_version(index, (position[0] - 1 + step) % position[1])

    def _edit(self, row: int) -> None:
        """Edit the question inside its card; its editor's keys resend or cancel."""
        if self.session is None:
            return
        editing = self._inline_edit
        if editing is not None and editing.editor is not None and editing.row == row:
            editing.editor.setFocus()  # already open: what was typed stays
            return
        message = self.session.model.message(row)
        self.inline_edit.start(row, message.content)

    def _edit_submitted(self, row: int, text: str) -> None:
        if self.session is not None:
            self.session.edit_and_resend(self.session.model.history_index(row), text)

    # -- an edit kept with its conversation ---------------------------------------------------
    def _set_edit_aside(self) -> None:
        """Close the editor (another conversation is about to be shown), keeping what was
        typed with the conversation it was typed in (none when that one is being closed)."""
        if self._inline_edit is None:
            return
        kept = self._inline_edit.set_aside()
        session = self.session
        if kept is not None and session is not None:
            row, text = kept
            session.kept_edit = (session.model.history_index(row), text)

    def _resume_edit(self, session: ChatSession) -> None:
        """Open the editor of `session`'s kept edit again, with its text, if its question is
        still there (the row of the same message; nothing when it was deleted meanwhile)."""
        kept = session.kept_edit
        if kept is None or session.loading:  # (a file being read is not edited: kept till read)
            return
        session.kept_edit = None
        index, text = kept
        model = session.model
        row = index - model.hidden
        if 0 <= row < model.rowCount() and model.message(row).role == "user":
            self.inline_edit.start(row, text)

    # -- what closing would end ---------------------------------------------------------------
    def _edited(self, session: ChatSession) -> bool:
        """Whether a question of `session` is being edited in place with text that is not
        the question's (an editor opened and left as it was loses nothing)."""
        if session is self.session:
            editing = self._inline_edit
            row = editing.row if editing is not None else None
            if editing is None or editing.editor is None or row is None:
                return False
            return editing.editor.toPlainText() != session.model.message(row).content
        kept, conv = session.kept_edit, session.conversation
        return kept is not None and 0 <= kept[0] < len(conv) and kept[1] != conv[kept[0]].content

    def unfinished(self, sessions: list[ChatSession], verb: str) -> Unfinished | None:
        """What closing `sessions` would end (quit_dialog.Unfinished), None when nothing: a
        reply still being written, a question edited in place and not resent."""
        from chatdesk.ui.quit_dialog import Unfinished

        writing = [s for s in sessions if s.busy]
        editing = [s for s in sessions if self._edited(s)]
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
            session.kept_edit = None
            if session is self.session and self._inline_edit is not None:
                self._inline_edit.stop()
        for session in writing:
            session.stop_and_wait()
        self._flush_library(writing)
