"""`chatdesk list [--json] [--trash]`: every conversation of the library.

A header line, then one line each: id, last activity (local time), message count, title;
pinned ones first (marked *), then the newest activity first. A file that cannot be read
(corrupt, from a newer chatdesk, unreadable) is listed with its error and said on stderr; it
never hides the others.
`--json` prints one array of objects: id, path, title, last_activity (ISO 8601 UTC),
messages, pinned, trashed, error (null when readable).

Exit status: 0 listed (even with unreadable files), 1 the library's index cannot be used,
2 usage.
"""

from __future__ import annotations

import json
import sqlite3
import sys

from chatdesk.cli.command import EXIT_ERROR, EXIT_OK, Parser, fail
from chatdesk.cli.library import local_time, open_library


def _parser() -> Parser:
    p = Parser(
        prog="chatdesk list", description="List the conversations of the library.", doc=__doc__
    )
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--trash", action="store_true", help="list the trash instead")
    return p


def run(argv: list[str]) -> int:
    """`chatdesk list ARGV...`; returns the exit status."""
    from chatdesk.core.library import iso_time

    args = _parser().parse_args(argv)
    try:
        _library, index = open_library()
        entries = index.entries(trashed=args.trash)
    except (OSError, sqlite3.Error) as exc:
        fail(f"cannot read the library's index: {exc}")
        return EXIT_ERROR
    if args.json:
        rows = [
            {
                "id": e.id, "path": str(e.path), "title": e.title,
                "last_activity": iso_time(e.last_activity), "messages": e.messages,
                "pinned": e.pinned, "trashed": e.trashed, "error": e.error,
            }
            for e in entries
        ]  # fmt: skip
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not entries:
        fail("the trash is empty." if args.trash else "the library has no conversations yet.")
    else:
        print(f"{'ID':<22}  {'LAST ACTIVITY':<16}  {'MSGS':>5}   TITLE")
        for e in entries:
            mark = "*" if e.pinned else " "
            count = "    !" if e.error else f"{e.messages:5d}"
            print(f"{e.id}  {local_time(e.last_activity)}  {count} {mark} {e.title}")
    bad = [e for e in entries if e.error]
    for e in bad:
        fail(f"warning: {e.path}: {e.error}")
    sys.stdout.flush()
    return EXIT_OK
