"""`chatdesk tokens FILE`: the prompt tokens of what the next request would send.

    chatdesk tokens FILE [--model M | --profile P] [--family F] [--limit N] [--reserve N]
                         [--json]

Exit status: 0 it fits, 1 the file cannot be read, 2 usage, 3 it does not fit the limit.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from chatdesk.cli.command import (
    EXIT_DOES_NOT_FIT,
    EXIT_ERROR,
    EXIT_USAGE,
    Parser,
    non_negative,
    positive,
    read_conversation,
)
from chatdesk.cli.model_choice import UnknownProfile, model_match_for
from chatdesk.core.models import FAMILIES


def _parser() -> Parser:
    p = Parser(prog="chatdesk tokens", description="Prompt tokens of what would be sent.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--model", help="model or deployment name (default: the profile's model)")
    p.add_argument(
        "--profile",
        help="connection profile whose model counts (default: the file's profile, as the window)",
    )
    p.add_argument(
        "--family",
        choices=sorted(FAMILIES),
        help="model family to assume for an unknown name (default gpt-4o)",
    )
    p.add_argument("--limit", type=positive, help="token limit (default: the model's window)")
    p.add_argument("--reserve", type=non_negative, help="tokens reserved for the reply")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def token_report(path: str, model: str | None, family: str | None, limit: int | None,
                 reserve: int | None, profile: str | None = None) -> dict[str, Any]:  # fmt: skip
    """What `chatdesk tokens --json` prints: the plan for the file's next request. The model
    is the one the window counts with: `model` if given, else the declared model of `profile`
    (default: the file's profile, else the environment's, as `send`) — `model_match_for`.
    Raises ConversationFileError for an unreadable file, UnknownProfile for `profile`
    naming none."""
    from chatdesk.core.budget import Budget

    conv = read_conversation(path)
    match = None
    if model is None:  # the model `send` would send to (profile, else the environment)
        match = model_match_for(conv, profile)
        if match is not None and not match.exact and family is not None:
            match = None  # --family decides an unknown name's estimate
    budget = Budget(conv, model=model, fallback_family=family, match=match)
    plan = budget.plan(limit=limit, reserve=reserve)
    offset = len(conv.pinned())
    ledger = budget.ledger
    messages = [
        {"index": i, "role": m.role, "tokens": budget.counter.count_message(m), "pinned": True}
        for i, m in enumerate(conv.pinned())
    ] + [
        {"index": offset + i, "role": m.role, "tokens": ledger.count(i), "sent": i in plan.sent}
        for i, m in enumerate(conv)
    ]
    return {
        "file": os.fspath(path),
        "prompt_tokens": plan.prompt_tokens,
        "encoding": budget.counter.name,
        "model": budget.match.label,
        "estimate": plan.estimate,
        "estimate_why": plan.estimate_why,
        "limit": plan.limit,
        "reserve": plan.reserve,
        "total": plan.total,
        "fits": plan.fits,
        "error": plan.error,
        "policy": plan.policy,
        "sent": list(range(offset)) + [offset + i for i in plan.sent],
        "dropped": [offset + i for i in plan.dropped],
        "messages": messages,
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def run(argv: list[str]) -> int:
    """`chatdesk tokens ARGV...`; returns the exit status."""
    from chatdesk.core.fileformat import ConversationFileError

    args = _parser().parse_args(argv)
    try:
        report = token_report(
            args.file, args.model, args.family, args.limit, args.reserve, args.profile
        )
    except ConversationFileError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except UnknownProfile as exc:
        print(f"chatdesk tokens: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        estimate = f" (estimate: {report['estimate_why']})" if report["estimate"] else ""
        print(f"{report['prompt_tokens']} prompt tokens{estimate}, {report['encoding']}")
        print(
            f"{_count(len(report['sent']), 'message')} sent, {len(report['dropped'])} dropped; "
            f"{report['total']} with {report['reserve']} reserved, limit {report['limit']}"
        )
    if not report["fits"]:
        print(f"chatdesk: {report['error']}", file=sys.stderr)
        return EXIT_DOES_NOT_FIT
    return 0
