"""`chatdesk [FILE ...]`: the window, opened with these conversations.

The window's start path is tuned for the first paint (see chatdesk/ui/qt): nothing is
imported here before `run` needs it.
"""

from __future__ import annotations

import gc
import os
import sys

from chatdesk.cli.command import EXIT_ERROR


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
    # The window's Qt-free part first: what it imports then loads before PySide6, which reads
    # the source of modules imported after it (see chatdesk/ui/qt).
    import chatdesk.ui.context  # noqa: F401
    from chatdesk.ui.app import run as run_app

    return run_app(files)


def _has_display() -> bool:
    env = os.environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))
