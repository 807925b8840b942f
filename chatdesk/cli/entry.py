"""The `chatdesk` command: the window by default, and small sub-commands over the same core.

    chatdesk [FILE ...]                      open the window (with these conversations or ids)
    chatdesk tokens FILE [--json] ...        prompt tokens of what would be sent
    chatdesk export FILE --format markdown   the conversation as Markdown
    chatdesk send FILE [connection options]  send it, stream the reply, save it into FILE
    chatdesk attach FILE IMAGE...            add images to the question FILE ends with
    chatdesk signin --profile P              Entra ID sign-in, shared with the window
    chatdesk signout --profile P             forget that sign-in
    chatdesk list [--json]                   the conversations of the library
    chatdesk search QUERY [--json]           search every conversation of the library
    chatdesk import FILE... [--json]         copy conversation files into the library
    (FILE `-`: standard input, for tokens, export, import and send)

`main` is what the `chatdesk` and `chatdesk-cli` launchers and `python -m chatdesk` run (as
`chatdesk.cli:main`). Each command lives in its own module of this package, imported only
when it runs: Qt and the network client are imported only by the paths that need them, so
`--help`, `--version`, `tokens` and `export` work without a display and start quickly; the
file format only by those that read a file, so the window's first paint does without it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from chatdesk import __version__
from chatdesk.cli.exit_status import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
)

if TYPE_CHECKING:
    from chatdesk.cli.command import Parser


def _tokens(argv: list[str]) -> int:
    from chatdesk.cli import tokens

    return tokens.run(argv)


def _export(argv: list[str]) -> int:
    from chatdesk.cli import export

    return export.run(argv)


def _send(argv: list[str]) -> int:
    from chatdesk.cli import send

    return send.run_send(argv)


def _attach(argv: list[str]) -> int:
    from chatdesk.cli import attach

    return attach.run(argv)


def _signin(argv: list[str]) -> int:
    from chatdesk.cli import signin

    return signin.run_signin(argv)


def _window(files: list[str]) -> int:
    from chatdesk.cli import window

    return window.run(files)


def _signout(argv: list[str]) -> int:
    from chatdesk.cli import signin

    return signin.run_signout(argv)


def _list(argv: list[str]) -> int:
    from chatdesk.cli import listing

    return listing.run(argv)


def _search(argv: list[str]) -> int:
    from chatdesk.cli import search

    return search.run(argv)


def _import(argv: list[str]) -> int:
    from chatdesk.cli import importing

    return importing.run(argv)


# Written-out imports, not names looked up at run time: PyInstaller finds what a frozen
# build must hold by reading them.
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "tokens": _tokens,
    "export": _export,
    "send": _send,
    "attach": _attach,
    "signin": _signin,
    "signout": _signout,
    "list": _list,
    "search": _search,
    "import": _import,
}


def _main_parser() -> Parser:
    # Only a launch with arguments reads them: the window's plain launch spares argparse.
    import argparse

    from chatdesk.cli.command import Parser, conversation_file

    parser = Parser(
        prog="chatdesk",
        description="A desktop chat client for Azure OpenAI chat-completions models.",
        epilog=(
            "sub-commands (chatdesk COMMAND --help for each):\n"
            "  tokens FILE   count the prompt tokens of what would be sent\n"
            "  export FILE   write the conversation as Markdown\n"
            "  send FILE     send the conversation and save the reply into it\n"
            "  attach FILE IMAGE...  add images to the question the file ends with\n"
            "  signin        sign in with Microsoft Entra ID (--profile P [--device-code])\n"
            "  signout       forget a profile's sign-in (--profile P)\n"
            "  list          the conversations of the library (--json)\n"
            "  search QUERY  search every conversation of the library (--json, --limit N)\n"
            "  import FILE   copy conversation files into the library (--json)\n"
            "FILE - reads it from standard input (tokens, export, import, send)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chatdesk {__version__}")
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        type=conversation_file,  # the ids `list` and `search` print, as for the sub-commands
        help="conversations to open (a file, or the id `chatdesk list` prints for one)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The `chatdesk` and `chatdesk-cli` launchers and `python -m chatdesk`; returns the exit
    status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            return _command(args)
        return _dispatch(args)
    except BrokenPipeError:
        # The reader went away (`chatdesk tokens --json | head`): stop quietly, as other tools
        # do; the interpreter's final flush of stdout must not fail again.
        from chatdesk.cli.output import silence

        silence(sys.stdout)
        return EXIT_BROKEN_PIPE


def _command(args: list[str]) -> int:
    """A sub-command whose print fails (`chatdesk export chat.json > /dev/full`) ends in one
    line, not a traceback; any other OSError it leaves unhandled is a fault, shown as one."""
    from chatdesk.cli.output import silence, watched_stdout

    with watched_stdout() as stdout:
        try:
            return _dispatch(args)
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc is not stdout.error:
                raise
            from chatdesk.cli.command import fail

            silence(sys.stdout)
            fail(f"cannot write to standard output ({exc.strerror or exc}).")
            return EXIT_ERROR


def _dispatch(args: list[str]) -> int:
    try:
        if args and args[0] in COMMANDS:
            return COMMANDS[args[0]](args[1:])
        if not args:  # the usual launch: nothing for the parser to read (~2 ms spared)
            return _window([])
        files = _main_parser().parse_args(args).files
        if files and files[0] == args[0] and _would_be_command(args[0]):
            return _not_a_command(args[0])
        return _window(files)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


# A closer match than this is a typo of that command ("serach", "lst"); "open" (0.6 to
# "tokens") is not.
CLOSE_ENOUGH = 0.65


def _would_be_command(word: str) -> bool:
    """`word` is meant as a command, not a file: nothing of that name exists, and it has no
    path separator and no suffix (`chatdesk new-chat.json` still opens the window, which says
    the file does not exist, as before)."""
    import os

    separators = {os.sep, os.altsep or os.sep, "/"}
    if any(s in word for s in separators) or "." in word or word.startswith("-"):
        return False
    return not os.path.lexists(word)


def _not_a_command(word: str) -> int:
    """`chatdesk serach ...` said, with the closest command, instead of a window opening on a
    file called "serach"."""
    import difflib

    from chatdesk.cli.command import fail

    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=CLOSE_ENOUGH)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    fail(f"'{word}' is not a command or a file.{hint} (chatdesk --help)")
    return EXIT_USAGE
