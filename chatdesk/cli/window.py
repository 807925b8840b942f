"""`chatdesk [FILE ...]`: the window, opened with these conversations.

The window's start path is tuned for the first paint (see chatdesk/ui/qt): nothing is
imported here before `run` needs it.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

from chatdesk.cli.exit_status import EXIT_ERROR

# The Qt-free modules the first frame uses (settings, profiles, the service's types, what the
# transcript and the session state are made of); one missing here costs ~0.2 ms, nothing more.
QT_FREE_FIRST = (
    "chatdesk.ui.context",
    "chatdesk.core.cards",
    "chatdesk.core.session_state",
    "chatdesk.core.titles",
    "chatdesk.core.alternatives",
    "chatdesk.core.usage",
    "chatdesk.core.sending",
    "chatdesk.core.text_tally",
    "chatdesk.service.network",
)


def run(files: list[str]) -> int:
    """Open the window with `files`; returns the exit status when it closes."""
    if sys.platform.startswith("linux") and not _has_display():
        print(
            "chatdesk: no display found (DISPLAY / WAYLAND_DISPLAY are not set); the window "
            "needs a desktop session. The sub-commands work without one: chatdesk --help.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    # Start-up allocates objects that live as long as the window; collecting them while the
    # modules load only costs time (several ms). `app.run` turns the collector back on.
    gc.disable()
    # The window's Qt-free part first (see chatdesk/ui/qt): PySide6 reads the source of each
    # module an import statement names for the first time after PySide6 is loaded, so what
    # these import among themselves is never read.
    for name in QT_FREE_FIRST:
        importlib.import_module(name)
    from chatdesk.ui.app import run as run_app

    status: int = run_app(files)  # the window's modules are not type-checked (pyproject.toml)
    return status


def _has_display() -> bool:
    env = os.environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))
