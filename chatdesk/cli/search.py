"""`chatdesk search QUERY [--json] [--limit N]`: the library's conversations whose title or one
message holds every word of QUERY (the last word may be the start of one), one result per
conversation, the one with the latest activity first (the order of `chatdesk list`, without
the pins on top), as the window's search shows them (`core/library_search.py`).

One result per line: conversation id, the index of its latest matching message (``title`` when
only the title matched; "#13 (another version of #12)" when no message shown matches but one
that a version of turn 12 keeps does, 13 being the index that message has in its version,
the one it takes once that version is shown: Regenerate and edits keep the versions they
replace, and a version may keep versions of later turns itself), the
conversation's title and "+N more" when more of its messages match, then the snippet
indented on the next line, the matched words in bold on a terminal.
`--json` prints one array of objects: conversation_id, title, message_index (null for the
title), snippet, highlights ([start, end] offsets into the snippet), more, other_version
(true for such a result), turn (for such a result the index of the history message holding
the versions, which `message_index`'s message is in; else null).

Exit status: 0 something was found, 1 nothing was (as grep does, so a script can test it;
said on stderr) or the library's index cannot be read, 2 usage (a query without a word).
"""

from __future__ import annotations

import json
import sqlite3
import sys

from chatdesk.cli.command import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Parser, fail, positive
from chatdesk.cli.library import open_library

_BOLD, _PLAIN = "\x1b[1m", "\x1b[0m"


def _parser() -> Parser:
    p = Parser(
        prog="chatdesk search",
        description="Search every conversation of the library. A result in a version of a turn "
        'that is not shown reads "#13 (another version of #12)": message 13 is the index the '
        "message takes once that version of turn 12 is shown (--json: message_index 13, turn "
        "12, other_version true).",
        doc=__doc__,
    )
    p.add_argument("query", metavar="QUERY", help="words to find (all of them, in one message)")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--limit", type=positive, default=20, help="at most this many hits (20)")
    return p


def run(argv: list[str]) -> int:
    """`chatdesk search ARGV...`; returns the exit status."""
    args = _parser().parse_args(argv)
    if not any(c.isalnum() for c in args.query):
        fail("search: give at least one word to find (the query has none).")
        return EXIT_USAGE
    try:
        _library, index = open_library()
        hits = index.search(args.query, args.limit)
    except (OSError, sqlite3.Error) as exc:
        fail(f"cannot read the library's index: {exc}")
        return EXIT_ERROR
    if not hits:
        fail(f"nothing in the library matches {args.query!r}.")
    if args.json:
        rows = [
            {
                "conversation_id": h.conversation_id, "title": h.title,
                "message_index": h.message_index, "snippet": h.snippet,
                "highlights": [list(span) for span in h.highlights], "more": h.more,
                "other_version": h.other_version, "turn": h.turn,
            }
            for h in hits
        ]  # fmt: skip
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        bold = sys.stdout.isatty()
        for h in hits:
            where = "title" if h.message_index is None else f"#{h.message_index}"
            where += f" (another version of #{h.turn})" if h.other_version else ""
            more = f"  (+{h.more} more)" if h.more else ""
            print(f"{h.conversation_id}  {where}  {h.title}{more}")
            print(f"    {_marked(h.snippet, h.highlights, bold)}")
    return EXIT_OK if hits else EXIT_ERROR


def _marked(snippet: str, spans: tuple[tuple[int, int], ...], bold: bool) -> str:
    """The snippet on one line, the matched words in bold when `bold`."""
    text = snippet
    if bold and spans:
        out, last = [], 0
        for start, end in spans:
            out += [snippet[last:start], _BOLD, snippet[start:end], _PLAIN]
            last = end
        text = "".join([*out, snippet[last:]])
    return " ".join(text.split())
