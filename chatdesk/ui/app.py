"""Starting the window: the QApplication, the context, the files named on the command line.

Start-up is measured to the main window's first paint (benchmarks/README.md). Whatever the
first frame does not need waits until it has been painted: the Qt namespace's enums, the
window icon (an SVG render), the settings warnings, the recovery offer, the first-launch
connection dialog, and the cyclic garbage collector, which `cli` turns off while the
window's modules load.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Sequence

from chatdesk import __version__
from chatdesk.ui.context import AppContext, DeferredService
from chatdesk.ui.main_window import MainWindow
from chatdesk.ui.qt import real
from chatdesk.ui.qt.core import QEvent, QMargins, QObject, QRect, Qt, QTimer
from chatdesk.ui.qt.gui import QIcon
from chatdesk.ui.qt.widgets import QApplication, QWidget


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("chatdesk")
    app.setApplicationDisplayName("chatdesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("chatdesk")
    return app


def set_app_icon(app: QApplication) -> None:
    app.setWindowIcon(QIcon(AppContext.icon_path()))


# For the startup benchmark: print "chatdesk-first-paint <time.monotonic()>" once the main
# window's first frame is drawn, then quit. Unset, nothing is installed.
EXIT_AFTER_FIRST_PAINT = "CHATDESK_EXIT_AFTER_FIRST_PAINT"
FIRST_PAINT_MARK = "chatdesk-first-paint"
WARM_UP_MS = 500


class _ExitAfterFirstPaint(QObject):
    """Reports the end of the first paint of the widget it filters, then quits the application.

    The window's own paint event opens the paint pass; its children paint after it in the same
    pass (the first text drawn loads the font engine: ~15 ms of chatdesk's first frame), and
    the frame reaches the screen at its end. A zero timer fires once that pass is over.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, _report_and_exit)
        return False


def _report_and_exit() -> None:
    print(f"{FIRST_PAINT_MARK} {time.monotonic():.6f}", flush=True)
    QApplication.exit(0)


def exit_after_first_paint(window: QWidget) -> bool:
    """Install the first-paint hook on `window` when the environment asks for it."""
    if os.environ.get(EXIT_AFTER_FIRST_PAINT) != "1":
        return False
    window.installEventFilter(_ExitAfterFirstPaint(window))
    return True


def _after_first_paint(app: QApplication, window: MainWindow, context: AppContext) -> None:
    """What start-up left for after the first frame, in the order it used to run."""
    # The first frame did without the Qt namespace (chatdesk/ui/qt): build it now, while nothing
    # waits, rather than on the first keystroke.
    real(Qt)
    gc.enable()
    gc.freeze()  # start-up's objects live as long as the app: later collections skip them
    set_app_icon(app)
    for warning in context.warnings:
        window.show_message("Settings were reset", warning)
    window.offer_recovery()
    window.ensure_connection()
    QTimer.singleShot(WARM_UP_MS, lambda: _warm_up_rendering(window))
    if isinstance(context.service, DeferredService):
        # The openai SDK imports in the background, not in the window's way.
        QTimer.singleShot(WARM_UP_MS, context.service.warm_up)


def _warm_up_rendering(window: MainWindow) -> None:
    """Markdown's and Pygments' imports off the GUI thread, not in the first reply's way."""
    from chatdesk.ui import markdown
    from chatdesk.ui.worker import FunctionWorker

    FunctionWorker(markdown.warm_up, window).start()


def fit_to_screen(window: QWidget, available: QRect) -> None:
    """Shrink `window` to fit `available` (the screen's desktop, in pixels) when it does not,
    and centre it there. The first launch's 1180×780 is taller than a 1366×768 laptop's
    desktop: the message box was below the screen's bottom edge."""
    room = available.size()  # less what the window manager adds: its title bar, borders
    size = window.size().boundedTo(
        room.shrunkBy(QMargins(0, 0, room.width() // 20, room.height() // 20))
    )
    if size != window.size():
        window.resize(size)
    frame = window.frameGeometry()
    frame.moveCenter(available.center())
    window.move(frame.topLeft())


def run(files: Sequence[str] = ()) -> int:
    app = make_app()
    context = AppContext.create()
    window = MainWindow(context)
    if "geometry" not in context.settings.window:  # a first launch: no size remembered
        fit_to_screen(window, window.screen().availableGeometry())
    measuring = exit_after_first_paint(window)
    window.firstPainted.connect(lambda: _after_first_paint(app, window, context))
    window.show()  # first, so that opening defers the tokenizer until the window has painted
    window.restore_session()  # the conversations open last time, then the files named now
    window.open_paths(list(files))
    code = app.exec()
    gc.enable()  # in case the event loop ended before the first paint
    # A tokenizer load or count may still be running: give it a moment, never hang on it.
    from chatdesk.ui.worker import wait_for_jobs

    wait_for_jobs(86400 if measuring else 2.0)
    return code
