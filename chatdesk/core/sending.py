"""Which history messages later requests send: the rule for failed turns, and the user's say.

A turn is a user message and the messages after it, up to the next user message (messages
before the first user message form a turn of their own). A turn stays in the transcript but
is left out of every later request, by default, when it

- failed: its request failed before any reply text came (the question carries the error);
- was blocked: Azure's prompt filter refused the question (error code ``content_filter``,
  https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter), or the
  reply was stopped by the filter (``finish_reason`` ``content_filter``). Azure filters the
  whole prompt, so a blocked question kept in the history blocks every later request too;
- was stopped empty: Stop was pressed before the first token, leaving an empty reply.

A turn whose reply is still pending (``meta.pending``: its request is waiting, retrying or
streaming) is not judged: nothing has failed or been stopped yet.

A reply with text keeps its turn sent whatever cut it (Stop, a dropped connection, the
length limit): the user saw the text and can continue from it. A message's
``meta.include`` (True: "Include again", False: "Leave out") overrides the rule for that
message. A question the user leaves out takes its turn's replies with it (an answer sent
without its question misleads the model), unless a reply says "Include again" itself. A tool
result follows the message with its call (Azure answers 400 to one without the other). The
token ledger applies this once per message as history changes, so the meter, "What will be
sent", View code, the command line and the request agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from chatdesk.core.choices import FinishReason
from chatdesk.core.messages import Message

FAILED = "failed"
TOO_LONG = "too long"
BLOCKED = "blocked"
STOPPED = "stopped"

# The error code of a request too long for its limit: the API's own (a 400 from the service),
# and chatdesk's when its plan refuses the request before sending (`TrimPlan.fits`).
CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"

YOU = "you"  # the user chose "Leave out"
QUESTION = "question"  # a reply whose question the user left out

# Why a message is not sent, in words: the window's badges, "What will be sent" and
# `chatdesk tokens --rows` say the same.
LEFT_OUT_WORDS = {
    FAILED: "the request failed",
    TOO_LONG: "too long for the token limit",
    BLOCKED: "blocked by the content filter",
    STOPPED: "stopped before the reply began",
    YOU: "left out by you",
    QUESTION: "left out with its question",
}
# Why a turn is left out, in words for a badge.
REASON_TEXT = {
    reason: f"Not sent: {LEFT_OUT_WORDS[reason]}"
    for reason in (FAILED, TOO_LONG, BLOCKED, STOPPED)
}


def turn_reason(turn: Sequence[Message]) -> str | None:
    """FAILED (TOO_LONG when it failed for being too long), BLOCKED or STOPPED when the turn
    is left out by default, else None."""
    for message in turn:
        meta = message.meta
        if meta.error_code == "content_filter" or meta.finish_reason == FinishReason.CONTENT_FILTER:
            return BLOCKED
    if not turn:
        return None
    last = turn[-1]
    if last.meta.pending:  # the reply's request is still going: nothing to judge yet
        return None
    if last.role == "user":
        return _failed(last) if last.meta.error else None
    if last.role == "assistant" and _empty(last) and last.meta.incomplete:
        return _failed(last) if last.meta.error and not last.meta.stopped else STOPPED
    return None


def _failed(message: Message) -> str:
    # Nothing was sent, or the service refused it unread: "the request failed" would send
    # the user looking for a network fault.
    return TOO_LONG if message.meta.error_code == CONTEXT_LENGTH_EXCEEDED else FAILED


def _empty(message: Message) -> bool:
    return not message.content and not message.tool_calls and not message.has_parts


def chosen(message: Message, reason: str | None) -> bool:
    """Whether `message` is sent, given its turn's `reason` (None: the turn is sent)."""
    include = message.meta.include
    return include if include is not None else reason is None


def send_states(messages: Sequence[Message]) -> Iterator[tuple[bool, str | None]]:
    """(sent, the turn's reason) for each of `messages`, which start where a turn starts
    (the history's start, or a user message). O(len(messages))."""
    reason: str | None = None
    asked = True  # False when the user left out the turn's question: its replies go with it
    unit_sent = True  # the sent state of the message whose tool calls the results answer
    for offset, message in enumerate(messages):
        if message.role == "user" or offset == 0:
            end = offset + 1
            while end < len(messages) and messages[end].role != "user":
                end += 1
            reason = turn_reason(messages[offset:end])
            asked = message.role != "user" or message.meta.include is not False
        if message.role in ("tool", "function"):
            sent = unit_sent
        elif asked or message.role == "user":
            sent = unit_sent = chosen(message, reason)
        else:
            sent = unit_sent = message.meta.include is True
        yield sent, reason


def left_out(messages: Sequence[Message]) -> tuple[int, ...]:
    """The indexes of a whole history that are not sent (one walk; the token ledger keeps
    the same answer up to date incrementally)."""
    return tuple(i for i, (sent, _) in enumerate(send_states(messages)) if not sent)


# The roles a request may end in: a question, or a tool's result for the model to answer from
# (an agent loop's body; https://platform.openai.com/docs/guides/function-calling).
ANSWERED_ROLES = ("user", "tool", "function")


def awaits_reply(last: Message | None) -> bool:
    """Whether a history ending in `last` can be sent as it is, with no new message: it ends
    in a question or a tool result. One rule for Send with an empty message box and
    `chatdesk send`."""
    return last is not None and last.role in ANSWERED_ROLES


def nothing_to_send(last: Message | None) -> str:
    """Why Send with an empty message box sent nothing, for the status line."""
    if last is None:
        return "Nothing to send: type a message first."
    return (
        "Nothing to send: type a message. A conversation is sent as it is only when it ends "
        "in a question or a tool result; this one ends in a reply."
    )
