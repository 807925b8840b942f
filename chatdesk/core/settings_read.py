"""Reading the settings document one setting at a time, so that one bad value costs only itself.

A hand-edited settings file with `"zoom": 110.5`, `"font_size": true` or one broken profile
keeps every other setting and profile: the bad value falls back to that setting's default (a
bad entry of a list — a profile, a preset, a recent file, a window entry, a deployment's
note — is left out) and `Resets` says which, with the value and what is used instead, once.
Saving checks the document it is about to write with the same readers, strictly: there any
bad value raises `SettingsError` (`Resets(strict=True)`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chatdesk.core.deployments import (
    REQUEST_DEADLINE,
    DeploymentNote,
    DeploymentNotes,
    valid_seconds,
)
from chatdesk.core.preferences import (
    NewConversationDefaults,
    Theme,
    check_font_size,
    check_theme,
    check_zoom,
    new_conversation_from_json,
)
from chatdesk.core.presets import SystemPreset
from chatdesk.core.profiles import ConnectionProfile, json_kind

SHOWN_CHARS = 20  # a longer string is described, not quoted: it may be a pasted key


class SettingsError(ValueError):
    """A settings document that does not match the schema; the text names the field."""


class Resets:
    """What could not be read and what is used instead; `strict` raises on the first."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.notes: list[str] = []

    def fallback(self, label: str, problem: str, instead: str) -> None:
        if self.strict:
            where = "" if problem.startswith("settings") else f"{label}: "
            raise SettingsError(f"{where}{problem}")
        self.notes.append(f"{label}: {problem.rstrip('.')}; {instead}.")


def shown(value: Any) -> str:
    """`value` as the reset message quotes it: short scalars verbatim, the rest by kind."""
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, str) and len(value) <= SHOWN_CHARS:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    return json_kind(value)


def _setting(
    doc: dict[str, Any],
    key: str,
    default: Any,
    check: Callable[[Any], Any],
    resets: Resets,
    instead: str | None = None,
) -> Any:
    """`check(doc[key])`, or `default` (said in `resets`) when it raises ValueError."""
    if key not in doc:
        return default
    value = doc[key]
    try:
        return check(value)
    except ValueError as exc:
        used = instead if instead is not None else shown(default)
        resets.fallback(f"{key} = {shown(value)}", str(exc), f"{used} is used instead")
        return default


def _kind(kind: type, name: str, key: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise SettingsError(f"settings.{key} must be {name}, not {json_kind(value)}")
        return value

    return check


def _entries(
    doc: dict[str, Any], key: str, resets: Resets, kind: type = list
) -> list[tuple[Any, Any]]:
    """The (index or key, value) entries of the list (or object) `doc[key]`; [] when absent or
    not a list (said in `resets`)."""
    empty = "[]" if kind is list else "{}"
    name = "a list" if kind is list else "an object"
    container = _setting(doc, key, kind(), _kind(kind, name, key), resets, f"{empty} (none)")
    return list(enumerate(container)) if kind is list else list(container.items())


def _profiles(doc: dict[str, Any], resets: Resets) -> list[ConnectionProfile]:
    profiles: list[ConnectionProfile] = []
    for i, item in _entries(doc, "profiles", resets):
        name = item.get("name") if isinstance(item, dict) else None
        label = f"profiles[{i}]" + (f" ({shown(name)})" if isinstance(name, str) else "")
        try:
            profile = ConnectionProfile.from_json(item)
            if not profile.name.strip():
                raise SettingsError("it has an empty name")
            if any(p.name == profile.name for p in profiles):
                raise SettingsError(f"the name '{profile.name}' is used twice")
        except ValueError as exc:
            resets.fallback(label, str(exc), "this profile is left out, the others are kept")
            continue
        profiles.append(profile)
    return profiles


def _list_of(
    doc: dict[str, Any], key: str, resets: Resets, read: Callable[[Any], Any]
) -> list[Any]:
    out = []
    for i, item in _entries(doc, key, resets):
        try:
            out.append(read(item))
        except ValueError as exc:
            resets.fallback(f"{key}[{i}]", str(exc), "it is left out")
    return out


def _string(where: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise SettingsError(f"{where} must be a string, not {json_kind(value)}")
        return value

    return read


def _deadline(value: Any) -> float:
    if not valid_seconds(value):
        raise SettingsError("settings.request_deadline must be a number of seconds (1 to 86400)")
    return float(value)


def read_fields(doc: dict[str, Any], resets: Resets) -> dict[str, Any]:
    """The current-version document as `Settings` keyword arguments, each bad value replaced
    by its default and said in `resets` (or raised, when strict). `recent_files` comes as
    written: `Settings.add_recent` deduplicates and caps it."""
    top = "settings"
    profiles = _profiles(doc, resets)

    def active(value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"settings.active_profile must be a string, not {json_kind(value)}")
        # A profile removed by hand: not worth a word.
        return value if any(p.name == value for p in profiles) else None

    window: dict[str, str] = {}
    for key, value in _entries(doc, "window", resets, dict):
        where = f"{top}.window[{key!r}]"
        try:
            window[key] = _string(where)(value)
        except ValueError as exc:
            resets.fallback(f"window[{key!r}] = {shown(value)}", str(exc), "it is left out")
    notes: dict[str, DeploymentNote] = {}
    for key, value in _entries(doc, "deployments", resets, dict):
        try:
            notes[str(key)] = DeploymentNote.from_json(value)
        except ValueError as exc:
            resets.fallback(f"{top}.deployments[{key!r}]", str(exc), "it is learned again")
    presets = _list_of(doc, "user_presets", resets, SystemPreset.from_json)
    recent = _list_of(doc, "recent_files", resets, _string("the entry"))
    # A hint for files naming an old profile name (core/profile_renames.py), not worth a word:
    # what is not old name -> new name is dropped.
    renamed = doc.get("renamed_profiles", {})
    renames = {str(k): v for k, v in renamed.items() if isinstance(v, str)} if isinstance(
        renamed, dict) else {}  # fmt: skip
    return {
        "profiles": profiles,
        "active_profile": _setting(doc, "active_profile", None, active, resets),
        "enter_sends": _setting(
            doc, "enter_sends", True, _kind(bool, "true or false", "enter_sends"), resets
        ),
        "user_presets": presets,
        "proxy": _setting(doc, "proxy", "", _kind(str, "a string", "proxy"), resets),
        "library_folder": _setting(
            doc, "library_folder", "", _kind(str, "a string", "library_folder"), resets,
            '"" (the data folder)',
        ),
        "library_migrated": _setting(
            doc, "library_migrated", False, _kind(bool, "true or false", "library_migrated"),
            resets,
        ),
        "last_folder": _setting(
            doc, "last_folder", "", _kind(str, "a string", "last_folder"), resets,
            '"" (the newest recent file\'s folder)',
        ),
        "theme": _setting(doc, "theme", Theme.SYSTEM, _theme, resets, '"system"'),
        "font_size": _setting(doc, "font_size", 0, check_font_size, resets, "0 (the system's)"),
        "zoom": _setting(doc, "zoom", 100, check_zoom, resets),
        "new_conversation": _setting(
            doc, "new_conversation", NewConversationDefaults(), new_conversation_from_json,
            resets, "the default new conversation",
        ),
        "window": window,
        "request_deadline": _setting(doc, "request_deadline", REQUEST_DEADLINE, _deadline, resets),
        "deployments": DeploymentNotes(notes),
        "renamed_profiles": renames,
        "recent_files": recent,
    }  # fmt: skip


def _theme(value: Any) -> Theme:
    return check_theme(_kind(str, "a string", "theme")(value))
