"""Reading a user's file safely: regular files only, and never more than a stated limit.

Every place chatdesk reads a file it did not just write goes through `read_regular`: a FIFO
would block the reader forever, and a device (or a link to /dev/zero) reports size 0 and then
never ends, so neither `os.path.getsize` nor `Path.read_bytes` is safe on a path a user named.
The file is opened non-blocking (opening a FIFO then returns at once), checked with `fstat` on
the opened descriptor (no race with a swap after the check), and read at most `limit` + 1 bytes.
"""

from __future__ import annotations

import os
import stat

import msgspec

MB = 1024 * 1024


class NotRegularFile(OSError):
    """The path names a FIFO, a device, a socket or a folder (perhaps through a link)."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        self.kind = kind
        super().__init__(f"{os.fspath(path)} is {kind}, not a regular file")
        self.filename = os.fspath(path)
        self.strerror = f"it is {kind}, not a regular file"


class FileTooLarge(OSError):
    """The file holds more than the caller's limit; nothing beyond limit + 1 bytes was read."""

    def __init__(self, path: str | os.PathLike[str], size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(f"{os.fspath(path)} is larger than {limit / MB:.0f} MB")
        self.filename = os.fspath(path)
        self.strerror = f"it is larger than the {limit / MB:.0f} MB limit"


class FileRead(msgspec.Struct, frozen=True):
    """The bytes of a file and what identified the file on disk when it was read."""

    data: bytes
    mtime_ns: int
    size: int


def kind_of(mode: int) -> str:
    """A person-readable name of a file type (`st_mode`): "a FIFO", "a device"..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular(path: str | os.PathLike[str], limit: int) -> FileRead:
    """The whole content of the regular file at `path` (links followed), at most `limit` bytes.

    Raises FileNotFoundError, PermissionError and other OSErrors as `open` does,
    `NotRegularFile` for a FIFO, device, socket or folder, and `FileTooLarge` past `limit`.
    Never blocks on a FIFO and never reads more than `limit` + 1 bytes.
    """
    fd, info = open_regular(path, limit)
    try:
        chunks: list[bytes] = []
        total = 0
        # The whole file in one read (one buffer, no join: a 54 MB file of images is copied
        # once), then in 1 MB steps: st_size can lie (a growing file, /proc), so the bound
        # is on what is read.
        step = max(info.st_size + 1, 1 * MB)
        while True:
            chunk = os.read(fd, min(step, limit + 1 - total))
            step = 1 * MB
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLarge(path, total, limit)
    finally:
        os.close(fd)
    return FileRead(b"".join(chunks), info.st_mtime_ns, info.st_size)


def read_ends(
    path: str | os.PathLike[str], limit: int, head: int, tail: int
) -> tuple[bytes, bytes, int]:
    """(the first `head` bytes, the last `tail` bytes, the size) of the regular file at `path`,
    less when it is shorter (the two may overlap); checked and refused as `read_regular` does."""
    fd, info = open_regular(path, limit)
    try:
        size = info.st_size
        start = max(0, size - tail)
        return os.pread(fd, min(head, size), 0), os.pread(fd, size - start, start), size
    finally:
        os.close(fd)


def open_regular(path: str | os.PathLike[str], limit: int) -> tuple[int, os.stat_result]:
    """(a read-only descriptor, its `fstat`) of the regular file at `path`, for the caller to
    close; raises as `read_regular` does (`NotRegularFile`, `FileTooLarge` past `limit`)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    # stat first: opening some devices has effects (a tape rewinds); fstat after, for the race.
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFile(path, kind_of(before.st_mode))
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, kind_of(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(path, info.st_size, limit)
    except BaseException:
        os.close(fd)
        raise
    return fd, info
