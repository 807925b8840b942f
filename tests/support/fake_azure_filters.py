"""Azure's content filter annotations as FakeAzure sends them: the per-category verdicts on
prompts and completions, and the asynchronous filter's annotation-only choices."""

from __future__ import annotations

from typing import Any

CATEGORIES: tuple[str, ...] = ("hate", "self_harm", "sexual", "violence")


def content_filter_results(flagged: dict[str, str] | None = None) -> dict[str, Any]:
    """Azure's per-category annotation; ``filtered`` is true only for severity "high"."""
    flagged = flagged or {}
    names = list(CATEGORIES) + [c for c in flagged if c not in CATEGORIES]
    return {
        c: {"filtered": flagged.get(c, "safe") == "high", "severity": flagged.get(c, "safe")}
        for c in names
    }


def annotation_choice(
    flagged: dict[str, str] | None = None, start: int = 0, end: int = 0
) -> dict[str, Any]:
    """An asynchronous content filter's annotation: a choice with no delta, only the verdict
    and the offsets of the text it covers (Azure sends these after the text, even after the
    finish_reason, when the filter runs in asynchronous mode)."""
    return {
        "content_filter_offsets": {"check_offset": start, "start_offset": start, "end_offset": end},
        "content_filter_results": content_filter_results(flagged),
        "finish_reason": None,
        "index": 0,
    }
