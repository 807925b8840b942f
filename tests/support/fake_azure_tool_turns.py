"""Azure's check that every tool call is answered right after the message asking for it."""

from __future__ import annotations

from typing import Any

from tests.support.fake_azure_errors import INVALID_REQUEST, Fail


def tool_turn_problem(messages: list[Any]) -> Fail | None:
    """Azure's 400 for a split tool turn: a `tool` message not right after the assistant message
    (or its sibling results) carrying its `tool_call_id`, or a tool call left without a result.
    Azure answers these whatever the model; the wording is the service's own."""
    open_calls: list[str] | None = None  # ids still unanswered of the turn being answered
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":
            if open_calls is None or message.get("tool_call_id") not in open_calls:
                return Fail(
                    400, None,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{i}].role", type=INVALID_REQUEST,
                )  # fmt: skip
            open_calls.remove(message.get("tool_call_id"))
            continue
        if open_calls:
            return _unanswered(open_calls, i - 1)
        calls = message.get("tool_calls") if role == "assistant" else None
        open_calls = [c.get("id") for c in calls] if calls else None
    return _unanswered(open_calls, len(messages) - 1) if open_calls else None


def _unanswered(ids: list[str], index: int) -> Fail:
    return Fail(
        400, None,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(ids),
        param=f"messages.[{index}].role", type=INVALID_REQUEST,
    )  # fmt: skip
