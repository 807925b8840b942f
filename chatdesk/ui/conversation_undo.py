"""Undo for one conversation's edits: deleting messages, clearing, adding a tool result,
"Include again" / "Leave out", a preset, the examples.

Each `ChatSession` owns one `QUndoStack`; the window's Edit menu shows the current session's
(Ctrl+Z, Ctrl+Shift+Z). A command holds what it needs to go both ways and changes the
conversation through the session's transcript model, so the views and the token ledger hear
each change as the smallest notification (see `TranscriptModel`). Typing in the system prompt
is on the same stack (keystrokes without a pause of `TYPING_PAUSE` are one step), so undoing
a preset after typing brings back what was typed; other text fields keep their own undo while
they have the focus (Qt gives a focused text edit Ctrl+Z first).

The conversation list keeps an undo history of its own (`LibrarySidebar.undo_stack`): Move to
Trash (`MoveToTrash`), undone with Ctrl+Z and Edit ▸ Undo as in any desktop app, not only by the
sidebar's passing Undo button, and never mixed with a conversation's edits. `FocusedUndo` picks
which history Edit ▸ Undo / Redo serve: the list's while the sidebar has the focus, else the
shown conversation's. Here, not in a module of its own: the first frame loads this one anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import msgspec
from msgspec.structs import replace

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.ui.qt.core import QObject
from chatdesk.ui.qt.gui import QUndoCommand, QUndoGroup
from chatdesk.ui.qt.widgets import QApplication

if TYPE_CHECKING:
    from chatdesk.ui.qt.gui import QUndoStack
    from chatdesk.ui.qt.widgets import QWidget
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


# -- the conversation list ---------------------------------------------------------------
MOVE_TO_TRASH = "Move to Trash"  # Edit ▸ Undo reads "Undo Move to Trash"


class TrashHost(Protocol):
    """What the command needs of the sidebar (`LibrarySidebar` is one)."""

    def trash_again(self, command: MoveToTrash) -> None: ...
    def restore_trashed(self, command: MoveToTrash) -> None: ...


class MoveToTrash(QUndoCommand):
    """Conversation `id`, already moved to the trash when pushed; undo restores it, redo moves
    it to the trash again."""

    def __init__(self, sidebar: TrashHost, conversation_id: str) -> None:
        super().__init__(MOVE_TO_TRASH)
        # Not `self.id`: PySide takes an attribute named as a virtual (QUndoCommand.id) for its
        # override, and the stack's merge check called the string: a crash on the second push.
        self.sidebar, self.conversation_id = sidebar, conversation_id
        self._done = True  # the first redo is the move itself, which has happened

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.sidebar.trash_again(self)

    def undo(self) -> None:
        self.sidebar.restore_trashed(self)


class HasUndo(Protocol):
    """A session with its undo history (`ChatSession` is one)."""

    undo_stack: QUndoStack


class FocusedUndo(QObject):
    """Makes the sidebar's history the window's active one while the sidebar has the focus,
    and the shown conversation's (`session()`) otherwise."""

    def __init__(
        self,
        group: QUndoGroup,
        sidebar: QWidget,
        stack: QUndoStack,
        session: Callable[[], HasUndo | None],
    ) -> None:
        super().__init__(group)
        self._group, self._sidebar, self._stack, self._session = group, sidebar, stack, session
        group.addStack(stack)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def update(self) -> None:
        """Activate the history the focus calls for (after focus moves, or a new session)."""
        focus = QApplication.focusWidget()
        in_sidebar = focus is not None and (
            focus is self._sidebar or self._sidebar.isAncestorOf(focus)
        )
        session = self._session()
        if in_sidebar:
            self._group.setActiveStack(self._stack)
        elif session is not None:
            self._group.setActiveStack(session.undo_stack)

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        self.update()
