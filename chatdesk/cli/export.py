"""`chatdesk export FILE [--format markdown] [-o OUT]`: the conversation as Markdown.

Exit status: 0 written, 1 the file cannot be read or OUT cannot be written, 2 usage.
"""

from __future__ import annotations

import sys

from chatdesk.cli.command import (
    EXIT_ERROR,
    EXIT_OK,
    STDIN_HELP,
    Parser,
    conversation_file,
    read_conversation,
)


def _parser() -> Parser:
    p = Parser(
        prog="chatdesk export", description="Write the conversation as Markdown.", doc=__doc__
    )
    p.add_argument("file", metavar="FILE", type=conversation_file, help=STDIN_HELP)
    p.add_argument("--format", choices=["markdown"], default="markdown")
    p.add_argument(
        "-o", "--output",
        help="write here instead of standard output (images beside it, in NAME_images/)",
    )  # fmt: skip
    return p


def run(argv: list[str]) -> int:
    """`chatdesk export ARGV...`; returns the exit status."""
    from chatdesk.core.export import to_markdown, write_markdown
    from chatdesk.core.fileformat import ConversationFileError

    args = _parser().parse_args(argv)
    try:
        conv = read_conversation(args.file)
    except ConversationFileError as exc:
        print(f"chatdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.output:  # the images beside it, linked
        try:
            write_markdown(conv, args.output)
        except OSError as exc:
            print(f"chatdesk: cannot write {args.output} ({exc.strerror}).", file=sys.stderr)
            return EXIT_ERROR
    else:
        sys.stdout.write(to_markdown(conv))
    return EXIT_OK
