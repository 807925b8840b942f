"""Files put into the library folder by hand under a name that is not an id: which ones the
library takes in (renamed to an id, so they are listed) and which it leaves alone, with why.

A `.chatdesk.json` is taken as it is (named as chatdesk's: a damaged one is then listed with
its error). A plain `.json` is the user's until chatdesk can open it as one of its own
conversations (saved under that name, or by a version before `.chatdesk.json`): anything
else (JSON chatdesk cannot read, a request body, notes, a conversation of a newer chatdesk,
a file it may not read) is left exactly as it is, name and bytes, and not listed. Each such
file is said once (`Skipped`), and not read again while its time and size stay the same; what
was left alone is kept across starts (`remembered`/`recalled`: the index holds it, outside the
folder, so keeping it starts no second look at the folder).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import msgspec

from chatdesk.core.fileformat import FILE_SUFFIX, ConversationFileError, load_conversation

Stamp = tuple[int, int]  # modification time ns, size


class Skipped(msgspec.Struct, frozen=True):
    """A plain `.json` file of the library folder left alone, and why (a sentence)."""

    name: str
    why: str

    def text(self) -> str:
        return f"{self.name} was left as it is and is not listed: it {self.why}"


def why_not_taken(path: Path) -> str | None:
    """None when the plain `.json` file at `path` opens as a chatdesk conversation; else why
    the library leaves it alone (the reason `fileformat` gives, or that it is a request body).
    Never raises."""
    try:
        opened = load_conversation(path)
    except ConversationFileError as exc:
        return exc.problem
    except (OSError, ValueError, RecursionError) as exc:  # a fault of its own: still left alone
        return f"could not be read ({type(exc).__name__})."
    if opened.imported:
        return "is a request body, not a conversation (`chatdesk import` adds it as one)."
    return None


LeftAlone = dict[str, tuple[Stamp, str]]  # file name -> (its stamp, why it was left alone)


def remembered(left_alone: LeftAlone) -> str:
    """`left_alone` as text to keep (JSON: {name: [mtime_ns, size, why]})."""
    return json.dumps({name: [*stamp, why] for name, (stamp, why) in sorted(left_alone.items())})


def recalled(text: str | None) -> LeftAlone:
    """What `remembered` kept; {} for none, or for text that is not what it writes."""
    try:
        items = json.loads(text) if text else {}
        return {str(n): ((int(m), int(z)), str(w)) for n, (m, z, w) in items.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


class StrayFiles:
    """What was decided about the library folder's stray files, from one look to the next."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # The plain .json files left alone at the last look (or by an earlier start).
        self.left_alone: LeftAlone = {}

    def recall(self, left_alone: LeftAlone) -> None:
        """What an earlier start left alone: not said again while it stays the same."""
        for name, item in left_alone.items():
            self.left_alone.setdefault(name, item)

    def sort(
        self, names: list[str], is_id: Callable[[str], bool]
    ) -> tuple[list[str], list[Skipped]]:
        """(the names to take in, the files newly left alone: new or changed since the last
        look) among `names`; `is_id(stem)` tells the names that are ids already."""
        taken: list[str] = []
        skipped: list[Skipped] = []
        end = -len(FILE_SUFFIX)
        before, self.left_alone = self.left_alone, {}
        for name in names:
            if name.startswith(".") or not name.endswith(".json"):
                continue  # temporary files (dot files), and what is not JSON
            if name.endswith(FILE_SUFFIX):
                if not is_id(name[:end]):
                    taken.append(name)
                continue
            try:
                info = os.stat(self.folder / name)
            except OSError:
                continue  # gone meanwhile
            stamp = (info.st_mtime_ns, info.st_size)
            known = before.get(name)
            if known is not None and known[0] == stamp:
                self.left_alone[name] = known  # as it was: not read, not said again
                continue
            why = why_not_taken(self.folder / name)
            if why is None:
                taken.append(name)
            else:
                self.left_alone[name] = (stamp, why)
                skipped.append(Skipped(name, why))
        return taken, skipped
