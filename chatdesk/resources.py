"""Package data by name, through one helper that also works in a frozen build."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_KNOWN = {"icons/chatdesk.svg"}


def resource_path(name: str) -> Path:
    """A file shipped in `chatdesk/data`; unknown names are a programming error."""
    if name not in _KNOWN:
        raise KeyError(f"unknown resource {name!r}")
    return Path(str(resources.files("chatdesk") / "data" / name))
