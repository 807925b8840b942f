"""The conversation library: every conversation kept as one file in one folder.

    <library>/<id>.chatdesk.json          a conversation (the format of `fileformat`)
    <library>/trash/<id>.chatdesk.json    one moved to the trash (restorable until emptied)

The folder is `library_dir()` (``<data folder>/library``; `CHATDESK_HOME` redirects it with
everything else) unless the settings' `library_folder` names another. An id is the file name
without its ending: ``20261130-134800-3f2a9c`` (when it was made, then random), so the folder
sorts by creation and an id never changes when the conversation is renamed.

The files are the truth. The title, the pin and the messages live in the file; the index
(`library_index`) only mirrors them to list and search fast. Every write is atomic
(`atomic`); what a writer killed mid-write leaves (``.<id>.chatdesk.json.chatdesk-<pid>-….tmp``)
is removed by `stamps`, which lists the folder at every change anyway, not by each write
(which would list 10,000 files to save one). Every write of a conversation that was read
before checks that the file is still what was read (`DiskState`): a second chatdesk on the
same library never has its changes overwritten. When the file did change, `save` keeps both:
this version is written as a new conversation ("… (changed in two places)") and
`Saved.conflict` says so.

Nothing here is thread-bound; every method may run on a worker thread. Errors: OSError for
the disk, `ConversationFileError` for a file that cannot be read as a conversation, KeyError
for an id that is not in the library (or not in the trash, for `restore`).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import msgspec

from chatdesk.core.atomic import folder_lock, is_temporary, remove_stale
from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import ChangedOnDisk, DiskState
from chatdesk.core.fileformat import (
    FILE_SUFFIX,
    ConversationFileError,
    Opened,
    load_conversation,
    save_conversation,
)
from chatdesk.core.library_strays import Skipped, StrayFiles
from chatdesk.core.messages import now_iso
from chatdesk.core.paths import data_dir
from chatdesk.core.titles import conversation_title, title_from_messages

TRASH = "trash"
CONFLICT_MARK = " (changed in two places)"
# Ids become file names: nothing that could leave the folder or hide as a dot file.
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def library_dir(setting: str = "") -> Path:
    """The library folder: `setting` (the settings' `library_folder`, "~" expanded) when not
    empty, else ``<data folder>/library``."""
    return Path(setting).expanduser() if setting.strip() else data_dir() / "library"


def display_title(conv: Conversation) -> str:
    """What the list shows: the title the user gave, else the one made from the first
    exchange, else "New conversation" (`titles.conversation_title`), whitespace folded."""
    return " ".join(conversation_title(conv).split())


def conflict_title(conv: Conversation) -> str:
    """The title of `conv` kept as a copy because its file changed in two places: "…
    (changed in two places)", once however often it happens."""
    return display_title(conv).removesuffix(CONFLICT_MARK) + CONFLICT_MARK


def last_activity(conv: Conversation) -> float:
    """When the conversation last changed, in epoch seconds: the newest `created_at` of its
    last messages (what a send or a reply stamped), else when it was created; 0.0 when no
    stamp can be read."""
    latest = 0.0
    for stamp in [conv.created_at, *conv.message_times(last=8)]:
        when = iso_seconds(stamp)
        if when is not None and when > latest:
            latest = when
    return latest


def iso_seconds(stamp: str | None) -> float | None:
    """An ISO 8601 time (no zone: UTC) in epoch seconds; None when it is not one."""
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def iso_time(seconds: float) -> str:
    """Epoch seconds as ISO 8601 UTC with seconds: 2026-11-30T13:48:00+00:00."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


class Summary(msgspec.Struct, frozen=True):
    """What the library lists of a conversation, from the conversation itself."""

    title: str  # `display_title`
    last_activity: float  # epoch seconds
    messages: int  # history messages (the system prompt and examples not counted)
    pinned: bool

    @classmethod
    def of(cls, conv: Conversation) -> Summary:
        return cls(display_title(conv), last_activity(conv), len(conv), conv.pinned_in_list)


class LibraryEntry(msgspec.Struct, frozen=True):
    """One conversation file of the library, as the list shows it.

    `error` is None for a readable conversation; else why it cannot be opened (corrupt, from
    a newer chatdesk, unreadable), in words, and `title` is the file name. `mtime_ns` and
    `size` are the file's when it was summarised (the index uses them to notice changes).
    """

    id: str
    path: Path
    title: str
    last_activity: float  # epoch seconds (`iso_time` writes it out)
    messages: int
    pinned: bool
    trashed: bool = False
    error: str | None = None
    mtime_ns: int = 0
    size: int = 0


class LibraryFile(msgspec.Struct, frozen=True):
    """A file in the library folder as `os.scandir` sees it (nothing read)."""

    id: str
    path: Path
    trashed: bool
    mtime_ns: int
    size: int


class Saved(msgspec.Struct, frozen=True):
    """The result of `Library.save`: where the conversation now lives and the file's state.

    `conflict` is the id of the conversation another process wrote meanwhile (left as it
    was) when this version had to be kept as the new conversation `id`, and `title` the
    title that copy was given ("… (changed in two places)"); None and "" otherwise.
    """

    id: str
    disk: DiskState
    conflict: str | None = None
    title: str = ""


class Library:
    """The conversation files of one folder. See the module docstring for the layout."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else library_dir()
        self.trash_folder = self.folder / TRASH
        self.strays = StrayFiles(self.folder)  # what adopt_strays took in and left alone
        self.skipped: list[Skipped] = []  # files `adopt_strays` left alone, new at its last call

    # -- names -------------------------------------------------------------------------------
    @staticmethod
    def new_id() -> str:
        return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)

    @staticmethod
    def is_id(text: str) -> bool:
        return bool(_ID_RE.fullmatch(text))

    def path(self, id: str, trashed: bool = False) -> Path:
        """The file of conversation `id` (in the trash when `trashed`). Raises ValueError for
        a string that is not an id."""
        if not self.is_id(id):
            raise ValueError(f"not a library id: {id!r}")
        return (self.trash_folder if trashed else self.folder) / f"{id}{FILE_SUFFIX}"

    def id_of(self, path: str | os.PathLike[str]) -> str | None:
        """The id of a file that is a library conversation (trashed or not), else None."""
        path = Path(path)
        name = path.name
        if not name.endswith(FILE_SUFFIX) or not self.is_id(name[: -len(FILE_SUFFIX)]):
            return None
        if path.parent in (self.folder, self.trash_folder):
            return name[: -len(FILE_SUFFIX)]  # as `path` makes them: no disk access
        try:
            parent = path.parent.resolve()
            if parent not in (self.folder.resolve(), self.trash_folder.resolve()):
                return None
        except OSError:
            return None
        return name[: -len(FILE_SUFFIX)]

    def contains(self, path: str | os.PathLike[str]) -> bool:
        return self.id_of(path) is not None

    def is_folder(self, folder: str | os.PathLike[str]) -> bool:
        """Whether `folder` is the library folder or its trash (through links too): a file
        written there by hand would be the library's, not the user's."""
        try:
            here = Path(folder).resolve()
            return here in (self.folder.resolve(), self.trash_folder.resolve())
        except OSError:
            return False

    def adopt_strays(self, names: list[str] | None = None) -> list[str]:
        """Give every conversation file in the library folder whose name is not an id (copied
        in by hand, or written by Save as before chatdesk refused that) an id, so it is listed
        as the others are: it is renamed to ``<new id>.chatdesk.json``, its content untouched.
        Which files are taken, and which are left alone (a plain `.json` chatdesk cannot open
        as its conversation), is `library_strays`' rule; those newly left alone are in
        `skipped` until the next call. Returns the new ids. Never raises (a file that cannot
        be renamed stays as it is). `names`: the ones `stamps` found, if it was asked (else
        the folder is read)."""
        adopted: list[str] = []
        self.skipped = []
        if names is None:
            try:
                names = os.listdir(self.folder)
            except OSError:
                return adopted
        taken, self.skipped = self.strays.sort(names, self.is_id)
        for name in taken:
            id = self.new_id()
            with contextlib.suppress(OSError), folder_lock(self.folder):
                _move_new(self.folder / name, self.path(id))
                adopted.append(id)
        return adopted

    # -- listing -----------------------------------------------------------------------------
    def _scan(
        self, others: list[str] | None = None, temporaries: list[Path] | None = None
    ) -> Iterator[tuple[str, os.DirEntry[str], bool]]:
        """(name, entry, trashed) of every file named like a conversation file, in the library
        then in the trash (one `scandir` per folder). The names of the library folder's other
        `.json` files (maybe conversations put there by hand, see `adopt_strays`) are added
        to `others` when given: a second look only at names that are not a conversation
        file's; the paths of chatdesk's temporaries (`atomic`) to `temporaries`, likewise.
        A missing folder is empty."""
        for folder, trashed in ((self.folder, False), (self.trash_folder, True)):
            try:
                scan = os.scandir(folder)
            except OSError:
                continue
            with scan:
                for item in scan:
                    name = item.name
                    if name.endswith(FILE_SUFFIX):
                        yield name, item, trashed
                    elif others is not None and not trashed and name.endswith(".json"):
                        others.append(name)  # dot files too: `adopt_strays` skips them
                    elif temporaries is not None and name.endswith(".tmp") and is_temporary(name):
                        temporaries.append(Path(item.path))

    def files(self) -> Iterator[LibraryFile]:
        """Every conversation file, in the library then in the trash, without reading any
        (10,000 files take milliseconds). A missing folder is empty."""
        end = -len(FILE_SUFFIX)
        for name, item, trashed in self._scan():
            id = name[:end]
            if name.startswith(".") or not self.is_id(id):
                continue
            try:
                info = item.stat()
            except OSError:
                continue
            yield LibraryFile(id, Path(item.path), trashed, info.st_mtime_ns, info.st_size)

    def stamps(self, strays: list[str] | None = None) -> dict[str, tuple[int, int, bool]]:
        """Every conversation file as id -> (modification time ns, size, trashed), as `files`
        finds them but without making a `LibraryFile` each (what `LibraryIndex.refresh`
        compares, every time a folder changes: ~4x faster at 10,000 files). The names of
        the other `.json` files in the library folder (conversation files not named by an
        id, or maybe plain `.json` ones) are added to `strays` when given (see
        `adopt_strays`). Temporaries that writers killed mid-write left are removed (those
        of a writer still at work are not: `atomic.remove_stale`)."""
        found: dict[str, tuple[int, int, bool]] = {}
        is_id, end = _ID_RE.fullmatch, -len(FILE_SUFFIX)
        temporaries: list[Path] = []
        for name, item, trashed in self._scan(strays, temporaries):
            if not is_id(name[:end]):
                if strays is not None and not trashed and not name.startswith("."):
                    strays.append(name)
                continue
            try:
                info = item.stat()
            except OSError:
                continue
            found[name[:end]] = (info.st_mtime_ns, info.st_size, trashed)
        remove_stale(temporaries)
        return found

    def file(self, id: str, trashed: bool = False) -> LibraryFile:
        """The `LibraryFile` of conversation `id`. Raises KeyError when there is none."""
        path = self.path(id, trashed)
        try:
            info = path.stat()
        except OSError:
            raise KeyError(id) from None
        return LibraryFile(id, path, trashed, info.st_mtime_ns, info.st_size)

    def read_entry(self, file: LibraryFile) -> tuple[LibraryEntry, Conversation | None]:
        """The entry of a file, read and checked, and its conversation (None when it cannot
        be read: the entry's `error` says why). Never raises."""
        try:
            opened = load_conversation(file.path)
        except ConversationFileError as exc:
            entry = LibraryEntry(
                file.id, file.path, file.path.name, file.mtime_ns / 1e9, 0, False, file.trashed,
                exc.problem, file.mtime_ns, file.size,
            )  # fmt: skip
            return entry, None
        conv = opened.conversation
        summary = Summary.of(conv)
        disk = opened.disk
        entry = LibraryEntry(
            file.id, file.path, summary.title, summary.last_activity, summary.messages,
            summary.pinned, file.trashed, None,
            disk.mtime_ns if disk else file.mtime_ns, disk.size if disk else file.size,
        )  # fmt: skip
        return entry, conv

    def entries(self, trashed: bool = False) -> list[LibraryEntry]:
        """Every conversation (or every trashed one), pinned first, then newest activity
        first, read from the files themselves (the index's `entries` does not open them)."""
        found = [self.read_entry(f)[0] for f in self.files() if f.trashed == trashed]
        return sort_entries(found)

    # -- reading and writing ----------------------------------------------------------------
    def load(self, id: str) -> Opened:
        """The conversation `id` as read (its `disk` is what `save` compares against).
        Raises ConversationFileError (a missing id says "does not exist")."""
        return load_conversation(self.path(id))

    def create(self, conv: Conversation) -> Saved:
        """Add `conv` as a new conversation; returns its new id."""
        id = self.new_id()
        return Saved(id, save_conversation(conv, self.path(id), tidy=False))

    def save(self, id: str, conv: Conversation, expect: DiskState | None) -> Saved:
        """Write `conv` as conversation `id`. `expect`: the file's state when this process
        read or last wrote it (None: a conversation this process made and never wrote).

        When the file changed since (another chatdesk wrote it), nothing of theirs is
        overwritten: `conv` is saved as a new conversation whose title says it changed in two
        places, and `Saved.conflict` names the other. Raises OSError for the disk."""
        target = self.path(id)
        if expect is None and target.exists():
            expect = _NEVER_READ  # the id is taken by a file this process never read
        try:
            return Saved(id, save_conversation(conv, target, expect, tidy=False))
        except ChangedOnDisk:
            copy = conv.snapshot()
            copy.title = conflict_title(conv)
            saved = self.create(copy)
            return Saved(saved.id, saved.disk, conflict=id, title=copy.title)

    def update(self, id: str, change: Callable[[Conversation], object]) -> DiskState:
        """Read conversation `id`, apply `change` to it and write it back, checking that no
        other process wrote it between (then reading and applying again). For a conversation
        that is not open; an open one is changed in memory and saved by its window. Raises
        ConversationFileError, OSError."""
        for _attempt in range(5):
            opened = self.load(id)
            change(opened.conversation)
            try:
                return save_conversation(
                    opened.conversation, self.path(id), opened.disk, tidy=False
                )
            except ChangedOnDisk:
                continue
        raise ChangedOnDisk(self.path(id))

    def rename(self, id: str, title: str) -> DiskState:
        """Give conversation `id` this title ("" goes back to the automatic one)."""
        clean = " ".join(title.split())
        return self.update(id, lambda conv: setattr(conv, "title", clean))

    def set_pinned(self, id: str, pinned: bool) -> DiskState:
        return self.update(id, lambda conv: setattr(conv, "pinned_in_list", pinned))

    def duplicate(self, id: str) -> str:
        """A copy of conversation `id` as a new conversation titled "… (copy)"; its id."""
        conv = self.load(id).conversation
        conv.title = display_title(conv) + " (copy)"
        conv.pinned_in_list = False
        conv.created_at = now_iso()
        return self.create(conv).id

    def import_file(self, source: str | os.PathLike[str]) -> str:
        """Copy a conversation file (or a Chat Completions request body) into the library as
        a new conversation; the source is not touched. Its title is the file's, else made from
        its first user message, else the file name. Returns the new id. Raises
        ConversationFileError, OSError."""
        return self.adopt(load_conversation(source).conversation, source).id

    def adopt(self, conv: Conversation, source: str | os.PathLike[str]) -> Saved:
        """Add `conv`, read from the file `source` (which is not touched), as a new
        conversation: `import`, and `send`/`attach` on a request body, whose file is never
        written. Its title is its own, else made from its first user message, else the file
        name. Raises OSError."""
        if not conv.title.strip() and not title_from_messages(conv.messages(0, 8)):
            name = Path(source).name
            conv.title = name.removesuffix(FILE_SUFFIX).removesuffix(".json") or name
        return self.create(conv)

    # -- the trash ---------------------------------------------------------------------------
    def trash(self, id: str) -> Path:
        """Move conversation `id` to the trash; the new path. Raises KeyError when it is not
        in the library, OSError."""
        return self._move(self.path(id), self.path(id, trashed=True))

    def restore(self, id: str) -> Path:
        """Bring conversation `id` back from the trash. When an id of the same name is in the
        library meanwhile (another process), the restored one gets a new id. Raises KeyError
        when it is not in the trash, OSError."""
        target = self.path(id)
        if target.exists():
            target = self.path(self.new_id())
        return self._move(self.path(id, trashed=True), target)

    def delete_forever(self, id: str) -> None:
        """Delete a trashed conversation's file. Raises KeyError when it is not in the trash."""
        try:
            self.path(id, trashed=True).unlink()
        except FileNotFoundError:
            raise KeyError(id) from None

    def empty_trash(self) -> int:
        """Delete every trashed conversation; how many were deleted."""
        removed = 0
        for file in list(self.files()):
            if file.trashed:
                with contextlib.suppress(OSError):
                    file.path.unlink()
                    removed += 1
        return removed

    def _move(self, source: Path, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(self.folder):
            if not source.exists():
                raise KeyError(source.name.removesuffix(FILE_SUFFIX))
            os.replace(source, target)  # keeps the modification time: the trash sorts by it
        return target


def _move_new(source: Path, target: Path) -> None:
    """Rename `source` to `target`, which must not exist: a link then an unlink (never over
    a file; another process moving `source` at once gets FileNotFoundError), else, where the
    file system has no links, a rename after a check. Raises OSError."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise
    except OSError:
        if target.exists():
            raise FileExistsError(target) from None
        os.rename(source, target)
        return
    os.unlink(source)


# A DiskState no file has: saving over a file with it is always a conflict.
_NEVER_READ = DiskState(-1, -1, b"")


def sort_entries(entries: list[LibraryEntry]) -> list[LibraryEntry]:
    """Pinned first, then newest activity first, then by id (stable for equal times)."""
    entries = sorted(entries, key=lambda e: e.id, reverse=True)
    entries.sort(key=lambda e: e.last_activity, reverse=True)
    entries.sort(key=lambda e: not e.pinned)
    return entries


def history_texts(conv: Conversation) -> list[str]:
    """The text of every history message in order (content parts' text joined; "" for a
    message without text), without building messages: what the index stores."""
    return list(conv.texts())
