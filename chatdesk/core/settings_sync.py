"""The settings file written by two processes: two windows, or the window and `chatdesk send`.

Each window keeps the settings in memory and saves them whole; `chatdesk send` reads the file
afresh and saves what a deployment taught it. Saved without care, a window wrote its older copy
over what another process saved since: a profile added in a second window (`chatdesk FILE`
from a terminal starts one) was gone when the first window next saved, its size on quitting
say, and a deployment's note was learned again — with a refused request — every time.

So before a window saves, the file is read again and compared, setting by setting, with what
the window read or last wrote (`base`): a setting only the other process changed since is
taken in, into memory too; one the window changed is the window's (its own answer is the newer
one for it). Profiles and presets are compared one by one by name, the deployments' notes,
the window's state and the new-conversation defaults key by key, so two processes changing
different profiles both keep their change. The recent files changed in both keep both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatdesk.core.deployments import DeploymentNote, DeploymentNotes
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import (
    MAX_RECENT,
    Settings,
    SettingsError,
    settings_from_json,
    settings_now,
    settings_to_json,
)

# Lists of named entries, merged entry by entry; objects, merged key by key.
_BY_NAME = ("profiles", "user_presets")
_BY_KEY = ("window", "deployments", "renamed_profiles", "new_conversation")


_ABSENT = object()  # a key one side does not have (None is a value: "profile": null)


def _pick(was: Any, ours: Any, other: Any) -> Any:
    """Three-way: `other` where only the other process changed it since `was`, else `ours`."""
    return other if ours == was and other != was else ours


def merged_notes(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """Three-way: per key, `theirs` where only the other process changed it since `base`, else
    `mine` (JSON objects, e.g. the deployments' notes by deployment; a key may be absent), in
    `mine`'s key order."""
    out: dict[str, Any] = {}
    for key in dict.fromkeys([*mine, *theirs, *base]):
        entry = _pick(base.get(key, _ABSENT), mine.get(key, _ABSENT), theirs.get(key, _ABSENT))
        if entry is not _ABSENT:
            out[key] = entry
    return out


def _merged_named(base: list[Any], mine: list[Any], theirs: list[Any]) -> list[Any]:
    """Entries with a "name", merged one by one; the window's order, then the other's new ones."""
    b, m, t = ({e.get("name"): e for e in entries} for entries in (base, mine, theirs))
    names = [*m, *(name for name in t if name not in m)]
    picked = (_pick(b.get(name), m.get(name), t.get(name)) for name in names)
    return [entry for entry in picked if entry is not None]


def _merged_recent(base: list[str], mine: list[str], theirs: list[str]) -> list[str]:
    if mine == base or theirs == base:
        return list(_pick(base, mine, theirs))
    # Both opened files: the window's first, then what the other one opened meanwhile.
    added = [path for path in theirs if path not in base and path not in mine]
    return [*mine, *added][:MAX_RECENT]


def merged_settings(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """Three-way merge of saved settings documents (`settings_to_json`'s shape), setting by
    setting (see the module's docstring); the result is in `mine`'s key order."""
    out: dict[str, Any] = {}
    for key in [*mine, *(k for k in theirs if k not in mine)]:
        was, ours, other = base.get(key), mine.get(key), theirs.get(key)
        if key in _BY_NAME:
            out[key] = _merged_named(was or [], ours or [], other or [])
        elif key in _BY_KEY:
            out[key] = merged_notes(was or {}, ours or {}, other or {})
        elif key == "recent_files":
            out[key] = _merged_recent(was or [], ours or [], other or [])
        else:
            out[key] = _pick(was, ours, other)
    names = {profile.get("name") for profile in out.get("profiles", [])}
    if out.get("active_profile") not in names:  # the active one was removed by either
        out["active_profile"] = next(iter(p["name"] for p in out.get("profiles", [])), None)
    return out


def take_in(settings: Settings, base: dict[str, Any], path: Path) -> set[str]:
    """Put into `settings` (in place: the window, its connections and the chat service hold
    it, its profiles and its notes) what another process saved to the file at `path` since
    `base` (`settings_to_json` of what was read or last written). Returns the names of the
    settings that changed; none when the file is gone or cannot be used."""
    disk = settings_now(path)
    if disk is None:
        return set()
    mine = settings_to_json(settings)
    merged = merged_settings(base, mine, settings_to_json(disk))
    changed = {key for key in merged if merged[key] != mine.get(key)}
    if not changed:
        return changed
    try:
        new = settings_from_json(merged)
    except (SettingsError, ValueError):  # not expected: each side reads; the window's stands
        return set()
    for key in changed:
        if key == "profiles":
            _take_profiles(settings, mine["profiles"], merged["profiles"], new.profiles)
        elif key == "deployments":
            _take_notes(settings.deployments, new.deployments)
        else:
            setattr(settings, key, getattr(new, key))
    return changed


def _take_profiles(
    settings: Settings, mine: list[Any], merged: list[Any], new: list[ConnectionProfile]
) -> None:
    """The merged profiles, keeping the window's own objects for those that did not change."""
    own = {
        entry["name"]: (entry, profile)
        for entry, profile in zip(mine, settings.profiles, strict=True)
    }
    kept = []
    for entry, profile in zip(merged, new, strict=True):
        same = own.get(entry["name"])
        kept.append(same[1] if same is not None and same[0] == entry else profile)
    settings.profiles[:] = kept


def _take_notes(notes: DeploymentNotes, new: DeploymentNotes) -> None:
    mine, merged = notes.to_json(), new.to_json()
    for key in mine.keys() | merged.keys():
        if key not in merged:
            notes.put(key, DeploymentNote())  # removed by the other process; empty drops it
        elif mine.get(key) != merged[key]:
            notes.put(key, DeploymentNote.from_json(merged[key]))
