"""A recovery copy's file when the copy is restored: still as the copy's changes were made on,
or written since by another program (another window, `chatdesk send`).

One rule for the window's restore: a restored conversation is written back over its file, as
its unsaved changes, only when that loses nothing of another's. The copy records its base, the
file as the window last read or wrote it (core/recovery.py); the file is "as it was" when it
is still that base (same time and size, or same bytes), or when it already holds exactly the
copy's conversation (the window wrote it after the copy was made, then died). A copy without a
base (written before chatdesk kept one) goes by the times: the file was not written after the
copy. Anything else was written since: the restored conversation must not go over it.

Cost: a `stat` when the file is as the base; else the file is read (and parsed when its bytes
differ), once per restored copy.
"""

from __future__ import annotations

import os

import msgspec

from chatdesk.core.disk_state import DiskState
from chatdesk.core.fileformat import ConversationFileError, load_conversation, to_document
from chatdesk.core.recovery import RecoveryEntry


class FileSinceCopy(msgspec.Struct, frozen=True):
    """`written_since`: another program wrote the copy's file after the copy was made.
    `disk`: what the restored conversation is saved against (the save checks that the file is
    still so): the file as it is now when it was not written since, else the copy's base (a
    save then notices the change); None when there is no file to compare with."""

    disk: DiskState | None
    written_since: bool


def file_since_copy(entry: RecoveryEntry) -> FileSinceCopy:
    """Whether `entry`'s file was written after the copy was made (see the module docstring).
    A file that is gone was not: nothing of another's is there to lose. Never raises."""
    if entry.path is None:
        return FileSinceCopy(None, False)
    base = entry.base
    try:
        info = os.stat(entry.path)
    except FileNotFoundError:
        return FileSinceCopy(None, False)
    except OSError:
        return FileSinceCopy(base, True)  # unknown: not written over
    if base is not None and (info.st_mtime_ns, info.st_size) == (base.mtime_ns, base.size):
        return FileSinceCopy(base, False)
    try:
        opened = load_conversation(entry.path)
    except ConversationFileError:
        return FileSinceCopy(base, True)  # unreadable now, or not a conversation any more
    now = opened.disk
    assert now is not None  # (load_conversation always gives it)
    if base is not None and now.digest == base.digest:
        return FileSinceCopy(now, False)  # touched, not changed
    if base is None and now.mtime_ns <= _copied_ns(entry):
        return FileSinceCopy(now, False)  # an older copy: its file not written after it
    try:
        copied = to_document(entry.conversation_loader())
    except (ConversationFileError, OSError):
        return FileSinceCopy(base, True)
    if to_document(opened.conversation) == copied:
        return FileSinceCopy(now, False)  # it holds the copy's conversation: nothing to lose
    return FileSinceCopy(base, True)


def _copied_ns(entry: RecoveryEntry) -> int:
    return int(entry.saved_datetime.timestamp() * 1_000_000_000)
