"""The reply in flight, for `ChatSession`: asking for it, streaming it in, finishing it.

The service streams on the thread pool (the one worker in ui/worker.py); its text is applied
on the GUI thread in batches (one transcript update per ~30 ms, not one per token), and the
user's message is never lost when a request fails: the error is shown on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatdesk.core import alternatives
from chatdesk.core.endings import begin_continue
from chatdesk.core.image_input import count_image_parts, count_images
from chatdesk.core.messages import Message
from chatdesk.core.sending import ANSWERED_ROLES, awaits_reply, nothing_to_send
from chatdesk.core.text_policy import replaced_notice
from chatdesk.core.tool_results import TITLE, missing_hint, missing_results, missing_text
from chatdesk.core.usage import prompt_tokens
from chatdesk.service.events import (
    Adjusted,
    CancelToken,
    ChatError,
    ReasoningDelta,
    ReplyDelta,
    ReplyResult,
    RetryNotice,
)
from chatdesk.ui.worker import GeneratorWorker

if TYPE_CHECKING:
    from chatdesk.core.budget import Budget
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.trimming import TrimPlan
    from chatdesk.ui.qt.core import QTimer, SignalInstance
    from chatdesk.ui.transcript_model import TranscriptModel


class ReplyStreaming:
    """The streaming half of `ChatSession` (a mixin: it uses the session's model, budget,
    signals, timers and state)."""

    conversation: Conversation
    model: TranscriptModel
    service: Any
    budget: Budget | None
    plan: TrimPlan | None
    revision: int
    if TYPE_CHECKING:

        def profile_source(self) -> ConnectionProfile | None: ...

    _worker: GeneratorWorker | None
    _cancel: CancelToken | None
    _reply_index: int | None
    _pending: list[str]
    _pending_reasoning: list[ReasoningDelta]
    _estimate: int
    _service_kept: bool
    _send_when_ready: bool
    _flush: QTimer
    _tick: QTimer
    _said: list[str]
    _retried: bool  # a RetryNotice came and no text since: its notice is still shown
    _retry_reason: str  # that notice's reason ("Rate limit reached (429)")
    _replaced: tuple[int, list[Message]] | None
    busyChanged: SignalInstance
    replyFinished: SignalInstance
    failed: SignalInstance
    notice: SignalInstance
    refused: SignalInstance
    usageChecked: SignalInstance
    learned: SignalInstance

    if TYPE_CHECKING:  # the session's own

        def set_modified(self, modified: bool = True, *, undoable: bool = False) -> None: ...

        def update_plan(self) -> None: ...

        def retry(self, index: int) -> None: ...

    def send_as_is(self) -> bool:
        """Ask for a reply to the conversation as it is (Send with an empty message box): one
        that ends in a question or a tool result (`core/sending.awaits_reply`, the rule
        `chatdesk send` follows); a question whose request failed is sent again, as Retry
        does. Else the status line says why nothing was sent, and False."""
        conv = self.conversation
        last = conv[len(conv) - 1] if len(conv) else None
        if self.results_missing():  # first: a tool call is not a reply that ends the talk
            return False
        if last is None or not awaits_reply(last):
            self.notice.emit(nothing_to_send(last))
            return False
        if self.images_refused():  # named before anything leaves, not after Azure's 400
            return False
        if last.meta.error:
            self.retry(len(conv) - 1)
            return True
        self.notice.emit("")
        self.set_modified()
        self._start_reply()
        return True

    def written_elsewhere(self) -> bool:
        """True, and `refused` says why, while another chatdesk is still writing this
        conversation's last reply (`core/in_flight.py`): Send, Regenerate, Retry, Continue and
        edit-and-resend change nothing then, the draft stays. The service checks again in
        `prepare` (`service/send_checks.py`), as it does for `chatdesk send`."""
        from chatdesk.core.in_flight import REFUSED_HINT, refused_text, written_elsewhere

        writer = written_elsewhere(self.conversation)
        if writer is not None:
            self.refused.emit(f"{refused_text(writer)} {REFUSED_HINT}")
        return writer is not None

    def results_missing(self) -> bool:
        """Whether what the next request would send (the plan, with the draft) holds tool
        calls without results (core/tool_results.py): then `refused` names them and what to
        do, and nothing is sent; the draft stays. The service checks again in `prepare`."""
        missing = missing_results(self.conversation, self.plan.sent) if self.plan else []
        if missing:
            how = "Add tool result… on the call's card"
            self.refused.emit(f"{TITLE}: {missing_text(missing)} {missing_hint(how)}")
        return bool(missing)

    def image_count(self) -> int:
        """The images the next request carries: the history it sends and the draft's (read
        without building messages: attaching while a long file is still counted)."""
        conv, plan = self.conversation, self.plan
        sent = count_image_parts(conv.contents(plan.first_sent if plan is not None else 0))
        return count_images(conv.pinned()) + sent + len(conv.draft_images)

    def images_refused(self, draft_images: list[dict[str, Any]] | None = None) -> bool:
        """True, and `refused` names them, when images the next request would carry cannot be
        sent (`core/image_checks.py`: the rule Attach checks by); nothing has changed then."""
        if self.plan is None:  # not counted yet: the send waits, and the service checks them
            return False
        from chatdesk.core.image_checks import request_image_problem  # a send's, not the frame's

        problem = request_image_problem(self.conversation, self.plan, draft_images or [])
        if problem is None:
            return False
        self.refused.emit(f"{problem.text} {problem.hint}")
        return True

    def _start_reply(self, continue_index: int | None = None) -> None:
        profile = self.profile_source()
        if profile is None:
            self._restore_replaced()
        user_index = self._asked_index()
        if profile is None:
            self._fail(
                ChatError(
                    "No connection",
                    "There is no connection profile to send this to.",
                    "Open Connections… (Ctrl+K) and add your Azure OpenAI endpoint.",
                ),
                user_index,
            )
            return
        if self.budget is None:
            self._send_when_ready = True
            self.notice.emit("Counting tokens…")
            return
        try:
            prepared = self.service.prepare(
                self.conversation,
                profile,
                budget=self.budget,
                continuing=continue_index is not None,
            )
        except ChatError as exc:
            self._restore_replaced()
            self._fail(exc, self._asked_index())
            return
        if continue_index is not None:
            self._reply_index = continue_index
            begin_continue(self.conversation[continue_index].meta)  # how it ended so far kept
        else:
            # Incomplete until its finish_reason arrives: a recovery copy taken mid-stream says so.
            # Pending: not judged "stopped before the reply began" while it is still coming.
            reply = Message.new("assistant", "")
            reply.meta.incomplete = reply.meta.pending = True
            if self._replaced is not None:  # Regenerate: the reply it replaces is kept
                reply.meta.alternatives = alternatives.after_replacing(self._replaced[1])
                self._replaced = None
            self._reply_index = self.model.append(reply)
        prepared.record_source(self.conversation[self._reply_index].meta)
        self._estimate = prepared.plan.prompt_tokens
        # The service keeps the history: it counts the whole chain, chatdesk sent what is new.
        self._service_kept = "previous_response_id" in prepared.body
        self.model.set_streaming(self._reply_index)
        self._said = []
        self._retried = False
        self._tick.start()
        cancel = self._cancel = CancelToken()
        service = self.service
        self._worker = GeneratorWorker(lambda: service.stream(prepared, cancel), self)
        self._worker.yielded.connect(self._on_event)
        self._worker.errored.connect(self._on_error)
        self._worker.finished.connect(self._on_finished)
        self._worker.start()
        self.busyChanged.emit(True)

    def _on_event(self, event: object) -> None:
        if self._retried and isinstance(event, (ReplyDelta, ReasoningDelta)):
            self._retried = False
            self.notice.emit("")  # the retry is answering: "Retrying in 3 s…" is old news
        if isinstance(event, ReplyDelta):
            self._pending.append(event.text)
            if not self._flush.isActive():
                self._flush.start()
        elif isinstance(event, ReasoningDelta):  # the Responses API's reasoning summary
            self._pending_reasoning.append(event)
            if not self._flush.isActive():
                self._flush.start()
        elif isinstance(event, RetryNotice):
            self._retried = True
            self._retry_reason = event.reason
            self.model.retrying(event.delay)
            self._say_retry()
        elif isinstance(event, Adjusted):
            if event.said:  # "": only a note to keep (the error that follows says why)
                self._said.append(event.said)
                self.notice.emit(event.said)
            if event.note is not None:
                self.learned.emit(event)
        elif isinstance(event, ReplyResult):
            self._apply_pending()
            self._finish_reply(event)

    def _say_retry(self) -> None:
        # The card's own words and clock ("Retrying in 4 s…"), so the status bar never says
        # another number: it counts down with the card, on the same tick.
        self.notice.emit(f"{self._retry_reason}. {self.model.streaming_label()}")

    def _on_tick(self) -> None:
        if self._reply_index is not None and not self.conversation[self._reply_index].content:
            self.model.tick_streaming()
            if self._retried:
                self._say_retry()
        else:
            self._tick.stop()  # text is arriving: the header says "Writing…" now

    def _apply_pending(self) -> None:
        self._flush.stop()
        if self._pending_reasoning and self._reply_index is not None:
            meta = self.conversation[self._reply_index].meta
            parts = meta.reasoning_summary = list(meta.reasoning_summary or [])
            for delta in self._pending_reasoning:
                if delta.new_part or not parts:
                    parts.append("")
                parts[-1] += delta.text
            self._pending_reasoning.clear()
            self.model.reasoning_changed(self._reply_index)
        if self._pending and self._reply_index is not None:
            text = "".join(self._pending)
            self._pending.clear()
            self.model.append_content(self._reply_index, text)
            self.revision += 1

    def _finish_reply(self, result: ReplyResult, error: ChatError | None = None) -> None:
        index = self._reply_index
        if index is None:
            return
        stopped = self._cancel is not None and self._cancel.cancelled
        result.record(self.conversation[index], error, stopped=stopped)  # as `chatdesk send` does
        if result.tool_calls:  # the card shows the calls
            self.model.set_content(index, self.conversation[index].content)
        self.model.set_meta_changed(index)
        self.set_modified()
        actual = prompt_tokens(result.usage)  # either API's name for it
        self.usageChecked.emit(self._estimate, actual, self._service_kept)
        self.replyFinished.emit(result)
        if result.replaced:
            self._said.append(replaced_text(result.replaced))
        if self._said:  # said once more: the window clears its notice when a reply ends
            self.notice.emit(" ".join(self._said))

    def _on_error(self, exc: object) -> None:
        self._apply_pending()
        error = exc if isinstance(exc, ChatError) else ChatError("Unexpected error", str(exc))
        index = self._reply_index
        if index is not None and self.conversation[index].content:
            # Something arrived: keep it, marked incomplete, with the error on it.
            partial = error.partial or ReplyResult(content=self.conversation[index].content)
            partial.incomplete = True
            self._finish_reply(partial, error)
            self.failed.emit(error)
            return
        if index is not None and self.conversation[index].role == "assistant":
            # Nothing came: a regenerated reply gives its place back to the one it replaced.
            tail = self.conversation.messages(index)
            self.model.replace_tail(index, alternatives.without_shown(tail))
        self._reply_index = None
        self._fail(error, self._asked_index())

    def _on_finished(self) -> None:
        self._tick.stop()
        self._apply_pending()
        index = self._reply_index
        if index is not None and self.conversation[index].meta.pending:  # ended unrecorded
            self.conversation[index].meta.pending = False
            self.model.set_meta_changed(index)
        self.model.set_streaming(None)
        self._worker = None
        self._cancel = None
        self._reply_index = None
        self.update_plan()
        self.busyChanged.emit(False)

    def _restore_replaced(self) -> None:
        """Regenerate's replaced reply back in place: no new reply is asked for after all."""
        if self._replaced is not None:
            index, old = self._replaced
            self.model.replace_tail(index, old)
            self._replaced = None

    def _fail(self, error: ChatError, index: int | None) -> None:
        if index is not None:
            self.model.set_error(index, error.text, error.code)
            # A change the savers write: the error is kept with the question, and the reply
            # they may have written while retries waited is gone.
            self.set_modified()
        self.failed.emit(error)

    def _asked_index(self) -> int | None:
        """The message a failed request answered: the last question, or the tool result that
        ends a conversation sent as it is (which Retry then sends again, its calls kept)."""
        for i in range(len(self.conversation) - 1, -1, -1):
            if self.conversation[i].role in ANSWERED_ROLES:
                return i
        return None

    def _last_index(self, role: str) -> int | None:
        for i in range(len(self.conversation) - 1, -1, -1):
            if self.conversation[i].role == role:
                return i
        return None


def replaced_text(n: int) -> str:
    """What the notice says when `n` characters UTF-8 cannot hold were replaced."""
    return replaced_notice(n)
