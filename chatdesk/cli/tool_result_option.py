"""`chatdesk send FILE --tool-result ID=TEXT`: answer the model's tool calls from the command line.

chatdesk never runs a tool; a reply that asks for one ends `send` with the call shown. The next
`send` answers it with `--tool-result call_9='{"temperature": 5}'` (repeatable; `ID=@FILE`
reads the text from FILE), which adds each result as a `tool` message where the window's
"Add tool result…" would (core/tool_results.py), then sends; the file keeps them with the reply.

The results are written into FILE before the request leaves (`keep_results`), as a question
typed in FILE is there whatever becomes of its request: a failed request, Ctrl+C or a kill
loses no result the user typed, the error says they were kept, and `chatdesk send FILE` sends
them again. The same command run again (a script's retry) finds its results already there
and sends them; a different text for a call answered in FILE is refused, naming it.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import NamedTuple

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import Opened, save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.tool_results import (
    TITLE,
    missing_at,
    missing_hint,
    missing_results,
    missing_text,
    result_index,
    tool_result,
)

HELP = (
    "the result of tool call ID, added as a tool message after its call before sending "
    "(repeatable; ID=@FILE reads it from FILE); saved in FILE before the request leaves, so a "
    "failed send keeps it and the next send sends it"
)


def tool_result_arg(text: str) -> tuple[str, str]:
    """An argparse type: ID=TEXT, or ID=@FILE with the text read from FILE."""
    call_id, sep, value = text.partition("=")
    if not sep or not call_id.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not ID=TEXT (e.g. call_9='{{\"temp\": 5}}')")
    if value.startswith("@"):
        try:
            value = Path(value[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise argparse.ArgumentTypeError(f"cannot read {value[1:]}: {exc}") from None
    return call_id.strip(), value


class Added(NamedTuple):
    """What `add_tool_results` did: the calls it answered ("get_weather (call_9)"), the ids of
    those the file already answered with the same text (an earlier send kept them), and why
    the conversation cannot be sent (None: it can)."""

    answered: list[str]
    already: list[str]
    problem: str | None


def _result_in(conv: Conversation, call_id: str) -> Message | None:
    """The tool message answering call `call_id`, if the conversation holds one."""
    for index in range(len(conv) - 1, -1, -1):
        message = conv[index]
        if message.role == "tool" and message.extra.get("tool_call_id") == call_id:
            return message
    return None


def add_tool_results(conv: Conversation, given: list[tuple[str, str]]) -> Added:
    """Each (id, text) of `given` added as the result of the call with that id. Why the file
    cannot be sent: an id given twice, or naming no call still without a result (nothing is
    added then; a call whose result in the file is this very text counts as answered), or a
    file ending in tool calls that still lack results (the calls named)."""
    missing = {call.call_id: call for call in missing_results(conv, range(len(conv)))}
    ids = [call_id for call_id, _ in given]
    twice = sorted({call_id for call_id in ids if ids.count(call_id) > 1})
    if twice:
        return Added([], [], f"--tool-result {', '.join(twice)} is given more than once")
    already, unknown, changed = [], [], []
    for call_id, text in given:
        if call_id in missing:
            continue
        kept = _result_in(conv, call_id)
        if kept is None:
            unknown.append(call_id)
        elif kept.content == text:  # kept by an earlier send of this same command
            already.append(call_id)
        else:
            changed.append(call_id)
    if changed:
        return Added([], [], (
            f"tool call {', '.join(changed)} already has another result in the file (kept by "
            "an earlier send, or added in the window); edit it there, or send without "
            "--tool-result to send the one the file holds"
        ))  # fmt: skip
    if unknown:
        waiting = ", ".join(call.named for call in missing.values()) or "none"
        return Added([], [], (
            f"no tool call without a result has the id {', '.join(unknown)} "
            f"(the calls without results: {waiting})"
        ))  # fmt: skip
    answered = []
    for call_id, text in given:
        if call_id in missing:
            call = missing[call_id]
            conv.insert(result_index(conv, call.message_index, call_id), [tool_result(call, text)])
            answered.append(call.named)
    left = missing_at(conv, len(conv) - 1) if len(conv) else []
    if left:  # the question needs the tool's answer first
        return Added(answered, already, (
            f"{TITLE}: {missing_text(left)} {missing_hint('--tool-result ID=TEXT')}"
        ))  # fmt: skip
    return Added(answered, already, None)


def keep_results(opened: Opened, path: str) -> Opened:
    """Save `opened`'s conversation, with the results just added, into `path` before the
    request leaves; returns it as written (later saves compare against it). Raises OSError
    (`ChangedOnDisk` too, when another program wrote the file since it was read)."""
    disk = save_conversation(opened.conversation, path, opened.disk)
    return Opened(opened.conversation, imported=False, replaced=opened.replaced, disk=disk)


def kept_text(added: Added, path: str) -> str | None:
    """What to say when the request got nothing back: where the results given are, and how to
    send them again (None: none was given)."""
    answered = added.answered + added.already
    if not answered:
        return None
    one = len(answered) == 1
    results = "the tool result" if one else "the tool results"
    return (
        f"{results} of {', '.join(answered)} {'was' if one else 'were'} kept in {path}; "
        f"`chatdesk send {shlex.quote(path)}` sends {'it' if one else 'them'} (no --tool-result)"
    )


def asked_text(conv: Conversation, path: str) -> str:
    """What to say when the reply that ends `conv`, saved in `path`, calls tools: which, and
    the command that answers them (the file the reply went to: a body's library
    conversation, or the copy written beside a file another program changed)."""
    calls = missing_at(conv, len(conv) - 1)
    named = ", ".join(call.named for call in calls) or "a tool"
    results = " ".join(f"--tool-result {call.call_id}=RESULT" for call in calls)
    run = "Run them, then send their results" if len(calls) > 1 else "Run it, then send its result"
    return (
        f"the reply asks to call {named}; chatdesk shows tool calls but never runs them. {run}: "
        f"chatdesk send {shlex.quote(path)} {results or '--tool-result ID=RESULT'} (ID=@FILE "
        "reads a result from FILE)."
    )
