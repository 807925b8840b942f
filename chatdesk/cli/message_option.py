"""`chatdesk send --message TEXT` (`-m`): the question, given on the command line or piped in.

    git diff | chatdesk send review.chatdesk.json -m -

The text becomes a user message at the end of FILE (after any --tool-result: a question
follows the calls' answers) and is saved there before the request leaves, as tool results
are (`tool_result_option.keep_results`): a failed request or Ctrl+C keeps it, and
`chatdesk send FILE` sends it again. `-` reads it from standard input (`command.read_stdin`).
"""

from __future__ import annotations

import argparse

from chatdesk.cli.command import STDIN, Parser, read_stdin

HELP = (
    "add TEXT as a question at the end of FILE, then send (saved in FILE before the request "
    "leaves); - reads it from standard input (git diff | chatdesk send FILE -m -)"
)


def message_arg(parser: Parser, args: argparse.Namespace) -> str | None:
    """--message's text (read from standard input for `-`, its last line break dropped, as
    `$(...)` drops it), or None; a usage error (exit 2) for an empty one, or for two things
    to read from standard input."""
    if args.message is None:
        return None
    text: str = args.message
    if text == STDIN:
        if args.file == STDIN:
            parser.error("FILE and --message cannot both be read from standard input")
        data = read_stdin("the message")
        try:
            text = data.decode("utf-8").removesuffix("\n").removesuffix("\r")
        except UnicodeDecodeError:
            parser.error("the message read from standard input is not UTF-8 text")
    if not text.strip():
        parser.error("the message is empty")
    return text
