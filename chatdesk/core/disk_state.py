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
import threading

from chatdesk.core.safe_read import read_regular


class ChangedOnDisk(OSError):
    """The file changed on disk since it was read: writing now would wipe another's changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f"{os.fspath(path)} was changed by another program since it was read")
        self.filename = os.fspath(path)
        self.strerror = "it was changed by another program since chatdesk read it"


class DiskState:
    """A file's modification time (ns), size (bytes) and BLAKE2b digest of its content.

    Immutable once made. The digest of a 54 MB file takes 70-200 ms; `later` makes a state
    whose digest is computed on first use (or by `settle`, on a worker, right after), so
    what waits only for the file's content need not wait for it. Until then it keeps the
    content it was made from; any thread may ask for `digest`: one computes it, others wait.
    """

    __slots__ = ("_content", "_digest", "_lock", "mtime_ns", "size")

    def __init__(self, mtime_ns: int, size: int, digest: bytes) -> None:
        self.mtime_ns = mtime_ns
        self.size = size
        self._digest: bytes | None = digest
        self._content: bytes | None = None
        self._lock: threading.Lock | None = None

    @classmethod
    def of(cls, data: bytes, info: os.stat_result) -> DiskState:
        return cls(info.st_mtime_ns, info.st_size, _digest(data))

    @classmethod
    def read(cls, data: bytes, mtime_ns: int, size: int) -> DiskState:
        return cls(mtime_ns, size, _digest(data))

    @classmethod
    def later(cls, data: bytes, mtime_ns: int, size: int) -> DiskState:
        """The state of a file read as `data`, its digest computed when first asked for."""
        state = cls(mtime_ns, size, b"")
        state._digest, state._content, state._lock = None, data, threading.Lock()
        return state

    @property
    def digest(self) -> bytes:
        if self._digest is None:
            assert self._lock is not None
            with self._lock:
                if self._digest is None:
                    assert self._content is not None
                    self._digest = _digest(self._content)
                    self._content = None  # up to 500 MB: not kept past its use
        return self._digest

    def settle(self) -> None:
        """Compute the digest now (a worker, so that no later save waits for it)."""
        self.digest  # noqa: B018 - the property computes and keeps it

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DiskState):
            return NotImplemented
        return (self.mtime_ns, self.size) == (other.mtime_ns, other.size) and (
            self.digest == other.digest
        )

    def __hash__(self) -> int:
        return hash((self.mtime_ns, self.size, self.digest))

    def __repr__(self) -> str:
        digest = self.digest.hex() if self._digest is not None else "(not yet computed)"
        return f"DiskState(mtime_ns={self.mtime_ns}, size={self.size}, digest={digest})"


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
