"""Undo for one conversation's edits: deleting messages, clearing, adding a tool result,
"Include again" / "Leave out", a preset, the examples.

Each `ChatSession` owns one `QUndoStack`; the window's Edit menu shows the current session's
(Ctrl+Z, Ctrl+Shift+Z). A command holds what it needs to go both ways and changes the
conversation through the session's transcript model, so the views and the token ledger hear
each change as the smallest notification (see `TranscriptModel`). Typing in the system prompt
is on the same stack (keystrokes without a pause of `TYPING_PAUSE` are one step), so undoing
a preset after typing brings back what was typed; other text fields keep their own undo while
they have the focus (Qt gives a focused text edit Ctrl+Z first).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

import msgspec
from msgspec.structs import replace

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.ui.qt.gui import QUndoCommand

if TYPE_CHECKING:
    from chatdesk.ui.transcript_model import TranscriptModel

_EXAMPLES_ID = 1  # consecutive example edits merge into one step
_PROMPT_ID = 2  # and so do keystrokes in the system prompt, until a pause
TYPING_PAUSE = 1.0  # seconds without typing that end an undo step


class Setup(msgspec.Struct, frozen=True):
    """What a preset sets: the system prompt, the examples and the parameters."""

    system_prompt: str
    examples: tuple[tuple[str, str], ...]
    params: GenerationParams


class UndoHost(Protocol):
    """What the commands need of the session (`ChatSession` is one)."""

    conversation: Conversation
    model: TranscriptModel

    def history_edited(self) -> None: ...
    def apply_setup(self, setup: Setup, *, shown: bool = False) -> None: ...
    def show_prompt(self, text: str, typed: bool) -> None: ...
    def show_role(self, role: str) -> None: ...


class RemoveMessages(QUndoCommand):
    """history[index:index + count] removed (Delete, Clear conversation); undo puts them back."""

    def __init__(self, session: UndoHost, index: int, count: int, text: str) -> None:
        super().__init__(text)
        self._session, self._index, self._count = session, index, count
        self._removed: list[Message] = []

    def redo(self) -> None:
        self._removed = self._session.model.remove_range(self._index, self._count)
        self._session.history_edited()

    def undo(self) -> None:
        self._session.model.insert(self._index, self._removed)
        self._session.history_edited()


class InsertMessages(QUndoCommand):
    """`messages` inserted at history[index] (Add tool result); undo removes them again."""

    def __init__(self, session: UndoHost, index: int, messages: list[Message], text: str) -> None:
        super().__init__(text)
        self._session, self._index, self._messages = session, index, messages

    def redo(self) -> None:
        self._session.model.insert(self._index, self._messages)
        self._session.history_edited()

    def undo(self) -> None:
        self._session.model.remove_range(self._index, len(self._messages))
        self._session.history_edited()


class ChooseInclude(QUndoCommand):
    """history[index]'s "Include again" / "Leave out" choice (`Message.meta.include`: True,
    False, or None for the rule of core/sending.py); undo puts back the one before."""

    def __init__(self, session: UndoHost, index: int, after: bool | None, text: str) -> None:
        super().__init__(text)
        self._session, self._index, self._after = session, index, after
        self._before = session.conversation[index].meta.include

    def redo(self) -> None:
        self._session.model.set_include(self._index, self._after)
        self._session.history_edited()

    def undo(self) -> None:
        self._session.model.set_include(self._index, self._before)
        self._session.history_edited()


class ChangeSetup(QUndoCommand):
    """The system prompt, examples and parameters replaced (a preset, an examples edit)."""

    def __init__(self, session: UndoHost, before: Setup, after: Setup, text: str,
                 merge: bool = False, typed: bool = False) -> None:  # fmt: skip
        super().__init__(text)
        self._session, self.before, self.after, self._merge = session, before, after, merge
        # The first redo of an edit typed in the examples editor: the editor shows it already.
        self._typed = typed

    def redo(self) -> None:
        self._session.apply_setup(self.after, shown=self._typed)
        self._typed = False

    def undo(self) -> None:
        self._session.apply_setup(self.before)

    def id(self) -> int:
        return _EXAMPLES_ID if self._merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ChangeSetup) or not other._merge:
            return False
        self.after = other.after  # typing in an example: one step, not one per keystroke
        return True


class EditPrompt(QUndoCommand):
    """The system prompt as typed; undo puts back the text from before the typing."""

    def __init__(self, session: UndoHost, before: str, after: str) -> None:
        super().__init__("Typing in the system prompt")
        self._session, self.before, self.after = session, before, after
        self._typed = True  # the first redo is the typing itself: the editor shows it already
        self._at = time.monotonic()

    def redo(self) -> None:
        self._session.show_prompt(self.after, self._typed)
        self._typed = False

    def undo(self) -> None:
        self._session.show_prompt(self.before, False)

    def id(self) -> int:
        return _PROMPT_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditPrompt) or other._at - self._at > TYPING_PAUSE:
            return False
        self.after, self._at = other.after, other._at
        self.setObsolete(self.after == self.before)  # typed and deleted again: no step
        return True


class SetSystemRole(QUndoCommand):
    """The role chosen for the system prompt (a model that takes either); undo puts it back."""

    def __init__(self, session: UndoHost, before: str, after: str) -> None:
        super().__init__("System prompt's role")
        self._session, self.before, self.after = session, before, after

    def redo(self) -> None:
        self._session.show_role(self.after)

    def undo(self) -> None:
        self._session.show_role(self.before)


def setup_of(session: UndoHost) -> Setup:
    conv = session.conversation
    examples = tuple(
        (conv.examples[i].content, conv.examples[i + 1].content)
        for i in range(0, len(conv.examples) - 1, 2)
    )
    return Setup(conv.system_prompt, examples, replace(conv.params))
