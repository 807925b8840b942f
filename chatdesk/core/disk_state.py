"""What a file on disk was when chatdesk last read or wrote it, to notice another writer.

Two windows, or a window and `chatdesk send`, may hold the same conversation file. Each
remembers the `DiskState` of the file as it read or wrote it; before writing over it, the
writer compares that with the file now (`changed_since`). Modification time and size decide
quickly; when they differ, the content's hash decides (a file touched but not changed is not
a conflict).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from chatdesk.core.safe_read import read_regular


class ChangedOnDisk(OSError):
    """The file changed on disk since it was read: writing now would wipe another's changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f"{os.fspath(path)} was changed by another program since it was read")
        self.filename = os.fspath(path)
        self.strerror = "it was changed by another program since chatdesk read it"


@dataclass(frozen=True)
class DiskState:
    """A file's modification time (ns), size (bytes) and BLAKE2b digest of its content."""

    mtime_ns: int
    size: int
    digest: bytes

    @classmethod
    def of(cls, data: bytes, info: os.stat_result) -> DiskState:
        return cls(info.st_mtime_ns, info.st_size, _digest(data))

    @classmethod
    def read(cls, data: bytes, mtime_ns: int, size: int) -> DiskState:
        return cls(mtime_ns, size, _digest(data))


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def changed_since(path: str | os.PathLike[str], state: DiskState, limit: int) -> bool:
    """Whether the file at `path` differs from `state`. A missing file has not "changed":
    there is nothing of another's to lose. Unreadable or too large counts as changed."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    if (info.st_mtime_ns, info.st_size) == (state.mtime_ns, state.size):
        return False
    try:
        now = read_regular(path, limit)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return _digest(now.data) != state.digest
