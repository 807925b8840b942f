"""Reading a reply's `usage`: reasoning and cached tokens, and the empty reply whose whole
token budget went to reasoning.

Fields as the Chat Completions reference documents them
(https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage):
``usage.completion_tokens_details.reasoning_tokens`` and
``usage.prompt_tokens_details.cached_tokens``. A reply from the Responses API keeps its usage
as that API names it
(https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage):
``input_tokens``, ``output_tokens``, ``output_tokens_details.reasoning_tokens`` and
``input_tokens_details.cached_tokens``; every reader here takes both.
"""

from __future__ import annotations

from typing import Any

from chatdesk.core.choices import FinishReason


def _detail(usage: dict[str, Any] | None, group: str, name: str) -> int | None:
    details = (usage or {}).get(group)
    value = details.get(name) if isinstance(details, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(usage: dict[str, Any] | None, *names: str) -> int | None:
    for name in names:
        value = (usage or {}).get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def prompt_tokens(usage: dict[str, Any] | None) -> int | None:
    """The tokens the service counted in the request: `prompt_tokens` (Chat Completions) or
    `input_tokens` (Responses), or None if unreported."""
    return _count(usage, "prompt_tokens", "input_tokens")


def completion_tokens(usage: dict[str, Any] | None) -> int | None:
    """The reply's tokens, reasoning included: `completion_tokens` or `output_tokens`."""
    return _count(usage, "completion_tokens", "output_tokens")


def reasoning_tokens(usage: dict[str, Any] | None) -> int | None:
    """Completion tokens the model spent thinking (not shown as text), or None if unreported."""
    found = _detail(usage, "completion_tokens_details", "reasoning_tokens")
    if found is None:
        found = _detail(usage, "output_tokens_details", "reasoning_tokens")
    return found


def cached_tokens(usage: dict[str, Any] | None) -> int | None:
    """Prompt tokens served from the prompt cache (billed at a discount), or None."""
    found = _detail(usage, "prompt_tokens_details", "cached_tokens")
    return found if found is not None else _detail(usage, "input_tokens_details", "cached_tokens")


def spent_on_reasoning(
    content: str | None, finish_reason: str | None, usage: dict[str, Any] | None
) -> int | None:
    """N when a reply is empty because reasoning used all N completion tokens: it stopped at
    the limit (finish_reason "length") with no text, and every completion token was a
    reasoning token. None otherwise."""
    if finish_reason != FinishReason.LENGTH or (content or "").strip():
        return None
    completion = completion_tokens(usage)
    reasoning = reasoning_tokens(usage)
    if not isinstance(completion, int) or reasoning is None or completion <= 0:
        return None
    return completion if reasoning >= completion else None


def reasoning_exhausted_text(tokens: int, how: str = "", largest: int | None = None) -> str:
    """What the window and the command line say about such a reply; `how`: where the reader
    raises the response limit ("" : max tokens, as the window's Parameters name it);
    `largest`: the limit is already the model's largest reply, so it cannot be raised."""
    spent = (
        f"The reply is empty: the model spent all {tokens} completion tokens on reasoning "
        "before writing anything."
    )
    if largest is not None:
        return (
            f"{spent} The response limit is already the model's largest ({largest:,} tokens): "
            "lower the reasoning effort and send again."
        )
    return f"{spent} Raise the response limit ({how or 'max tokens'}) and send again."


def larger_limit(spent: int, in_effect: int = 0, max_output: int | None = None) -> int | None:
    """The response limit to retry with after reasoning spent all `spent` tokens: four times
    as many (room to think and then answer), at least 4,000, and always more than the limit
    in effect `in_effect` (the one set, else the reserve Parameters shows as its default:
    `Budget.reserve`), twice it when four times `spent` is not more; at most `max_output`,
    the model's largest reply. None when that leaves no larger limit.

    The one rule for the card's offer, what its Retry sets and `chatdesk send`'s advice."""
    limit = max(4 * spent, 4_000)
    if limit <= in_effect:  # the service stopped below the limit shown: offer more than it
        limit = 2 * in_effect
    if max_output:
        limit = min(limit, max_output)
    return limit if limit > in_effect else None


def added_usage(
    first: dict[str, Any] | None, second: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The usage of two requests together, for a reply made of both (Continue): every token
    count added, nested details too (`prompt_tokens_details.cached_tokens`...); a field only
    one of them has is kept as it is. None when neither reported usage."""
    if not first or not second:
        either = second or first
        return dict(either) if either else None
    total: dict[str, Any] = dict(first)
    for name, value in second.items():
        mine = total.get(name)
        if isinstance(value, dict) and isinstance(mine, dict):
            total[name] = added_usage(mine, value)
        elif _is_count(value) and _is_count(mine):
            total[name] = mine + value
        elif name not in total:
            total[name] = value
    return total


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
