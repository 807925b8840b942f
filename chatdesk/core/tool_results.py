"""Tool calls without results: which calls of a request have none, and where a result goes.

Chat Completions refuses a request in which an assistant message with `tool_calls` is not
followed, right after it, by a `tool` message answering each call (its `tool_call_id`):
Azure's 400 "An assistant message with 'tool_calls' must be followed by tool messages
responding to each 'tool_call_id'" (https://platform.openai.com/docs/guides/function-calling).
chatdesk shows tool calls and never runs them, so the user supplies each result: the window's
"Add tool result…" on the call's card, or `chatdesk send --tool-result ID=TEXT`. Both add it
here, and every send checks what it would send here first, so the request is refused before
it leaves, naming the calls, rather than by the service after a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

from chatdesk.core.messages import Message, arguments_text, call_summary

TITLE = "Tool calls without results"
# How `chatdesk send` and the window add a result, for the hint of a refused send.
SEND_HOW = "Add tool result… on the call's card, or chatdesk send --tool-result ID=TEXT"


class History(Protocol):
    """A conversation's history (`Conversation`, or a list of messages)."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> Message: ...


class MissingResult(NamedTuple):
    """A tool call with no result after it: the history index of the assistant message that
    made it, the call's id, its function's name and its arguments (as the model wrote them)."""

    message_index: int
    call_id: str
    name: str
    arguments: str

    @property
    def named(self) -> str:
        """The call in words: "get_weather (call_9)"."""
        return f"{self.name} ({self.call_id})"


def _calls(message: Message, index: int) -> list[MissingResult]:
    out = []
    for call in message.tool_calls:
        if not isinstance(call, dict) or not isinstance(call.get("id"), str):
            continue
        function = call.get("function")
        if isinstance(function, dict):
            name, args = str(function.get("name", "?")), arguments_text(function)
        else:  # another tool type: named by its type, its arguments unknown
            name, args = str(call.get("type", "?")), ""
        out.append(MissingResult(index, call["id"], name, args))
    return out


def missing_results(history: History, sent: Iterable[int]) -> list[MissingResult]:
    """The tool calls among the history messages `sent` (indexes, in order: what a request
    carries, `TrimPlan.sent`) that no tool message right after their assistant message
    answers; in the order the calls were made. One walk over `sent`."""
    missing: list[MissingResult] = []
    waiting: list[MissingResult] = []  # the calls of the last assistant message sent
    for index in sent:
        message = history[index]
        role = message.role
        if role == "tool":
            if waiting:
                ref = message.extra.get("tool_call_id")
                waiting = [call for call in waiting if call.call_id != ref]
            continue
        if waiting:
            missing += waiting
            waiting = []
        if role == "assistant" and message.extra:  # calls live in `extra` (most have none)
            waiting = _calls(message, index)
    return missing + waiting


def missing_at(history: History, index: int) -> list[MissingResult]:
    """The calls of history[index] (an assistant message) that the tool messages right after
    it do not answer: what its card's "Add tool result…" offers."""
    end = index + 1
    while end < len(history) and history[end].role == "tool":
        end += 1
    return missing_results(history, range(index, end))


def result_index(history: History, index: int, call_id: str) -> int:
    """Where the result of call `call_id` of history[index] goes: after the assistant message
    and the results already there, before the result of any call made after it (the calls'
    order, as the model made them)."""
    order = [call.call_id for call in _calls(history[index], index)]
    rank = order.index(call_id) if call_id in order else len(order)
    at = index + 1
    while at < len(history) and history[at].role == "tool":
        ref = history[at].extra.get("tool_call_id")
        if ref in order and order.index(ref) > rank:
            break
        at += 1
    return at


def tool_result(call: MissingResult, content: str) -> Message:
    """The tool message answering `call` with `content`."""
    message = Message.new("tool", content)
    message.extra = {"tool_call_id": call.call_id}
    function = {"name": call.name, "arguments": call.arguments}
    message.answers = call_summary({"function": function})  # its card names the call
    return message


def missing_text(missing: Sequence[MissingResult]) -> str:
    """What is missing, in words: "get_weather (call_9) has no result."."""
    names = ", ".join(call.named for call in missing)
    verb = "has" if len(missing) == 1 else "have"
    return (
        f"{names} {verb} no result. A tool call must be followed by a tool message answering "
        "it (its tool_call_id), or the service refuses the request."
    )


def missing_hint(how: str) -> str:
    """What to do: `how` adds a result where the user is (the window's action, send's option)."""
    return f"Add each result ({how}), or delete those tool calls; nothing was sent."
