"""The window's slots for a turn's card (mixed into `MainWindow`): "Include again" / "Leave
out", flipping between versions (‹ 2/3 ›), editing a question in place, and the Edit menu's
undo for the current conversation. They carry the row to the session, which decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core import alternatives

if TYPE_CHECKING:
    from chatdesk.ui.chat_session import ChatSession
    from chatdesk.ui.inline_editor import InlineEditing
    from chatdesk.ui.qt.gui import QUndoGroup
    from chatdesk.ui.transcript_view import TranscriptView


class TurnActions:
    """Mixed into MainWindow: `self` is the window."""

    session: ChatSession | None
    transcript: TranscriptView
    undo_group: QUndoGroup
    inline_edit: InlineEditing
    _inline_edit: InlineEditing | None

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
