"""Crash recovery: every open conversation is mirrored to a file until it is saved or closed.

One file per open conversation, ``<id>.json`` in `recovery_dir()`, replaced atomically, so a
kill at any moment leaves either the previous copy or the new one, never half of one:

    {"format": "chatdesk.recovery", "version": 1, "id": "3f2a...", "path": "/x/chat.json",
     "pid": 1234, "conversation": {<fileformat.to_document(conv)>},
     "edit": {"index": 4, "text": "...", "removed": [1]},
     "base": {"mtime_ns": 1764594004000000000, "size": 5210, "digest": "9c1e..."},
     "saved_at": "2025-01-31T12:00:00.000+00:00"}

("path" is null for a conversation never saved. "edit", only while a question is being edited
in place with changes (core/edit_in_place.py): which message, by its index in the history, the
text typed, and the positions in its content of the images taken out ("removed", absent when
none). It is the copy's alone, never the conversation file's: after a crash the window
opens that editor again as it was left. A copy without it (older ones) has no edit; one with an
"edit" the reader cannot use still gives its conversation back. "base": the file as the window
last read or wrote it when the copy was made (`DiskState`: modification time, size, BLAKE2b
digest), the version the copy's changes are made on; absent for a conversation with no file,
and in older copies. Restoring compares it with the file then (core/recovered_file.py): a file
still as it was takes the restored conversation back in place; one another program wrote since
is not written over.)

A reply that was streaming is saved as it stands (the window marks it ``incomplete``), so after
a crash the restored conversation shows the partial reply marked incomplete. At start-up
`entries()` offers what a dead process left behind; files of a chatdesk that is still running
are left alone, so two windows never take each other's work, and so are the caller's own live
copies (a file opened at start is not "not closed properly"). A copy whose conversation is
exactly what its file on disk holds (saved, then a crash) is not offered again. Only regular
files are read, each at most 64 MB; a damaged copy is set aside as ``.bad`` and `damaged` says
which and why, for the window to tell the user.

A copy the user kept for later ("Later") stays, and is offered at each start until restored or
discarded; meanwhile its conversation may have moved on. `against_since` marks a copy that is
older than what was saved or kept after it (its file written since, a newer copy of the same
file, or a session that closed properly with it open, keeping its draft), so the window
offers it as older, not as the newest work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeGuard

import msgspec
import msgspec.structs

from chatdesk.core.atomic import atomic_write_text, is_stale_temporary, pid_running
from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import DiskState
from chatdesk.core.edit_in_place import EditInPlace
from chatdesk.core.fileformat import (
    MAX_FILE_BYTES,
    ConversationFileError,
    load_conversation,
    loads,
    to_document,
)
from chatdesk.core.messages import now_iso
from chatdesk.core.paths import recovery_dir
from chatdesk.core.safe_read import read_regular
from chatdesk.core.session_state import SessionState
from chatdesk.core.text_policy import JsonProblem, parse_json, storable
from chatdesk.core.titles import conversation_title, file_title

FORMAT = "chatdesk.recovery"
VERSION = 1
BAD_SUFFIX = ".bad"
# Ids become file names: nothing that could leave the folder or hide as a temp file.
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class _Damaged(ValueError):
    """A recovery file that cannot be used; the text says why."""

    def __init__(self, why: str = "it is not a chatdesk recovery file") -> None:
        super().__init__(why)


class RecoveryEntry(msgspec.Struct, frozen=True):
    """A conversation left behind by a chatdesk that did not close properly."""

    id: str
    path: Path | None  # the file it was opened from or saved to; None: never saved
    saved_at: str  # ISO 8601, UTC
    title: str  # as the sidebar calls it: given, else made from the first exchange (titles.py)
    messages: int  # history messages (the system prompt and examples not counted)
    conversation_loader: Callable[[], Conversation]
    # What holds newer work of this conversation ("": nothing known; see `against_since`).
    older_than: str = ""
    # chatdesk closed properly after this copy was written: it was kept for later, not left
    # by the last run's crash.
    kept_for_later: bool = False
    # A question being edited in place, not resent (None: none).
    edit: EditInPlace | None = None
    # Its file as the window last read or wrote it when the copy was made (None: no file, or
    # a copy written before chatdesk kept it).
    base: DiskState | None = None
    # The title the conversation was given ("" none): a file of the user's is named by it.
    given_title: str = ""

    # A value: the loader (a new closure each time the folder is read) takes no part.
    def _fields(self) -> list[tuple[str, object]]:
        return [(f, getattr(self, f)) for f in self.__struct_fields__ if f != "conversation_loader"]

    def _value(self) -> tuple[object, ...]:
        return tuple(v for _, v in self._fields())

    def __eq__(self, other: object) -> bool:
        return self._value() == other._value() if isinstance(other, RecoveryEntry) else False

    def __hash__(self) -> int:
        return hash(self._value())

    def __repr__(self) -> str:
        return f"RecoveryEntry({', '.join(f'{f}={v!r}' for f, v in self._fields())})"

    @property
    def display_name(self) -> str:
        """What the window calls it where the file matters (`ChatSession.display_name` with
        the file): a file of the user's by the title it gives and its file's name, or its
        file's name alone (`file_title`); one never saved by its title."""
        return self.name(lambda _path: False)

    def name(self, in_library: Callable[[Path], bool]) -> str:
        """`display_name`, a copy of a library conversation (`in_library(path)`: its file is
        named by an id) by its title as well."""
        if self.path is not None and not in_library(self.path):
            return file_title(self.given_title, self.path.name, with_file=True)
        return " ".join(self.title.split())

    @property
    def saved_datetime(self) -> datetime:
        when = datetime.fromisoformat(self.saved_at)
        return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


class RecoveryStore:
    """Recovery files in one folder (`recovery_dir()` by default).

    `save` and `discard` may be called from any thread; they are serialised by a lock.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else recovery_dir()
        self._digests: dict[str, bytes] = {}  # id -> digest of the content last written
        self._lock = threading.Lock()
        # Set by `entries()`: copies that could not be used, (file set aside, why).
        self.damaged: list[tuple[Path, str]] = []

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def file(self, id: str) -> Path:
        if not _ID_RE.fullmatch(id):
            raise ValueError(f"not a recovery id: {id!r}")
        return self.folder / f"{id}.json"

    # -- writing -----------------------------------------------------------------------------
    def save(
        self,
        id: str,
        conv: Conversation,
        path: Path | None,
        edit: EditInPlace | None = None,
        base: DiskState | None = None,
    ) -> None:
        """Write the conversation's recovery file, with the question being edited in place
        (`edit`) if any, and the state of `path` its changes are made on (`base`: as the
        window last read or wrote it); a no-op when nothing changed since the last.

        Raises OSError when the folder cannot be written (the caller reports it once).
        """
        target = self.file(id)
        conversation = to_document(conv)
        messages, mark = conversation["messages"], uuid.uuid4().hex
        conversation["messages"] = mark  # its place: the messages are encoded in pieces
        document = {
            "format": FORMAT,
            "version": VERSION,
            "id": id,
            "path": os.fspath(path) if path is not None else None,
            "pid": os.getpid(),
            "conversation": conversation,
        }
        if edit is not None:
            kept: dict[str, object] = {"index": edit.index, "text": edit.text}
            if edit.removed:  # (absent when none: the copies before it read the same)
                kept["removed"] = sorted(edit.removed)
            document["edit"] = kept
        if base is not None and path is not None:
            document["base"] = {
                "mtime_ns": base.mtime_ns, "size": base.size, "digest": base.digest.hex()
            }  # fmt: skip
        # saved_at goes last, appended to the serialised rest, so the digest of the rest tells
        # whether anything changed with one serialisation per call.
        # ASCII: a lone surrogate (valid in JSON, not in UTF-8) must not make the save fail.
        head, _, tail = json.dumps(document, ensure_ascii=True).partition(json.dumps(mark))
        body = f"{head}{_encoded_list(messages)}{tail}"
        digest = hashlib.blake2b(body.encode("ascii"), digest_size=16).digest()
        with self._lock:
            if self._digests.get(id) == digest and target.exists():
                return
            text = f'{body[:-1]}, "saved_at": {json.dumps(now_iso())}}}\n'
            atomic_write_text(target, text)
            self._digests[id] = digest

    def discard(self, id: str) -> bool:
        """Forget a conversation (saved, closed or discarded by the user). Never raises for
        the disk: False when the copy could not be removed (a read-only folder); the next
        start then finds it identical to its saved file, or offers it."""
        target = self.file(id)
        with self._lock:
            self._digests.pop(id, None)
            try:
                target.unlink(missing_ok=True)
            except OSError:
                return False
            # A kill mid-write leaves atomic_write_text's temporary file behind.
            with contextlib.suppress(OSError):
                for leftover in self.folder.glob(f".{id}.json.*.tmp"):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
        return True

    # -- reading -----------------------------------------------------------------------------
    def entries(self, live: Collection[str] = ()) -> list[RecoveryEntry]:
        """What can be restored, newest first. Damaged files are moved aside to ``.bad`` and
        listed in `damaged`; files of another chatdesk that is still running, and the `live`
        ids (the caller's own open conversations), are not offered; nor is a copy whose file
        already holds the same conversation. Temporaries of a killed writer are removed."""
        self.damaged = []
        if not self.folder.is_dir():
            return []
        found: list[RecoveryEntry] = []
        live = set(live)
        try:
            files = list(self.folder.glob("*.json"))
            leftovers = list(self.folder.glob(".*.tmp"))
        except OSError:
            return []
        for tmp in leftovers:
            if is_stale_temporary(tmp):
                with contextlib.suppress(OSError):
                    tmp.unlink()
        for file in files:
            if file.stem in live:
                continue
            try:
                entry, pid = self._read(file)
            except _Damaged as exc:
                self.damaged.append((_move_aside(file), str(exc)))
                continue
            except OSError:
                continue  # unreadable now (permissions, a FIFO, a race with discard)
            if entry is None or (pid != os.getpid() and pid_running(pid, unknown=False)):
                continue
            # (A copy with an edit in place holds text its file never holds: kept.)
            if entry.path is not None and entry.edit is None and _already_saved(entry):
                with contextlib.suppress(OSError):
                    self.discard(entry.id)
                continue
            found.append(entry)
        found.sort(key=lambda e: e.saved_datetime, reverse=True)
        return found

    def load(self, entry: RecoveryEntry) -> Conversation:
        """A fresh Conversation from the entry (each call builds a new one)."""
        return entry.conversation_loader()

    def _read(self, file: Path) -> tuple[RecoveryEntry | None, int]:
        raw = read_regular(file, MAX_FILE_BYTES + 1024 * 1024).data  # a file and its envelope
        try:
            data = parse_json(raw.decode("utf-8"))
        except JsonProblem as exc:
            raise _Damaged(str(exc)) from None
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise _Damaged("it is not valid JSON (it may be truncated)") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise _Damaged
        version = data.get("version")
        if not _is_int(version) or version < 1:
            raise _Damaged
        if version > VERSION:
            return None, 0  # a newer chatdesk's file: not ours to read or to move
        id, pid, path, saved_at = (data.get(k) for k in ("id", "pid", "path", "saved_at"))
        if id != file.stem or not _is_int(pid) or pid <= 0:
            raise _Damaged
        if path is not None and not isinstance(path, str):
            raise _Damaged
        if not isinstance(saved_at, str):
            raise _Damaged
        try:
            datetime.fromisoformat(saved_at)
        except ValueError:
            raise _Damaged from None
        document = data.get("conversation")
        if not isinstance(document, dict):
            raise _Damaged
        text = json.dumps(document)  # escaped: loads() then replaces lone surrogates
        try:
            conv = _parse(text, file)
        except ConversationFileError as exc:
            raise _Damaged(exc.problem) from None
        entry = RecoveryEntry(
            id=id,
            path=Path(path) if path else None,
            saved_at=saved_at,
            title=conversation_title(conv),
            messages=len(conv),
            conversation_loader=lambda: _parse(text, file),
            edit=_edit_of(data.get("edit"), conv),
            base=_base_of(data.get("base")) if path else None,
            given_title=conv.title,
        )
        return entry, pid


def against_since(entries: list[RecoveryEntry], last: SessionState) -> list[RecoveryEntry]:
    """The entries (newest first), each marked with what was saved or kept after it: its file
    written since, a newer copy of the same file, or the last session (`last`, as it was read
    at start) closed properly with the file open after the copy was written, when that file
    holds every message the copy holds. Such a copy is older than the conversation as it is
    now; restoring it would replace newer work. A copy holding a turn its file lacks is not
    marked: that turn is only in the copy."""
    closed_ns = last.written_ns if last.closed else None
    kept_paths = {item.path for item in last.conversations}
    seen: set[Path] = set()
    marked = []
    for entry in entries:
        copied_ns = int(entry.saved_datetime.timestamp() * 1_000_000_000)
        kept = closed_ns is not None and closed_ns > copied_ns
        older = ""
        if entry.path is not None:
            if entry.path in seen:
                older = "a newer recovery copy of it"
            elif entry.edit is not None:
                pass  # the question being edited: what was typed in it is only in the copy
            elif not _file_holds_messages(entry):
                pass  # the copy holds turns its file never got: its work is only here
            elif _written_ns(entry.path) > copied_ns:
                older = f"{entry.path.name} as it was saved since"
            elif kept and os.fspath(entry.path) in kept_paths:
                older = "the conversation as chatdesk last closed it"
            seen.add(entry.path)
        marked.append(msgspec.structs.replace(entry, older_than=older, kept_for_later=kept))
    return marked


def _file_holds_messages(entry: RecoveryEntry) -> bool:
    """Whether the entry's file holds every message the copy holds (the file may go on with
    later ones): a later save or close then kept the copy's turns, else they are only in the
    copy (a turn sent before a kill, the file reopened with "Later" and saved without it)."""
    assert entry.path is not None
    try:
        on_disk = to_document(load_conversation(entry.path).conversation)["messages"]
        copied = to_document(entry.conversation_loader())["messages"]
    except (ConversationFileError, OSError):
        return True  # nothing to compare with: go by the times
    return bool(on_disk[: len(copied)] == copied)


def _edit_of(value: object, conv: Conversation) -> EditInPlace | None:
    """The copy's edit in place; None when it has none, or one that names no message of its
    conversation (the conversation is still given back: the edit is the smaller loss). Its
    "removed" (older copies have none) keeps the positions of the question's images alone;
    one the reader cannot use is left out, the text kept: the images show again."""
    if not isinstance(value, dict):
        return None
    index, text = value.get("index"), value.get("text")
    if not _is_int(index) or not 0 <= index < len(conv) or not isinstance(text, str):
        return None
    removed = value.get("removed", [])
    if not isinstance(removed, list) or not all(_is_int(at) for at in removed):
        removed = []
    return EditInPlace(index, storable(text), frozenset(removed)).fitted_to(conv[index])


def _base_of(value: object) -> DiskState | None:
    """The copy's base; None when it has none (older copies) or one the reader cannot use
    (then restoring goes by the times, as for older copies)."""
    if not isinstance(value, dict):
        return None
    mtime_ns, size, digest = (value.get(k) for k in ("mtime_ns", "size", "digest"))
    if not _is_int(mtime_ns) or not _is_int(size) or not isinstance(digest, str):
        return None
    try:
        return DiskState(mtime_ns, size, bytes.fromhex(digest))
    except ValueError:
        return None


def _written_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1  # gone: nothing newer


def _already_saved(entry: RecoveryEntry) -> bool:
    """Whether the entry's file holds exactly the conversation the copy holds."""
    assert entry.path is not None
    try:
        on_disk = load_conversation(entry.path).conversation
        return to_document(on_disk) == to_document(entry.conversation_loader())
    except (ConversationFileError, OSError):
        return False


def _parse(text: str, file: Path) -> Conversation:
    return loads(text, file).conversation


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _move_aside(file: Path) -> Path:
    # Kept, not deleted: it may still hold text someone wants to dig out by hand.
    aside = file.with_name(file.name + BAD_SUFFIX)
    try:
        os.replace(file, aside)
    except OSError:
        return file
    return aside


PIECE = 1000  # messages per json.dumps call


def _encoded_list(items: list[object]) -> str:
    """json.dumps(items, ensure_ascii=True), `PIECE` items per call. One call holds the
    interpreter from start to end: 100,000 messages at once stopped the GUI thread 150-350 ms
    (the recovery copy written while a long file was still counted); a piece takes ~2 ms."""
    pieces = (
        json.dumps(items[at : at + PIECE], ensure_ascii=True)[1:-1]
        for at in range(0, len(items), PIECE)
    )
    return f"[{', '.join(pieces)}]"
