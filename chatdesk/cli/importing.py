"""`chatdesk import FILE...`: copy conversation files into the library.

Each FILE (a chatdesk conversation, or a Chat Completions request body, whose `tools`,
`response_format` and other fields are kept) becomes a new library conversation; the file
itself is left as it was. One line per file on stdout: the file, the new id and its title. A
file that cannot be read is said on stderr and the others are still imported.

Exit status: 0 all imported, 1 at least one could not be, 2 usage.
"""

from __future__ import annotations

import sqlite3

from chatdesk.cli.command import EXIT_ERROR, EXIT_OK, Parser, fail
from chatdesk.cli.library import open_library


def _parser() -> Parser:
    p = Parser(prog="chatdesk import", description="Copy conversation files into the library.")
    p.add_argument("files", nargs="+", metavar="FILE")
    return p


def run(argv: list[str]) -> int:
    """`chatdesk import ARGV...`; returns the exit status."""
    from chatdesk.core.fileformat import ConversationFileError

    args = _parser().parse_args(argv)
    library, index = open_library(refresh=False)
    status = EXIT_OK
    for name in args.files:
        try:
            id = library.import_file(name)
        except ConversationFileError as exc:
            fail(f"{exc} Nothing was imported from it.")
            status = EXIT_ERROR
            continue
        except OSError as exc:
            fail(f"{name}: could not be copied into {library.folder} ({exc.strerror or exc}).")
            status = EXIT_ERROR
            continue
        entry, conv = library.read_entry(library.file(id))
        print(f"{name}: added as {id} ({entry.title})")
        try:
            index.put_entry(entry, conv)
        except (OSError, sqlite3.Error) as exc:  # the file is in; the index catches up later
            fail(f"the library's index could not be updated ({exc}); the next list finds it.")
    return status
