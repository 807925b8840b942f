"""One open conversation in the window: its transcript model, token budget and reply in flight.

It decides nothing about HTTP or tokens itself: the service prepares and streams, the core
counts and trims. It keeps the Qt side honest: the service runs on the thread pool, streamed
text is applied on the GUI thread in batches (one transcript update per ~30 ms, not one per
token), and the user's message is never lost when a request fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatdesk.core import alternatives
from chatdesk.core.conversation import Conversation
from chatdesk.core.image_input import image_problem
from chatdesk.core.messages import Message, MessageMeta, now_iso
from chatdesk.core.models import ModelMatch, resolve_model
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.text_policy import replace_surrogates
from chatdesk.core.usage import larger_limit, spent_on_reasoning
from chatdesk.service.events import (
    CancelToken,
    ReasoningDelta,
)
from chatdesk.ui.qt.core import QCoreApplication, QDeadlineTimer, QObject, QTimer, Signal
from chatdesk.ui.qt.gui import QUndoStack
from chatdesk.ui.session_edits import ConversationEditing
from chatdesk.ui.session_reply import ReplyStreaming, replaced_text
from chatdesk.ui.transcript_model import TranscriptModel
from chatdesk.ui.worker import FunctionWorker, GeneratorWorker

__all__ = ["TRANSCRIPT_WINDOW", "ChatSession"]

if TYPE_CHECKING:
    from chatdesk.core.budget import Budget
    from chatdesk.core.disk_state import DiskState
    from chatdesk.core.pricing import ConversationCost, PriceBook
    from chatdesk.core.session_state import ScrollAnchor
    from chatdesk.core.trimming import TrimPlan
    from chatdesk.service.backend import ChatBackend

FLUSH_MS = 30
TICK_MS = 1000  # the "Thinking… 0:42" clock
# A worker building messages holds the GIL; sleeping this long between chunks lets the GUI
# thread take it at once instead of after the interpreter's 5 ms switch interval.
YIELD_S = 0.00005
IDLE_TURNS = 2  # event-loop turns before the loader of a long conversation starts
TRANSCRIPT_WINDOW = 300


def _yield_gil() -> None:
    time.sleep(YIELD_S)


class ChatSession(ReplyStreaming, ConversationEditing, QObject):
    """Signals: busyChanged(bool), planChanged(object: TrimPlan | None), modifiedChanged(bool),
    replyFinished(object: ReplyResult), failed(object: ChatError), notice(str),
    usageChecked(int estimated, object actual: int | None, bool service_kept), budgetReady(),
    learned(object: Adjusted): the service adjusted a request and remembers it for the
    deployment (the settings hold it: save them); setupChanged(): the prompt, examples or
    parameters were set by a preset or an undo step (the editors show them again);
    costChanged(str text, str tip): the meter's cost line ("" without prices).
    refused(str): a send refused before anything left (images the model cannot take, tool
    calls without results), the draft kept. `undo_stack`: its undoable edits (conversation_undo).

    What the window shows of this conversation's state lives here, so switching shows this
    conversation's: `status` (the last notice or error, "" for none; `status_is_error`),
    `usage_check` (the last reply's estimated and counted prompt tokens) and `cost`.
    """

    busyChanged = Signal(bool)
    planChanged = Signal(object)
    modifiedChanged = Signal(bool)
    replyFinished = Signal(object)
    failed = Signal(object)
    notice = Signal(str)
    usageChecked = Signal(int, object, bool)
    budgetReady = Signal()
    learned = Signal(object)
    setupChanged = Signal()
    costChanged = Signal(str, str)
    refused = Signal(str)

    def __init__(
        self,
        conversation: Conversation,
        service: ChatBackend,
        profile_for: Callable[[Conversation], ConnectionProfile | None],
        path: Path | None = None,
        parent: QObject | None = None,
        profiles: Callable[[], Iterable[ConnectionProfile]] = tuple,
    ) -> None:
        super().__init__(parent)
        self.conversation = conversation
        self.service = service
        self._profile_for = profile_for  # not a closure over self: no cycle holds the messages
        self.profiles = profiles  # all profiles: a reply made with another has its prices
        self.path = path
        self.model = TranscriptModel(self)
        self.undo_stack = QUndoStack(self)
        # Undoing back to the saved point leaves nothing unsaved, unless a change undo cannot
        # reach (a sent message, a parameter) came since.
        self.undo_stack.cleanChanged.connect(self._undo_clean_changed)
        self._changed_outside_undo = False
        # A long conversation opens with its newest messages as rows; older ones on scroll.
        self.model.set_conversation(conversation, None, window=TRANSCRIPT_WINDOW)
        self.budget: Budget | None = None
        self.plan: TrimPlan | None = None
        self._modified = False
        # The draft its own file holds, as read or last written; None: no file of its own (new,
        # a request body). A draft typed since is an unsaved change (see `modified`).
        self.saved_draft: str | None = None
        self.disk: DiskState | None = None  # the file as read or last saved (see file_flows)
        # Its id in the library when it lives there (see library_saver); None: not (yet).
        self.library_id: str | None = None
        self.revision = 0  # bumped by every change, the draft included: what autosave follows
        # True while its file is read (ui/session_loader.py): shown, nothing sent or edited.
        self.loading = False
        self.loading_draft: str | None = None  # the draft it opens with; None: the file's
        # Where the transcript was scrolled while another conversation was shown (or when the
        # last session ended); None: at the newest message.
        self.scroll: ScrollAnchor | None = None
        self._worker: GeneratorWorker | None = None
        self._cancel: CancelToken | None = None
        self._reply_index: int | None = None  # the history index of the reply being streamed
        self._pending: list[str] = []
        self._pending_reasoning: list[ReasoningDelta] = []  # reasoning summary, not yet shown
        self._estimate = 0  # the meter's prompt count for the request in flight
        self._service_kept = False
        self._send_when_ready = False
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(FLUSH_MS)
        self._flush.timeout.connect(self._apply_pending)
        self._tick = QTimer(self)  # runs only while a reply is asked for and no text came yet
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._said: list[str] = []  # what the service changed in this reply's request
        self._retried = False
        self._retry_reason = ""
        # Regenerate's replaced history (index, messages), until the new reply keeps it.
        self._replaced: tuple[int, list[Message]] | None = None
        self._loader: FunctionWorker | None = None
        self._idle = QTimer(self)  # starts the loader of a long conversation after first paint
        self._idle.setInterval(0)
        self._idle.timeout.connect(self._idle_tick)
        self._idle_turns = 0
        self.status = ""
        self.status_is_error = False
        self.usage_check: tuple[int, int | None] | None = None
        self.cost: tuple[str, str] = ("", "")
        self._spent: ConversationCost | None = None  # None: to be added up again
        self._last_spent: ConversationCost | None = None  # shown while a reply streams
        conversation.subscribe(self._history_changed)
        # Connected first, so the state is current when the window's slots run.
        self.notice.connect(self._note)
        self.failed.connect(lambda error: self._note(error.text, error=True))
        self.usageChecked.connect(self._usage_checked)
        self.busyChanged.connect(lambda busy: self.clear_status() if busy else None)
        self.replyFinished.connect(lambda _result: self.clear_status())

    def replace_conversation(self, conversation: Conversation) -> None:
        """Show `conversation` in place of the one being loaded (its newest rows first)."""
        self.conversation.unsubscribe(self._history_changed)
        self.conversation = conversation
        conversation.subscribe(self._history_changed)
        self._spent = None
        self.model.set_conversation(conversation, None, window=TRANSCRIPT_WINDOW)

    def profile_source(self) -> ConnectionProfile | None:
        """The connection profile this conversation uses; None when there is none."""
        return self._profile_for(self.conversation)

    # -- tokens ------------------------------------------------------------------------------
    def model_match(self) -> ModelMatch:
        profile = self.profile_source()
        if profile is not None:
            return profile.model_match(self.conversation.model)
        return resolve_model(self.conversation.model)

    def start_counting(self) -> None:
        """Load the tokenizer off the GUI thread; the meter says "Counting…" meanwhile."""
        match = self.model_match()
        self.budget = None
        self.planChanged.emit(None)
        # The worker makes the budget, counts what is already there and brings the ledger's
        # sums up to date (O(history): ~0.2 s at 100,000 messages); the GUI thread then only
        # reads cached counts. It also builds the messages an opened file still holds as data,
        # so the GUI thread builds only the rows it shows. The budget is the GUI thread's once
        # handed over; a change made meanwhile is seen by its ledger (TokenLedger.sync).
        conversation = self.conversation
        pinned = conversation.pinned()

        def load() -> Budget:
            # Counting starts after the first paint: its modules are imported then, not with
            # the window's.
            from chatdesk.core import collector
            from chatdesk.core.budget import Budget

            budget = Budget(conversation, match=match)  # loads the tables off the GUI thread
            # No collection walks the heap while it grows by the messages built (each walk
            # held the interpreter from the GUI thread 200-350 ms at 100,000 messages).
            with collector.building(len(conversation)):
                history = conversation.build_all(pause=_yield_gil)
                for message in (*pinned, *history):
                    budget.counter.count_message(message)
                budget.ledger.sync()
            return budget

        loader = self._loader = FunctionWorker(load, self)
        loader.returned.connect(lambda budget: self._budget_loaded(loader, budget))
        loader.errored.connect(lambda exc: self.notice.emit(f"Token counting failed: {exc}"))
        self._idle.stop()
        if self.model.hidden:
            # Thousands of messages to build: a worker doing that holds the GIL the GUI thread
            # needs to lay out and paint the newest rows. It starts once those are done.
            self._idle_turns = IDLE_TURNS
            self._idle.start()
        else:
            loader.start()

    def _idle_tick(self) -> None:
        # A zero-interval timer fires once per event-loop turn, after the posted events
        # (a paint request is one): the list lays out in one turn and paints in the next.
        self._idle_turns -= 1
        if self._idle_turns <= 0 and self._loader is not None:
            self._idle.stop()
            self._loader.start()

    def _budget_loaded(self, loader: FunctionWorker, budget: Budget) -> None:
        if loader is not self._loader or budget.conversation is not self.conversation:
            budget.close()  # counted for a model or conversation no longer shown
            return
        if self.budget is not None:
            self.budget.close()
        self.budget = budget
        self.model.set_ledger(self.budget.ledger, estimate=not budget.match.exact)
        self.model.set_prices(self.prices())
        self.update_plan()
        self.budgetReady.emit()
        if self._send_when_ready:
            self._send_when_ready = False
            self._start_reply()

    @property
    def draft(self) -> str:
        """The message being typed; it lives in the conversation, so saves keep it."""
        return self.conversation.draft

    def set_draft(self, text: str) -> None:
        if text != self.conversation.draft:  # showing a conversation sets its own draft again
            was = self.modified
            self.conversation.draft = text
            self.revision += 1
            self._tell_if_modified_changed(was)
        self.update_plan()

    def update_plan(self) -> None:
        """Recompute what the next request sends: O(log n) plus the draft's changed paragraph."""
        if self.budget is None:
            return
        self.plan = self.budget.plan(self.draft, draft_images=self.conversation.draft_images)
        self.model.set_first_sent(self.plan.first_sent)
        self.model.set_reply_room(self.plan.reserve, self.budget.family.max_output)
        self.planChanged.emit(self.plan)
        self._update_cost()

    # -- status and cost ---------------------------------------------------------------------
    def _note(self, text: str, error: bool = False) -> None:
        self.status, self.status_is_error = text, error and bool(text)

    def clear_status(self, *, errors_only: bool = False) -> None:
        """Forget the status line (`errors_only`: only if it is an error, e.g. after the
        profile was fixed)."""
        if not errors_only or self.status_is_error:
            self.status, self.status_is_error = "", False

    def _usage_checked(self, estimated: int, actual: int | None) -> None:
        self.usage_check = (estimated, actual)

    def prices(self) -> PriceBook | None:
        """The prices: each reply's at the profile and deployment that made it, the next
        request's at the conversation's (core/pricing.py); None when no prices are set."""
        profile = self.profile_source()
        return profile.price_book(self.profiles()) if profile is not None else None

    def _history_changed(self, _index: int) -> None:
        self._spent = None  # O(1) per change (a streamed chunk too); added up when shown

    def prices_changed(self) -> None:
        """The profile (or its prices) changed: replies and the meter show the new costs."""
        self._spent = self._last_spent = None
        self.model.set_prices(self.prices())
        self._update_cost()

    def _update_cost(self) -> None:
        """The meter's cost line. O(1) per keystroke; the conversation's total is added up
        again (one pass) only after its history changed, and not while a reply streams."""
        book = self.model.prices
        if book is None or self.plan is None:
            cost = ("", "")
        else:  # prices are set: decimal is imported by now
            from chatdesk.core.pricing import NOTHING_SPENT, conversation_cost, cost_line

            if self._spent is None and not self.busy:
                self._spent = conversation_cost(book, self.conversation.messages())
                self._last_spent = self._spent
            # While a reply streams: the total from before it, not "$0" until it ends.
            spent = self._spent or self._last_spent or NOTHING_SPENT
            next_prices = book.next_request
            cost = cost_line(next_prices, self.plan.prompt_tokens, self.plan.reserve, spent)
        if cost != self.cost:
            self.cost = cost
            self.costChanged.emit(*cost)

    # -- state -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def modified(self) -> bool:
        """Changed since its file was read or written: the messages, the setup, or the draft
        of a file of the user's own. A library conversation's draft is written by its saver
        (`library_id` set), so its draft alone leaves nothing unsaved."""
        return self._modified or self._draft_unsaved()

    @property
    def edited(self) -> bool:
        """Changed apart from its draft (the messages or the setup) since read or written."""
        return self._modified

    def _draft_unsaved(self) -> bool:
        saved = self.saved_draft
        return saved is not None and self.library_id is None and self.draft != saved

    def set_modified(self, modified: bool = True, *, undoable: bool = False) -> None:
        """Changed since saved (True), or saved now (False: the undo stack's clean point is
        here). `undoable`: the change is an undo step's, so undoing it may reach that point."""
        if modified:
            self.revision += 1
            self._changed_outside_undo |= not undoable
        else:
            self._changed_outside_undo = False
            self.undo_stack.setClean()
            if self.saved_draft is not None or self.path is not None:
                self.saved_draft = self.draft  # written with the rest
        was = self.modified
        self._modified = modified
        self._tell_if_modified_changed(was)

    def _tell_if_modified_changed(self, was: bool) -> None:
        """`modifiedChanged` when `modified` is no longer `was` (a change to the messages or to
        the draft may or may not change it: see `modified`)."""
        if self.modified != was:
            self.modifiedChanged.emit(not was)

    def _undo_clean_changed(self, clean: bool) -> None:
        if clean and self._modified and not self._changed_outside_undo:
            self._modified = False
            if not self.modified:  # a draft typed since is still unsaved
                self.modifiedChanged.emit(False)

    # -- actions -----------------------------------------------------------------------------
    def set_draft_images(self, parts: list[dict[str, Any]]) -> None:
        """The images attached to the draft (`image_url` parts, prepared by `attach_flow`)."""
        self.conversation.draft_images = list(parts)
        self.revision += 1
        self.update_plan()

    def send(self, text: str) -> bool:
        """Add the user's message (with the draft's images) and ask for a reply; with nothing
        typed or attached, send the conversation as it is (`send_as_is`). False if a reply is
        still streaming, or nothing was sent (`refused` or the status line says why; the draft
        is kept)."""
        images = self.conversation.draft_images
        if self.busy or self.loading or self.written_elsewhere():
            return False
        if not (text.strip() or images):
            return self.send_as_is()
        if images:
            match = self.model_match()
            problem = image_problem(self.image_count(), match.family, match.exact)
            if problem is not None:
                self.refused.emit(f"{problem.text} {problem.hint}")
                return False
        # The question would follow a call with no result, or go with images Azure refuses.
        if self.results_missing() or self.images_refused(images):
            return False
        text = self._storable(text)
        self.model.append(Message.new("user", text).with_images(images))
        self.conversation.draft_images = []
        self.set_draft("")
        self.set_modified()
        self._start_reply()
        return True

    def _storable(self, text: str) -> str:
        """Typed or pasted text as it can be saved (text_policy), said when it was changed."""
        text, replaced = replace_surrogates(text)
        if replaced:
            self.notice.emit(replaced_text(replaced))
        return text

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def regenerate(self, index: int | None = None) -> None:
        """Ask again for the last reply (and anything after `index`); the replaced one is kept
        as an alternative of the new reply (core/alternatives.py)."""
        if self.busy or not len(self.conversation) or self.written_elsewhere():
            return
        index = self._last_index("assistant") if index is None else index
        if index is None or self.conversation[index].role != "assistant":
            return
        self._replaced = (index, self.model.truncate(index))
        self.set_modified()
        self._start_reply()

    def edit_and_resend(self, index: int, text: str, removed: Container[int] = ()) -> None:
        """Change an earlier user message (its text; `removed`: the positions of content parts
        taken out, images) and ask again; the question as it was, with the turns after it,
        is kept as an alternative of the new one (core/alternatives.py)."""
        if self.busy or self.conversation[index].role != "user" or self.written_elsewhere():
            return
        # Its other parts stay; its text is the new one (None: nothing left to send).
        question = self.conversation[index].edited(self._storable(text), removed)
        if question is None:
            return
        old = self.model.truncate(index)
        question.meta = MessageMeta(created_at=now_iso())
        question.meta.alternatives = alternatives.after_replacing(old)
        self.model.append(question)
        self.set_modified()
        self._start_reply()

    def retry(self, index: int) -> None:
        """Send again after a failure: from the failed message, or replacing a partial reply."""
        if self.busy or self.written_elsewhere():
            return
        message = self.conversation[index]
        spent = spent_on_reasoning(message.content, message.meta.finish_reason, message.meta.usage)
        limit = larger_limit(spent, *self.model.reply_room) if spent is not None else None
        if limit is not None:  # reasoning used the whole limit: ask again with the card's offer
            self.conversation.params.max_tokens = limit
            self.setupChanged.emit()  # Parameters shows it at once
        if message.role == "assistant":  # the partial reply is kept as an alternative
            self._replaced = (index, self.model.truncate(index))
        else:
            self.model.truncate(index + 1)
            self.model.set_error(index, None)
        self.set_modified()
        self._start_reply()

    def continue_reply(self, index: int) -> None:
        """Ask the model to go on with the last reply (cut at the length limit, stopped...)."""
        if self.busy or index != len(self.conversation) - 1 or self.written_elsewhere():
            return
        if self.conversation[index].role != "assistant":
            return
        self._start_reply(continue_index=index)

    def display_name(self, with_file: bool = False) -> str:
        """A file of the user's: its title, else its name (`with_file`: both, see `file_title`;
        " (opening…)" while it loads); else (new, or in the library, whose file names are
        ids) the title given, or made from the first exchange."""
        from chatdesk.core.titles import conversation_title, file_title  # after the first paint

        if self.path is not None and self.library_id is None:
            name = file_title(self.conversation.title, self.path.name, with_file)
            return name + (" (opening…)" if self.loading else "")

        return conversation_title(self.conversation)

    # -- closing -----------------------------------------------------------------------------
    def stop_and_wait(self, timeout_ms: int = 3000) -> None:
        """Stop a reply in flight and wait for it to end, keeping what arrived (marked stopped)."""
        self.stop()
        deadline = QDeadlineTimer(timeout_ms)
        while self._worker is not None and not deadline.hasExpired():
            QCoreApplication.processEvents()
            if (worker := self._worker) is not None:
                worker.wait(0.02)

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Stop a reply in flight and wait for it, keeping what arrived (the window is closing)."""
        self._idle.stop()
        self.stop_and_wait(timeout_ms)
        if self.budget is not None:
            self.budget.close()
            self.budget = None
        # No cycle of this session holds its messages now: they go with the last reference.
        self.conversation.unsubscribe(self._history_changed)
        self.model.set_conversation(None)
        self._loader = None
