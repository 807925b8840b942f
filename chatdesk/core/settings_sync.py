"""The settings file written by two processes: the window, and `chatdesk send` meanwhile.

The window keeps the settings in memory and saves them whole; `chatdesk send` reads the file
afresh and saves what a deployment taught it (`deployments`: a role, a parameter it refuses).
Without care the window's next save wrote its older copy over that note, and the adjustment was
learned again — with a refused request — every time. So before the window saves, the notes
on disk are compared with the notes it read (`base`): a note another process added, changed or
removed since then is taken in, unless the window changed that same note itself (its own answer
is the newer one for it). The other settings are the window's alone: `chatdesk send` writes
only the notes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatdesk.core.deployments import DeploymentNote, DeploymentNotes
from chatdesk.core.safe_read import read_regular
from chatdesk.core.settings import MAX_SETTINGS_BYTES
from chatdesk.core.text_policy import parse_json, utf8_text


def notes_on_disk(path: Path) -> dict[str, Any] | None:
    """The `deployments` notes in the settings file at `path` as JSON (entries that do not
    read are left out); None when there is no file or it cannot be read as settings."""
    try:
        doc = parse_json(utf8_text(read_regular(path, MAX_SETTINGS_BYTES).data))
    except (OSError, ValueError, RecursionError):  # JsonProblem, JSONDecodeError are ValueErrors
        return None
    notes = doc.get("deployments") if isinstance(doc, dict) else None
    if not isinstance(notes, dict):
        return None
    out: dict[str, Any] = {}
    for key, value in notes.items():
        try:
            out[str(key)] = DeploymentNote.from_json(value).to_json()
        except ValueError:
            continue
    return out


def merged_notes(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """Three-way: per deployment, `theirs` where only the other process changed it since
    `base`, else `mine` (JSON notes keyed by deployment; an absent key is no note)."""
    out: dict[str, Any] = {}
    for key in sorted(base.keys() | mine.keys() | theirs.keys()):
        was, ours, other = base.get(key), mine.get(key), theirs.get(key)
        note = other if ours == was and other != was else ours
        if note is not None:
            out[key] = note
    return out


def take_in_notes(notes: DeploymentNotes, base: dict[str, Any], path: Path) -> None:
    """Put into `notes` (in place: the chat service shares them) what another process wrote to
    the file at `path` since the window read `base` from it."""
    theirs = notes_on_disk(path)
    if theirs is None:
        return
    mine = notes.to_json()
    merged = merged_notes(base, mine, theirs)
    for key in mine.keys() | merged.keys():
        if key not in merged:
            notes.put(key, DeploymentNote())  # removed by the other process; empty drops it
        elif mine.get(key) != merged[key]:
            notes.put(key, DeploymentNote.from_json(merged[key]))
