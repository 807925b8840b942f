"""A sample TrimPlan for the token meter and request preview tests, changed where a test says."""

from __future__ import annotations

from chatdesk.core.trimming import TrimPlan


def make_plan(**changes) -> TrimPlan:
    values = {
        "policy": "tokens",
        "limit": 8192,
        "reserve": 250,
        "pinned_tokens": 400,
        "history_tokens": 800,
        "draft_tokens": 34,
        "history_len": 10,
        "first_sent": 0,
        "fits": True,
    }
    values.update(changes)
    return TrimPlan(**values)
