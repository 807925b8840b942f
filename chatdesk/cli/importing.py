"""`chatdesk import FILE...`: copy conversation files into the library.

Each FILE (a chatdesk conversation, or a Chat Completions request body, whose `tools`,
`response_format` and other fields are kept; `-`: one read from standard input) becomes a new
library conversation; the file itself is left as it was. One line per file on stdout: the
file, the new id and its title. A file that cannot be read is said on stderr and the others
are still imported; a file already in the library (same title and messages) is imported again
as a copy, and that is said.
A FOLDER imports each of its `*.json` files, in name order, as if each were given: its
subfolders are not looked in, and its other files are left out (their number is said).
`--json` prints one array instead of the lines, an object per file (a folder's own files one
by one; a folder that gives none, one for itself): file (as given, or a folder's file as
folder/name), imported (true or false), then id, title, path (its library file) and copy_of
(the id of the conversation it is a second copy of, or null) when imported, or reason (what
stderr says too) when not.

Exit status: 0 all imported, 1 at least one could not be, 2 usage.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import TYPE_CHECKING, Any

from chatdesk.cli.command import (
    EXIT_ERROR,
    EXIT_OK,
    STDIN,
    STDIN_NAME,
    Parser,
    fail,
    load_given,
)
from chatdesk.cli.library import open_library

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.library import Library, LibraryEntry
    from chatdesk.core.library_index import LibraryIndex


def _parser() -> Parser:
    p = Parser(
        prog="chatdesk import", description="Copy conversation files into the library.", doc=__doc__
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a conversation file or request body (- reads one from standard input); a "
        "folder: its *.json files (not in subfolders)",
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON array, an object per file"
    )
    return p


def _same_conversation(
    library: Library, index: LibraryIndex, new: LibraryEntry, conv: Conversation | None
) -> str | None:
    """The id of a library conversation with the same title and messages as the one just
    imported (the same file imported twice), or None. Only entries whose title and message
    count match are opened."""
    if conv is None:
        return None
    wanted = [m.to_api() for m in conv.all_messages()]
    for other in index.entries():
        if other.id == new.id or other.title != new.title or other.messages != new.messages:
            continue
        try:
            _entry, found = library.read_entry(library.file(other.id))
        except KeyError:
            continue
        if found is not None and [m.to_api() for m in found.all_messages()] == wanted:
            return other.id
    return None


def _files(name: str) -> list[str] | str:
    """The files `name` stands for: itself, or a folder's `*.json` files in name order (its
    subfolders are not looked in; the other files left out are said). A str: why a folder
    gives none (not said yet)."""
    if not os.path.isdir(name):
        return [name]
    try:
        with os.scandir(name) as entries:
            files = sorted((e.name, e.is_file()) for e in entries)
    except OSError as exc:
        return f"{name}: cannot be read ({exc.strerror or exc}). Nothing was imported from it."
    found = [os.path.join(name, n) for n, is_file in files if is_file and n.endswith(".json")]
    others = sum(1 for n, is_file in files if is_file and not n.endswith(".json"))
    if others:
        files_word = "file" if others == 1 else "files"
        fail(f"note: {name}: {others} {files_word} not ending in .json left out.")
    if not found:
        return (
            f"{name}: a folder without .json files (its subfolders are not looked in). "
            "Nothing was imported from it."
        )
    return found


def _refused(name: str, reason: str) -> dict[str, Any]:
    """`--json`'s object for a file (or folder) nothing was imported from; said on stderr."""
    fail(reason)
    return {"file": name, "imported": False, "reason": " ".join(reason.split())}


def run(argv: list[str]) -> int:
    """`chatdesk import ARGV...`; returns the exit status."""
    from chatdesk.core.fileformat import ConversationFileError

    args = _parser().parse_args(argv)
    library, index = open_library(refresh=False)
    rows: list[dict[str, Any]] = []  # --json's, in the order of the files
    names: list[str | tuple[str, str]] = []  # a file, or (a folder, why it gives none)
    for given in args.files:
        found = _files(given)
        names += [(given, found)] if isinstance(found, str) else found
    for name in names:
        if isinstance(name, tuple):
            rows.append(_refused(*name))
            continue
        try:
            # (`-`: standard input; the title, if none is found, is "standard input")
            source = STDIN_NAME if name == STDIN else name
            id = library.adopt(load_given(name).conversation, source).id
        except ConversationFileError as exc:
            rows.append(_refused(name, f"{exc} Nothing was imported from it."))
            continue
        except OSError as exc:
            why = f"could not be copied into {library.folder} ({exc.strerror or exc})."
            rows.append(_refused(name, f"{name}: {why}"))
            continue
        entry, conv = library.read_entry(library.file(id))
        if not args.json:
            print(f"{name}: added as {id} ({entry.title})")
        same = _same_conversation(library, index, entry, conv)
        if same is not None:
            fail(f"note: {name} was already in the library as {same}; {id} is a second copy.")
        rows.append({"file": name, "imported": True, "id": id, "title": entry.title,
                     "path": str(library.path(id)), "copy_of": same})  # fmt: skip
        try:
            index.put_entry(entry, conv)
        except (OSError, sqlite3.Error) as exc:  # the file is in; the index catches up later
            fail(f"the library's index could not be updated ({exc}); the next list finds it.")
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    return EXIT_OK if all(row["imported"] for row in rows) else EXIT_ERROR
