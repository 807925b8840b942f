"""The first launch with a library: what earlier chatdesk versions left is offered for import.

Those versions kept conversations as files the user saved (the settings' recent files) and as
recovery copies of unsaved ones. `candidates` lists what is not in the library yet; `run`
copies the chosen ones in (`Library.import_file` / `Library.create`). Nothing is deleted or
moved: the files stay where they are, the recovery copies stay offered by crash recovery.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from chatdesk.core.library import Library
from chatdesk.core.recent_files import recent_files
from chatdesk.core.recovery import RecoveryEntry, RecoveryStore
from chatdesk.core.settings import Settings


class Candidates(msgspec.Struct, frozen=True):
    """What can be imported: existing recent files outside the library, recovery copies."""

    files: tuple[Path, ...]
    recovered: tuple[RecoveryEntry, ...]

    def __len__(self) -> int:
        return len(self.files) + len(self.recovered)


def candidates(settings: Settings, library: Library, store: RecoveryStore) -> Candidates:
    """What to offer, or nothing once `settings.library_migrated` is set. Never raises for a
    missing or unreadable file (it is simply not offered)."""
    if settings.library_migrated:
        return Candidates((), ())
    files = tuple(Path(p) for p in recent_files(settings, library) if os.path.isfile(p))
    recovered = tuple(e for e in store.entries() if e.path is None or not library.contains(e.path))
    return Candidates(files, recovered)


def run(found: Candidates, library: Library, store: RecoveryStore) -> tuple[list[str], list[str]]:
    """Copy every candidate into the library; (new ids, problems in words)."""
    from chatdesk.core.fileformat import ConversationFileError

    ids: list[str] = []
    problems: list[str] = []
    for path in found.files:
        try:
            ids.append(library.import_file(path))
        except (ConversationFileError, OSError) as exc:
            problems.append(str(exc))
    for entry in found.recovered:
        try:
            ids.append(library.create(store.load(entry)).id)
        except OSError as exc:
            problems.append(f"{entry.display_name}: {exc.strerror or exc}")
    return ids, problems
