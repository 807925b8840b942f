"""Atomic file writes: a crash mid-save never damages the file that was there.

The temporary file sits beside the target as ``.<name>.chatdesk-<pid>-<random>.tmp``: the name
says whose it is and which process wrote it, so a later write of the same file removes the
leftovers of a writer that was killed mid-save (`remove_stale_temporaries`), and nothing else.
That costs a listing of the folder per write; a writer into a folder that is listed anyway
(the library's, on every change: `Library.stamps`) passes ``tidy=False`` and removes them
there (`remove_stale`), at the cost of the temporaries found.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from chatdesk.core.patterns import LazyPattern
from chatdesk.core.text_policy import storable

TEMP_MARK = "chatdesk-"
# A write takes seconds at most; a temporary this old is a leftover even if its pid was reused.
STALE_AFTER_S = 3600
_TEMP_RE = LazyPattern(r"\.chatdesk-(\d+)-[^.]*\.tmp$")


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, tidy: bool = True
) -> os.stat_result:
    """Write `data` to `path` via a temporary file in the same folder, fsync, then rename.

    On POSIX the file keeps the permission bits it had (a new file gets 0666 less the umask, as
    `open()` would give it): `mkstemp` makes the temporary 0600, which must not leak onto a
    file the user shares. Returns the new file's stat. Raises OSError (the old file, if any, is
    left as it was and the temporary file is removed). `tidy`: then remove what killed writers
    of `path` left (`remove_stale_temporaries`, which lists the folder).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=target.parent
    )
    try:
        if os.name == "posix":
            os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    info = os.stat(target)
    if tidy:
        remove_stale_temporaries(target)
    return info


def _mode_for(target: Path) -> int:
    """The permission bits `target` should have after the write: its own, else the default."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)  # reading the umask means setting it; put it straight back
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> os.stat_result:
    """`atomic_write_bytes` of `text` in UTF-8; a lone surrogate is written as U+FFFD."""
    return atomic_write_bytes(path, storable(text).encode("utf-8"))


def remove_stale_temporaries(target: str | os.PathLike[str]) -> int:
    """Remove temporaries of `target` left by a chatdesk that died mid-write; how many.

    Only files of chatdesk's own naming whose process is gone (or that are over an hour old)
    are touched; errors are ignored (a leftover is untidy, never harmful).
    """
    target = Path(target)
    prefix = f".{target.name}.{TEMP_MARK}"  # as atomic_write_bytes names them
    try:
        with os.scandir(target.parent) as entries:
            candidates = [
                Path(entry.path)
                for entry in entries
                if entry.name.startswith(prefix) and entry.name.endswith(".tmp")
            ]
    except OSError:
        return 0
    return remove_stale(candidates)


def is_temporary(name: str) -> bool:
    """Whether a file name is of a chatdesk temporary (`atomic_write_bytes`'), by its name."""
    return name.startswith(".") and _TEMP_RE.search(name) is not None


def remove_stale(paths: Iterable[Path]) -> int:
    """Remove those of `paths` that are chatdesk temporaries whose writer is gone (or that
    are over an hour old: `is_stale_temporary`); how many. Errors are ignored."""
    removed = 0
    for tmp in paths:
        if is_stale_temporary(tmp):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
    return removed


def is_stale_temporary(tmp: Path) -> bool:
    """Whether `tmp` is a chatdesk temporary whose writer is gone (or that is too old)."""
    found = _TEMP_RE.search(tmp.name)
    if found is None:
        return False
    pid = int(found.group(1))
    if pid != os.getpid() and not pid_running(pid):
        return True
    try:
        return time.time() - tmp.stat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def pid_running(pid: int, *, unknown: bool = True) -> bool:
    """Whether a process with this id exists; `unknown` where that cannot be told (Windows,
    where signal 0 would terminate it): True keeps what might be another process's."""
    if os.name != "posix":
        return unknown
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive advisory lock on `folder` (POSIX `flock` on the folder itself), so
    that a check-then-write of a file in it by two chatdesk processes cannot interleave. Where
    locking is not available (Windows, a file system without it) this holds nothing."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        # No locking on this file system: the check before the write still narrows the window.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on Windows, where it is not needed.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
