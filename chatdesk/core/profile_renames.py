"""Renamed connection profiles, remembered: a conversation file names its profile, and renaming
a profile in Connections must not cut off the files that name it by its old name.

Rewriting every file on a rename would touch the library and the user's own files (some on
other disks, some open in other programs) for a change of label; instead the settings keep
`renamed_profiles` (old name → new name) and one rule, `follow_rename`, reads a name the way
the window and `chatdesk send` both use it: a profile that exists under that name wins (one
created again with the old name is that profile), else the rename is followed to the profile
it became. A file is brought up to date when it is next saved.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping


def follow_rename(
    name: str | None, names: Collection[str], renames: Mapping[str, str]
) -> str | None:
    """The profile `name` means now: itself when a profile has that name, else the profile
    it was renamed to (through later renames too), else None (removed, or never here)."""
    seen: set[str] = set()
    while name is not None and name not in names:
        if name in seen:
            return None
        seen.add(name)
        name = renames.get(name)
    return name


def remember_renames(
    renames: Mapping[str, str], moved: Iterable[tuple[str, str]], names: Collection[str]
) -> dict[str, str]:
    """`renames` with the renames `moved` (old, new) added, for the profiles now named
    `names`. Older renames pointing at a renamed profile point at its new name; a rename is
    forgotten once a profile has its old name again or its target no longer exists (removed:
    such a file says its profile is gone, as any removed profile's does)."""
    moved = list(moved)
    out = dict(renames)
    for old, new in moved:
        out = {k: (new if v == old else v) for k, v in out.items()}
    for old, new in moved:
        out[old] = new
    resolved = {k: follow_rename(v, names, out) for k, v in out.items()}
    return {k: v for k, v in resolved.items() if v is not None and k not in names and k != v}
