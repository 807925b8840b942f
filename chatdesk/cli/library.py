"""What `chatdesk list`, `search` and `import` share: the library the settings name, its
index brought up to date with the files (progress on stderr when that takes a while), and
times written the same way.

The window and these commands use one library and one index (`core.library`,
`core.library_index`), safely at the same time: a command run while the window is open sees
what the window wrote, and the window sees what `chatdesk import` added.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from chatdesk.cli.command import fail

if TYPE_CHECKING:
    from chatdesk.core.library import Library
    from chatdesk.core.library_index import LibraryIndex

# Reading this many changed files says so on stderr (a first run over a big library).
_SAY_PROGRESS_FROM = 200


def open_library(refresh: bool = True) -> tuple[Library, LibraryIndex]:
    """The library of the user's settings and its index, refreshed from the files unless
    `refresh` is False. A settings warning is said on stderr; nothing here raises for a
    conversation file (a bad one is listed with its error). Raises OSError or sqlite3.Error
    when the index cannot be written at all."""
    from chatdesk.core.library import Library, library_dir
    from chatdesk.core.library_index import LibraryIndex
    from chatdesk.core.settings import load_settings

    loaded = load_settings()
    if loaded.warning:
        fail(loaded.warning)
    library = Library(library_dir(loaded.settings.library_folder))
    index = LibraryIndex(library)
    if refresh:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if total >= _SAY_PROGRESS_FROM:
                print(f"chatdesk: indexing the library: {done:,} of {total:,} files…",
                      file=sys.stderr, flush=True)  # fmt: skip

        report = index.refresh(progress)
        for skipped in report.skipped:  # said once, by whichever of window or command sees it
            fail(f"note: {skipped.text()}")
        if report.rebuilt and report.read and time.monotonic() - started > 1:
            fail(f"the library's index was made anew from {len(report.read):,} files.")
    return library, index


def local_time(seconds: float) -> str:
    """Epoch seconds as the local date and time to the minute: 2026-11-30 14:05."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))
