"""The edits a user makes to one conversation, for `ChatSession`: what each changes, undoably.

Deleting messages, clearing, adding a tool result, a preset, the examples (each one step of
the session's `undo_stack`: see conversation_undo), flipping between a turn's versions
(core/alternatives.py), "Include again" / "Leave out" (core/sending.py). Every change goes
through the session's transcript model, so the views and the token ledger hear only what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from chatdesk.core import alternatives
from chatdesk.core.conversation import Conversation, GenerationParams, TrimSettings
from chatdesk.core.messages import example_messages
from chatdesk.core.tool_results import MissingResult, missing_at, result_index, tool_result
from chatdesk.ui.conversation_undo import (
    ChangeSetup,
    ChooseInclude,
    EditPrompt,
    InsertMessages,
    RemoveMessages,
    SetSystemRole,
    Setup,
    setup_of,
)

if TYPE_CHECKING:
    from chatdesk.core.budget import Budget
    from chatdesk.core.edit_in_place import EditInPlace
    from chatdesk.core.presets import SystemPreset
    from chatdesk.core.window_draft import WindowDraft
    from chatdesk.ui.qt.core import SignalInstance
    from chatdesk.ui.qt.gui import QUndoStack
    from chatdesk.ui.transcript_model import TranscriptModel


class ConversationEditing:
    """The editing half of `ChatSession` (a mixin: it uses the session's model, budget,
    undo stack and state)."""

    conversation: Conversation
    model: TranscriptModel
    budget: Budget | None
    undo_stack: QUndoStack
    setupChanged: SignalInstance
    # The question being edited in place, open or set aside, as left so far: its text (the
    # window keeps it current by reference: the text is not copied per keystroke) and the
    # images taken out. `kept_edit`: the one set aside while another conversation is shown,
    # opened again when this one is. Class defaults: each session's own is set on it.
    open_edit: EditInPlace | None = None
    kept_edit: EditInPlace | None = None
    _window_draft: WindowDraft | None = None

    @property
    def window_draft(self) -> WindowDraft:
        """Which draft its library file keeps while another window has it open too
        (core/window_draft.py): made with its first use, after the first paint."""
        if self._window_draft is None:
            from chatdesk.core.window_draft import WindowDraft

            self._window_draft = WindowDraft()
        return self._window_draft

    def unfinished_edit(self) -> EditInPlace | None:
        """`open_edit` when it changes its question (`EditInPlace.changes`: an editor opened
        and left as it was loses nothing): what closing would drop, what recovery copies keep."""
        edit, conv = self.open_edit, self.conversation
        if edit is None:
            return None
        if 0 <= edit.index < len(conv) and not edit.changes(conv[edit.index]):
            return None
        return edit

    if TYPE_CHECKING:  # the session's own

        @property
        def busy(self) -> bool: ...
        def set_modified(self, modified: bool = True, *, undoable: bool = False) -> None: ...
        def update_plan(self) -> None: ...
        def clear_status(self, *, errors_only: bool = False) -> None: ...
        def prices_changed(self) -> None: ...
        def start_counting(self) -> None: ...

    def show_version(self, index: int, version: int) -> None:
        """Show version `version` (from 0) of the turn at `index`: it is what the next request
        sends. Raises IndexError for a version the message does not hold."""
        if self.busy:
            return
        tail = self.conversation.messages(index)
        shown = alternatives.flipped(tail, version)
        if shown is not tail:
            self.model.replace_tail(index, shown)
            self.set_modified()
            self.update_plan()

    def set_included(self, index: int, include: bool) -> None:
        """ "Include again" (True) or "Leave out" (False) history[index] in later requests; the
        rule for failed turns decides again when the choice matches it (core/sending.py).
        One undo step."""
        if self.busy:
            return
        reason = self.budget.ledger.reason(index) if self.budget is not None else None
        default = reason is None
        choice = None if include == default else include
        if choice != self.conversation[index].meta.include:
            text = "Include again" if include else "Leave out"
            self.undo_stack.push(ChooseInclude(self, index, choice, text))

    def missing_results(self, index: int) -> list[MissingResult]:
        """The tool calls of history[index] that no result answers yet (core/tool_results.py)."""
        return missing_at(self.conversation, index)

    def add_tool_result(self, call: MissingResult, content: str) -> None:
        """Answer `call` with `content`: a tool message after its assistant message and the
        results already there, in the calls' order. One undo step."""
        if self.busy or call not in self.missing_results(call.message_index):
            return
        at = result_index(self.conversation, call.message_index, call.call_id)
        result = tool_result(call, content)
        self.undo_stack.push(InsertMessages(self, at, [result], "Add tool result"))

    def delete(self, index: int) -> None:
        """Delete history[index]; Undo (Ctrl+Z) puts it back."""
        if self.busy:
            return
        self.undo_stack.push(RemoveMessages(self, index, 1, "Delete message"))

    def clear(self) -> None:
        """Remove every message, keeping the prompt, examples and parameters; undoable."""
        if self.busy or not len(self.conversation):
            return
        count = len(self.conversation)
        self.undo_stack.push(RemoveMessages(self, 0, count, "Clear conversation"))

    def history_edited(self) -> None:
        """The history changed by an undoable edit (see conversation_undo)."""
        self.set_modified(undoable=True)
        self.update_plan()

    # -- the system prompt, examples and parameters ---------------------------------------
    def set_system_prompt(self, text: str) -> None:
        """Typed into the prompt editor: one undo step per burst of typing (EditPrompt)."""
        before = self.conversation.system_prompt
        if text != before:
            self.undo_stack.push(EditPrompt(self, before, text))

    def set_system_role(self, role: str) -> None:
        """The role chosen for the system prompt in the editor: one undo step."""
        before = self.conversation.system_role
        if role != before:
            self.undo_stack.push(SetSystemRole(self, before, role))

    def show_role(self, role: str) -> None:
        """The system prompt's role set by the choice or by an undo step."""
        self.conversation.set_system_role(role)
        self.set_modified(undoable=True)
        self.update_plan()
        self.setupChanged.emit()

    def show_prompt(self, text: str, typed: bool) -> None:
        """The system prompt set by typing (`typed`: the editor shows it already) or by an
        undo step (the window shows it: setupChanged)."""
        self.conversation.system_prompt = text
        self.set_modified(undoable=True)
        self.update_plan()
        if not typed:
            self.setupChanged.emit()

    def set_params(
        self,
        params: GenerationParams,
        trimming: TrimSettings,
        mode: tuple[str | None, str] | None = None,
    ) -> None:
        """The parameters and trimming as edited; `mode`: (the API, None for the profile's;
        who keeps the history), as the parameters panel's API choice says (None: unchanged)."""
        conv = self.conversation
        conv.params, conv.trimming = params, trimming
        if mode is not None:
            conv.api, conv.history_keeper = mode
        self.set_modified()
        self.update_plan()

    # -- where it is sent, and how the library lists it -------------------------------------
    def use_profile(self, name: str | None, *, chosen: bool = True) -> None:
        """Send through connection profile `name` (None: the active one) and its default
        deployment from now on; the meter counts with its model, costs use its prices.
        `chosen` False: the profile the conversation named is gone and `name` stands in for
        it, which changes nothing the user did (the conversation is not marked modified)."""
        conv = self.conversation
        conv.profile, conv.deployment = name, None
        self.clear_status(errors_only=True)  # an error of the old profile no longer holds
        self.prices_changed()
        if chosen:
            self.set_modified()
        self.start_counting()  # another deployment may count with another encoding

    def use_deployment(self, name: str | None) -> bool:
        """Send to deployment `name` (None: the profile's default) from now on; the file
        records it, the meter counts with its model. False when it already was."""
        if self.conversation.deployment == name:
            return False
        self.conversation.deployment = name
        self.set_modified()
        self.prices_changed()  # prices are the deployment's own
        self.start_counting()
        return True

    def set_title(self, title: str) -> None:
        """The title the library lists it by (a rename)."""
        self.conversation.title = title

    def set_pinned_in_list(self, pinned: bool) -> None:
        """Whether the library lists it first."""
        self.conversation.pinned_in_list = pinned

    def set_examples(self, pairs: list[tuple[str, str]]) -> None:
        """The examples as edited in the examples editor (which shows them already);
        consecutive edits are one undo step."""
        before = setup_of(self)
        after = replace(before, examples=tuple(pairs))
        if after != before:
            edit = ChangeSetup(self, before, after, "Edit examples", merge=True, typed=True)
            self.undo_stack.push(edit)

    def apply_preset(self, preset: SystemPreset) -> None:
        """A preset's prompt, examples (or none) and parameters; undoable. Whether to ask
        first is the window's (`presets.replaces_own_prompt`)."""
        before = setup_of(self)
        after = Setup(
            preset.system_prompt, tuple(preset.examples), preset.apply_params(before.params)
        )
        self.undo_stack.push(ChangeSetup(self, before, after, f"Preset “{preset.name}”"))

    def apply_setup(self, setup: Setup, *, shown: bool = False) -> None:
        """Set the prompt, examples and parameters (an undo command's step); `shown`: the
        window shows them already (typed into the examples editor), so it is not told to show
        them again (that would rebuild the editor on every key). Examples whose text did not
        change keep their message, and so their token count."""
        conv = self.conversation
        conv.system_prompt = setup.system_prompt
        conv.examples = example_messages(list(setup.examples), conv.examples)
        conv.params = replace(setup.params)
        self.set_modified(undoable=True)
        self.update_plan()
        if not shown:
            self.setupChanged.emit()
