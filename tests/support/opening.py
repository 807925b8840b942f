"""Opening files in the window, which reads them off the GUI thread (ui/session_loader.py)."""

from __future__ import annotations

from typing import Any


def wait_loaded(qtbot: Any, window: Any, timeout: int = 10_000) -> None:
    """Wait until no conversation of `window` is still being read."""
    qtbot.waitUntil(lambda: not any(s.loading for s in window.sessions), timeout=timeout)


def open_and_wait(qtbot: Any, window: Any, paths: list[str], timeout: int = 10_000) -> None:
    """`window.open_paths(paths)`, then wait until every file is read (or refused)."""
    window.open_paths(paths)
    wait_loaded(qtbot, window, timeout)
