"""The ranges the Chat Completions API accepts for each request parameter, checked in one place.

Both the file loader and the parameters panel take their limits from `RANGES`, so a value the
panel cannot produce is also refused when a file holds it, naming the field. Source: the Azure
OpenAI REST reference, chat completions request body
(https://learn.microsoft.com/azure/ai-foundry/openai/reference#request-body-2): temperature
0–2, top_p 0–1, presence_penalty and frequency_penalty −2–2, max_tokens at least 1, seed an
integer (64-bit).
"""

from __future__ import annotations

import json
import math
from typing import Any

# field: (lowest, highest, whole number); None: no bound on that side.
RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    "temperature": (0.0, 2.0, False),
    "top_p": (0.0, 1.0, False),
    "presence_penalty": (-2.0, 2.0, False),
    "frequency_penalty": (-2.0, 2.0, False),
    "max_tokens": (1, None, True),
    "seed": (-(2**63), 2**63 - 1, True),
}


class ParamError(ValueError):
    """A parameter value the API would refuse; the text names the field. `.field` is its key."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field = field


def _fmt(x: float | None) -> str:
    return "" if x is None else (f"{x:g}" if isinstance(x, float) else f"{x:,}")


def json_shown(value: Any) -> str:
    """`value` as a file writes it in JSON (true, null, "text"), cut to 40 characters, for a
    message about a file's field."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def check_value(field: str, value: Any, where: str = "params", name: str | None = None) -> Any:
    """`value` if the API accepts it for `field` (None: unset, accepted), else `ParamError`.
    `name`: the field's name where it was read, when that differs (a request body's
    `max_completion_tokens` is read as `max_tokens`); the message uses it."""
    if value is None or field not in RANGES:
        return value
    low, high, whole = RANGES[field]
    label = f'{where}: "{name or field}"'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "a whole number" if whole else "a number"
        raise ParamError(field, f"{label} must be {kind}, not {json_shown(value)}.")
    if whole and not isinstance(value, int):
        raise ParamError(field, f"{label} must be a whole number, not {json_shown(value)}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(field, f"{label} must be a finite number, not {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            bounds = f"at least {_fmt(low)}"
        elif whole and field == "seed":
            bounds = "a 64-bit whole number"
        else:
            bounds = f"between {_fmt(low)} and {_fmt(high)}"
        shown = f"{value:g}" if isinstance(value, float) else f"{value}"
        raise ParamError(field, f"{label} must be {bounds}, not {shown[:40]}.")
    return value

