"""The `chatdesk` command: the window by default, and small sub-commands over the same core.

    chatdesk [FILE ...]                      open the window (with these conversations)
    chatdesk tokens FILE [--json] ...        prompt tokens of what would be sent
    chatdesk export FILE --format markdown   the conversation as Markdown
    chatdesk send FILE [connection options]  send it, stream the reply, save it into FILE
    chatdesk signin --profile P              Entra ID sign-in, shared with the window
    chatdesk signout --profile P             forget that sign-in

Qt and the network client are imported only by the paths that need them, so `--help`,
`--version`, `tokens` and `export` work without a display and start quickly; the file format
only by those that read a file, so the window's first paint does without it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from chatdesk import __version__
from chatdesk.core.models import FAMILIES

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation

SUBCOMMANDS = ("tokens", "export", "send", "signin", "signout")
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_DOES_NOT_FIT = 3
EXIT_BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error instead of usage plus error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _main_parser() -> _Parser:
    parser = _Parser(
        prog="chatdesk",
        description="A desktop chat client for Azure OpenAI chat-completions models.",
        epilog=(
            "sub-commands (chatdesk COMMAND --help for each):\n"
            "  tokens FILE   count the prompt tokens of what would be sent\n"
            "  export FILE   write the conversation as Markdown\n"
            "  send FILE     send the conversation and save the reply into it\n"
            "  signin        sign in with Microsoft Entra ID (--profile P [--device-code])\n"
            "  signout       forget a profile's sign-in (--profile P)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chatdesk {__version__}")
    parser.add_argument("files", nargs="*", metavar="FILE", help="conversations to open")
    return parser


def _tokens_parser() -> _Parser:
    p = _Parser(prog="chatdesk tokens", description="Prompt tokens of what would be sent.")
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
    p.add_argument("--limit", type=_positive, help="token limit (default: the model's window)")
    p.add_argument("--reserve", type=_non_negative, help="tokens reserved for the reply")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _export_parser() -> _Parser:
    p = _Parser(prog="chatdesk export", description="Write the conversation as Markdown.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=["markdown"], default="markdown")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    return p


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except BrokenPipeError:
        # The reader went away (`chatdesk tokens --json | head`): stop quietly, as other tools
        # do; the interpreter's final flush of stdout must not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _dispatch(args: list[str]) -> int:
    try:
        if args and args[0] in ("tokens", "export"):
            return _file_command(args[0], args[1:])
        if args and args[0] == "send":
            from chatdesk.service.send_command import run_send

            return run_send(args[1:])
        if args and args[0] in ("signin", "signout"):
            from chatdesk.service import signin_command

            run = signin_command.run_signin if args[0] == "signin" else signin_command.run_signout
            return run(args[1:])
        return _gui(_main_parser().parse_args(args))
    except KeyboardInterrupt:
        return 130


def _file_command(name: str, args: list[str]) -> int:
    """`tokens` or `export`; the file format is imported here, not on the window's path."""
    from chatdesk.core.fileformat import ConversationFileError

    try:
        if name == "tokens":
            return _tokens(_tokens_parser().parse_args(args))
        return _export(_export_parser().parse_args(args))
    except ConversationFileError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR


class UnknownProfile(LookupError):
    """`chatdesk tokens --profile NAME` named no profile of the settings."""


def token_report(path: str, model: str | None, family: str | None, limit: int | None,
                 reserve: int | None, profile: str | None = None) -> dict[str, Any]:  # fmt: skip
    """What `chatdesk tokens --json` prints: the plan for the file's next request. The model
    is the one the window counts with: `model` if given, else the declared model of `profile`
    (default: the file's profile) as `ConnectionProfile.model_match` resolves it.
    Raises ConversationFileError for an unreadable file, UnknownProfile for `profile`
    naming none."""
    from chatdesk.core.budget import Budget
    from chatdesk.core.settings import load_settings

    conv = _load(path)
    match = None
    name = profile if profile is not None else conv.profile
    if model is None and name:
        found = load_settings().settings.profile(name)
        if found is None and profile is not None:
            raise UnknownProfile(f"no profile named {profile!r}")
        if found is not None:
            match = found.model_match(conv.model)
            if not match.exact and family is not None:
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


def _load(path: str) -> Conversation:
    """The conversation in `path`; what was replaced while reading is said on stderr."""
    from chatdesk.core.fileformat import load_conversation

    opened = load_conversation(path)
    if opened.notice():
        print(f"chatdesk: note: {path}: {opened.notice()}", file=sys.stderr)
    return opened.conversation


def _tokens(args: argparse.Namespace) -> int:
    try:
        report = token_report(
            args.file, args.model, args.family, args.limit, args.reserve, args.profile
        )
    except UnknownProfile as exc:
        print(f"chatdesk tokens: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        estimate = f" (estimate: {report['estimate_why']})" if report["estimate"] else ""
        print(f"{report['prompt_tokens']} prompt tokens{estimate}, {report['encoding']}")
        print(
            f"{len(report['sent'])} messages sent, {len(report['dropped'])} dropped; "
            f"{report['total']} with {report['reserve']} reserved, limit {report['limit']}"
        )
    if not report["fits"]:
        print(f"chatdesk: {report['error']}", file=sys.stderr)
        return EXIT_DOES_NOT_FIT
    return 0


def _export(args: argparse.Namespace) -> int:
    from chatdesk.core.atomic import atomic_write_text
    from chatdesk.core.export import to_markdown

    text = to_markdown(_load(args.file))
    if args.output:
        try:
            atomic_write_text(args.output, text)
        except OSError as exc:
            print(f"chatdesk: cannot write {args.output} ({exc.strerror}).", file=sys.stderr)
            return EXIT_ERROR
    else:
        sys.stdout.write(text)
    return 0


def _gui(args: argparse.Namespace) -> int:
    if sys.platform.startswith("linux") and not _has_display():
        print(
            "chatdesk: no display found (DISPLAY / WAYLAND_DISPLAY are not set); the window "
            "needs a desktop session. The sub-commands work without one: chatdesk --help.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    # Start-up allocates objects that live as long as the window; collecting them while the
    # modules load only costs time (several ms). `app.run` turns the collector back on.
    gc.disable()
    # The window's Qt-free part first: the libraries it imports then load before PySide6,
    # which reads the source of every module imported after it (see pyside_scan.py).
    import chatdesk.ui.context  # noqa: F401
    from chatdesk.ui.pyside_scan import load_pyside

    load_pyside()  # before the window's modules: spares them PySide's source scan
    from chatdesk.ui.app import run

    return run(args.files)


def _has_display() -> bool:
    env = os.environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))
