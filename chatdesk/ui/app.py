"""Starting the window: the QApplication, the context, the files named on the command line."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from chatdesk import __version__
from chatdesk.ui.context import AppContext, DeferredService
from chatdesk.ui.main_window import MainWindow


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("chatdesk")
    app.setApplicationDisplayName("chatdesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("chatdesk")
    app.setWindowIcon(QIcon(AppContext.icon_path()))
    return app


# For the startup benchmark: print "chatdesk-first-paint <time.monotonic()>" on the main
# window's first paint event, then quit. Unset, nothing is installed.
EXIT_AFTER_FIRST_PAINT = "CHATDESK_EXIT_AFTER_FIRST_PAINT"
FIRST_PAINT_MARK = "chatdesk-first-paint"
WARM_UP_MS = 500


class _ExitAfterFirstPaint(QObject):
    """Reports the first paint of the widget it filters, then quits the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"{FIRST_PAINT_MARK} {time.monotonic():.6f}", flush=True)
            QTimer.singleShot(0, lambda: QApplication.exit(0))
        return False


def exit_after_first_paint(window: QWidget) -> bool:
    """Install the first-paint hook on `window` when the environment asks for it."""
    if os.environ.get(EXIT_AFTER_FIRST_PAINT) != "1":
        return False
    window.installEventFilter(_ExitAfterFirstPaint(window))
    return True


def run(files: Sequence[str] = ()) -> int:
    app = make_app()
    context = AppContext.create()
    window = MainWindow(context)
    measuring = exit_after_first_paint(window)
    window.open_paths(list(files))
    window.show()
    for warning in context.warnings:
        window.show_message("Settings were reset", warning)
    window.offer_recovery()
    window.ensure_connection()
    if isinstance(context.service, DeferredService):
        # After the window is up: the openai SDK imports in the background, not in its way.
        QTimer.singleShot(WARM_UP_MS, context.service.warm_up)
    code = app.exec()
    # A tokenizer load or count may still be running: give it a moment, never hang on it.
    QThreadPool.globalInstance().waitForDone(-1 if measuring else 2000)
    return code
