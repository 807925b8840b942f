"""The rules behind the Preferences dialog (Ctrl+,): themes, font size and zoom steps, and
what a new conversation starts with. The values live in the settings file (core/settings.py):

    {"enter_sends": true, "theme": "system", "font_size": 0, "zoom": 100,
     "new_conversation": {"copy_current": false, "system_prompt": "You are a helpful assistant.",
                          "params": {"temperature": 0.7, "max_tokens": 800},
                          "profile": null}}

Reading is strict: a wrong type or value raises `PreferencesError` naming the field (the
settings loader then uses that setting's default and says so: core/settings_read.py). Whole
numbers written as 110.0 are taken for the integer settings.
"""

from __future__ import annotations

from typing import Any

import msgspec
import msgspec.structs

from chatdesk.core.choices import Theme as Theme
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.params_check import RANGES, ParamError, check_value

THEMES = Theme.values()
DEFAULT_PROMPT = "You are a helpful assistant."
ZOOM_STEPS = (50, 67, 75, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300)  # percent, as browsers
FONT_SIZES = range(6, 49)  # points; 0 is "the system's"


class PreferencesError(ValueError):
    """A preferences value that does not fit; the text names the field."""


class NewConversationDefaults(msgspec.Struct):
    """What New (Ctrl+N) starts with. `copy_current`: the current conversation's prompt,
    examples and parameters instead of these. `profile` None: the default profile (the one
    Connections marks "(default)")."""

    copy_current: bool = False
    system_prompt: str = DEFAULT_PROMPT
    params: dict[str, float | int] = msgspec.field(default_factory=dict)  # RANGES' fields only
    profile: str | None = None

    def generation_params(self) -> GenerationParams:
        return GenerationParams(**self.params)  # type: ignore[arg-type]

    def conversation(self, current: Conversation | None) -> Conversation:
        """A new conversation: a copy of `current`'s prompt, examples and parameters when
        `copy_current` (and there is one), else these defaults. The history is never copied."""
        if self.copy_current and current is not None:
            return Conversation(
                system_prompt=current.system_prompt,
                examples=[m.copy() for m in current.examples],
                params=msgspec.structs.replace(current.params, stop=list(current.params.stop)),
                trimming=msgspec.structs.replace(current.trimming),
                profile=current.profile,
            )
        return Conversation(
            system_prompt=self.system_prompt,
            params=self.generation_params(),
            profile=self.profile,
        )


def zoomed(zoom: int, step: int) -> int:
    """The zoom one step in (`step` > 0) or out (< 0) from `zoom` (percent)."""
    if step > 0:
        return next((z for z in ZOOM_STEPS if z > zoom), ZOOM_STEPS[-1])
    return next((z for z in reversed(ZOOM_STEPS) if z < zoom), ZOOM_STEPS[0])


def point_size(font_size: int, zoom: int, system_size: float) -> float:
    """The messages' font size in points: `font_size` (0: `system_size`) times the zoom."""
    return (font_size or system_size) * zoom / 100


def check_theme(value: Any, where: str = "settings") -> Theme:
    if value not in THEMES:
        raise PreferencesError(f"{where}.theme must be one of {', '.join(THEMES)}")
    return Theme(value)


def check_font_size(value: Any, where: str = "settings") -> int:
    size = _whole(value)
    if size is None or (size and size not in FONT_SIZES):
        raise PreferencesError(
            f"{where}.font_size must be a whole number: 0 (the system's) or "
            f"{FONT_SIZES.start} to {FONT_SIZES.stop - 1} points"
        )
    return size


def check_zoom(value: Any, where: str = "settings") -> int:
    zoom = _whole(value)
    if zoom is None or not (ZOOM_STEPS[0] <= zoom <= ZOOM_STEPS[-1]):
        raise PreferencesError(
            f"{where}.zoom must be a whole number from {ZOOM_STEPS[0]} to {ZOOM_STEPS[-1]} "
            "(percent)"
        )
    return zoom


def _whole(value: Any) -> int | None:
    """`value` as an int when it is a whole number (110 or 110.0, as some editors and tools
    write numbers); None for anything else (110.5, true, "110")."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return value


def new_conversation_to_json(new: NewConversationDefaults) -> dict[str, Any]:
    return {
        "copy_current": new.copy_current,
        "system_prompt": new.system_prompt,
        "params": dict(new.params),
        "profile": new.profile,
    }


def new_conversation_from_json(data: Any, where: str = "settings") -> NewConversationDefaults:
    """Read the new-conversation defaults; PreferencesError names the bad field."""
    where = f"{where}.new_conversation"
    obj = _object(data, where)
    prompt = obj.get("system_prompt", DEFAULT_PROMPT)
    if not isinstance(prompt, str):
        raise PreferencesError(f"{where}.system_prompt must be a string")
    profile = obj.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise PreferencesError(f"{where}.profile must be a profile name or null")
    params = _object(obj.get("params", {}), f"{where}.params")
    checked: dict[str, float | int] = {}
    for key, value in params.items():
        if key not in RANGES:
            raise PreferencesError(
                f"{where}.params.{key} is not a default chatdesk keeps ({', '.join(RANGES)})"
            )
        try:
            if value is not None:
                checked[key] = check_value(key, value, f"{where}.params")
        except ParamError as exc:
            raise PreferencesError(str(exc).rstrip(".")) from None
    return NewConversationDefaults(
        copy_current=_bool(obj, "copy_current", where, False),
        system_prompt=prompt,
        params=checked,
        profile=profile,
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PreferencesError(f"{where} must be an object")
    return value


def _bool(obj: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise PreferencesError(f"{where}.{key} must be true or false")
    return value
