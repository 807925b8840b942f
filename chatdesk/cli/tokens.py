"""`chatdesk tokens FILE`: the prompt tokens of what the next request would send.

    chatdesk tokens FILE [--model M | --profile P] [--family F] [--limit N] [--reserve N]
                         [--json] [--rows]

Exit status: 0 it fits, 1 the file cannot be read, 2 usage, 3 it does not fit the limit.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from chatdesk.cli.command import (
    EXIT_DOES_NOT_FIT,
    EXIT_ERROR,
    EXIT_USAGE,
    STDIN_HELP,
    Parser,
    conversation_file,
    non_negative,
    positive,
    read_conversation,
)
from chatdesk.cli.model_choice import UnknownProfile, model_match_for
from chatdesk.core.models import FAMILIES
from chatdesk.core.tool_results import TITLE, missing_results, missing_text

if TYPE_CHECKING:
    from chatdesk.core.preview import RequestRows
    from chatdesk.core.trimming import TrimPlan

ROW_CHARS = 72  # a row's text, cut to one line
NOT_SENT_HEADING = "Not sent: the request would be these messages, and it does not fit"


JSON_FIELDS = (
    "--json prints one object: prompt_tokens (the request's prompt), total (with the reserve), "
    "limit and reserve; fits (false: nothing would be sent, exit status 3) and error (why, and "
    "what would make it fit); sent (the indexes, into the file's messages array, of the "
    "messages the request sends: [] when it does not fit); request (those the request would "
    "carry, whether it fits or not); dropped (older ones left out to fit) and left_out (left "
    "out by you, or with a failed or blocked question); tool_calls_without_results (each "
    "call the request carries without its result: its message's index, id and name) and "
    "images_that_cannot_be_sent (each image of the request that cannot go to Azure: its "
    "message's index, image, which of the message's images, from 1, and text, why, in the "
    "words stderr says it); send refuses the request for either, [] when there is none; "
    "messages (each one's index, role and tokens, and pinned or sent); encoding, model, "
    "estimate and estimate_why (why the count is an estimate); policy (the trimming policy); "
    "file."
)


def _parser() -> Parser:
    p = Parser(
        prog="chatdesk tokens",
        description="Prompt tokens of what would be sent.",
        epilog=JSON_FIELDS,
        doc=__doc__,
    )
    p.add_argument("file", metavar="FILE", type=conversation_file, help=STDIN_HELP)
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
    p.add_argument("--json", action="store_true", help="print one JSON object (fields: below)")
    p.add_argument(
        "--rows",
        action="store_true",
        help="list the messages sent and left out, as the window's What will be sent does",
    )
    return p


def token_report(path: str, model: str | None, family: str | None, limit: int | None,
                 reserve: int | None, profile: str | None = None) -> dict[str, Any]:  # fmt: skip
    """What `chatdesk tokens --json` prints: the plan for the file's next request. The model
    is the one the window counts with: `model` if given, else the declared model of `profile`
    (default: the file's profile, else the environment's, as `send`) — `model_match_for`.
    Raises ConversationFileError for an unreadable file, UnknownProfile for `profile`
    naming none."""
    return _report(path, _next_request(path, model, family, limit, reserve, profile))


def _next_request(path: str, model: str | None, family: str | None, limit: int | None,
                  reserve: int | None, profile: str | None) -> RequestRows:  # fmt: skip
    """The rows of the file's next request, as "What will be sent" shows them."""
    from chatdesk.core.budget import Budget
    from chatdesk.core.preview import request_rows

    conv = read_conversation(path)
    match = None
    if model is None:  # the model `send` would send to (profile, else the environment)
        match = model_match_for(conv, profile)
        if match is not None and not match.exact and family is not None:
            match = None  # --family decides an unknown name's estimate
    budget = Budget(conv, model=model, fallback_family=family, match=match)
    return request_rows(budget, budget.plan(limit=limit, reserve=reserve))


def _report(path: str, rows: RequestRows) -> dict[str, Any]:
    plan, budget = rows.plan, rows.budget
    offset = rows.pinned
    from chatdesk.core.image_checks import faulty_images
    from chatdesk.core.preview import TOOLS

    pinned = [row for row in rows.head if row[0] != TOOLS]
    # A request that does not fit is not sent (exit status 3): none of its messages is "sent";
    # `request` keeps what it would carry, as --rows lists it under NOT_SENT_HEADING.
    request = list(range(offset)) + [offset + i for i in plan.sent]
    messages = [
        {"index": i, "role": row[0], "tokens": row[3], "pinned": True}
        for i, row in enumerate(pinned)
    ] + [
        {"index": offset + i, "role": role, "tokens": tokens, "sent": sent and plan.fits}
        for i, (role, tokens, sent) in enumerate(map(rows.counted, range(rows.history_len)))
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
        "sent": list(request) if plan.fits else [],
        "request": request,
        "dropped": [offset + i for i in plan.dropped],  # trimmed to fit
        "left_out": [offset + i for i in plan.left_out],  # by the user or the failed-turn rule
        # Tool calls the request would carry without their results (`send` refuses it).
        "tool_calls_without_results": [
            {"index": offset + call.message_index, "id": call.call_id, "name": call.name}
            for call in missing_results(budget.conversation, plan.sent)
        ],
        # Images the request would carry that `send` refuses (core/image_checks.py), in the
        # words stderr, --rows and `send --dry-run` use.
        "images_that_cannot_be_sent": [
            {
                "index": _file_index(offset, plan, image.sent),
                "image": image.number,
                "text": image.text,
            }
            for image in faulty_images(budget.conversation, plan)
        ],
        "messages": messages,
    }


def _file_index(pinned: int, plan: TrimPlan, position: int | None) -> int:
    """The index in the file's messages array of the request's message `position` (the
    pinned ones first, then the history the plan sends)."""
    assert position is not None  # no message being written: a file's request has none
    return position if position < pinned else pinned + plan.sent[position - pinned]


def _print_rows(rows: RequestRows) -> None:
    """The rows as the window's "What will be sent" lists them: the sent ones numbered, then
    those left out."""
    from chatdesk.core.preview import row_number, tool_rows

    tools = tool_rows(rows.head)
    if not rows.plan.fits:  # the rows are the request it would be; none of it goes out
        print(NOT_SENT_HEADING)
    for position, (role, name, text, tokens, _sent) in enumerate(rows.sent_rows()):
        print(_row_line(row_number(position, tools), role, name, text, tokens))
    left = [*rows.left_out_rows()]
    if left:
        print(rows.left_out_heading())
        for role, name, text, tokens, _sent in left:
            print(_row_line("", role, name, text, tokens))


def _row_line(number: str, role: str, name: str | None, text: str, tokens: int) -> str:
    from chatdesk.core.preview import role_label

    who = role_label(role, name)
    single = " ".join(text.split())
    if len(single) > ROW_CHARS:
        single = single[: ROW_CHARS - 1] + "…"
    return f"{number:>4}  {who:<16} {tokens:>7,}  {single or '(empty)'}"


def _say_image_problem(rows: RequestRows) -> None:
    """Images the request carries that a send would refuse (`core/image_checks.py`), named on
    stderr as `chatdesk send` names them; the counts stand (they count what the file holds)."""
    from chatdesk.core.image_checks import request_image_problem

    problem = request_image_problem(rows.budget.conversation, rows.plan)
    if problem is not None:
        print(f"chatdesk: {problem.title}: {problem.text} {problem.hint}", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def run(argv: list[str]) -> int:
    """`chatdesk tokens ARGV...`; returns the exit status."""
    from chatdesk.core.fileformat import ConversationFileError

    args = _parser().parse_args(argv)
    try:
        rows = _next_request(
            args.file, args.model, args.family, args.limit, args.reserve, args.profile
        )
    except ConversationFileError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except UnknownProfile as exc:
        print(f"chatdesk tokens: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = _report(args.file, rows)
    if args.rows:
        _print_rows(rows)
    _say_image_problem(rows)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        estimate = f" (estimate: {report['estimate_why']})" if report["estimate"] else ""
        print(f"{report['prompt_tokens']} prompt tokens{estimate}, {report['encoding']}")
        # In the rows' heading's words: trimmed rows are "older" ones left out to fit.
        older, other = len(report["dropped"]), len(report["left_out"])
        parts = [f"{older:,} older left out to fit"] if older else []
        if other:
            parts.append(f"{other:,} left out" + (" for other reasons" if older else ""))
        request = f"{_count(len(report['request']), 'message')}"
        left = ", ".join(parts) or "none left out"
        # Exit status 3 sends nothing: say so rather than count messages "sent".
        said = f"{request} sent, {left}" if report["fits"] else (
            f"nothing would be sent: the request does not fit ({request}, {left})")  # fmt: skip
        print(f"{said}; {report['total']} with {report['reserve']} reserved, "
              f"limit {report['limit']}")  # fmt: skip
    missing = missing_results(rows.budget.conversation, rows.plan.sent)
    if missing:  # counted all the same; `send` would refuse it (core/tool_results.py)
        print(f"chatdesk: note: {TITLE}: {missing_text(missing)}", file=sys.stderr)
    if not report["fits"]:
        print(f"chatdesk: {report['error']}", file=sys.stderr)
        return EXIT_DOES_NOT_FIT
    return 0
