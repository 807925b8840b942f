"""`chatdesk send FILE --tool-result ID=TEXT`: answer the model's tool calls from the command line.

chatdesk never runs a tool; a reply that asks for one ends `send` with the call shown. The next
`send` answers it with `--tool-result call_9='{"temperature": 5}'` (repeatable; `ID=@FILE`
reads the text from FILE), which adds each result as a `tool` message where the window's
"Add tool result…" would (core/tool_results.py), then sends; the file keeps them with the reply.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chatdesk.core.conversation import Conversation
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
    "(repeatable; ID=@FILE reads it from FILE)"
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


def add_tool_results(conv: Conversation, given: list[tuple[str, str]]) -> str | None:
    """Each (id, text) of `given` added as the result of the call with that id. Why the file
    cannot be sent: an id that names no call still without a result (nothing is added then),
    or a file ending in tool calls that still lack results (the calls named)."""
    missing = {call.call_id: call for call in missing_results(conv, range(len(conv)))}
    unknown = [call_id for call_id, _ in given if call_id not in missing]
    if unknown:
        waiting = ", ".join(call.named for call in missing.values()) or "none"
        return (
            f"no tool call without a result has the id {', '.join(unknown)} "
            f"(the calls without results: {waiting})"
        )
    for call_id, text in given:
        call = missing[call_id]
        conv.insert(result_index(conv, call.message_index, call_id), [tool_result(call, text)])
    left = missing_at(conv, len(conv) - 1) if len(conv) else []
    if left:  # the question needs the tool's answer first
        return f"{TITLE}: {missing_text(left)} {missing_hint('--tool-result ID=TEXT')}"
    return None
