"""File ▸ Open recent holds the user's own conversation files: the ones opened, or saved with
Save / Save as, outside the library.

A library conversation is not one of them: the library lists every one (the sidebar, `chatdesk
list`) by its title, where Open recent would show an id-named path. So a library conversation
is never added, and one an earlier version added (every conversation opened from the sidebar
was) is not offered; such entries stay in the settings file until the next file is added,
which drops them so that they never push one of the user's files out of the ten kept. "In the
library" is the library folder or its trash, whatever the file's name (a file put there by hand
becomes a library conversation at the next look at the folder), judged when the list is read:
a library moved elsewhere gives its old folder's files back to Open recent.
"""

from __future__ import annotations

import os
from pathlib import Path

from chatdesk.core.library import Library
from chatdesk.core.settings import Settings


def recent_files(settings: Settings, library: Library) -> list[str]:
    """The recent files to offer, most recent first: `settings.recent_files` without the
    library's. Touches no file but to resolve the folders' links."""
    return [p for p in settings.recent_files if not in_library(library, p)]


def add_recent(settings: Settings, library: Library, path: str | os.PathLike[str]) -> bool:
    """Put `path` first among the recent files, unless it is in the library (then nothing
    changes); True when the settings changed (they are the caller's to save)."""
    if in_library(library, path):
        return False
    settings.recent_files = recent_files(settings, library)
    settings.add_recent(path)
    return True


def in_library(library: Library, path: str | os.PathLike[str]) -> bool:
    """Whether `path` is in the library folder or its trash (through links too)."""
    return library.is_folder(Path(path).parent)
