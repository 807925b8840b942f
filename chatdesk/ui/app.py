"""Starting the window: the QApplication, the context, the files named on the command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from chatdesk import __version__
from chatdesk.ui.context import AppContext
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


def run(files: Sequence[str] = ()) -> int:
    app = make_app()
    context = AppContext.create()
    window = MainWindow(context)
    window.open_paths(list(files))
    window.show()
    for warning in context.warnings:
        window.show_message("Settings were reset", warning)
    window.offer_recovery()
    window.ensure_connection()
    return app.exec()
