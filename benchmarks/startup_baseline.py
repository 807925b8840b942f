"""The startup baseline: a minimal PySide6 program showing an empty QMainWindow.

It reports its first paint exactly as chatdesk's CHATDESK_EXIT_AFTER_FIRST_PAINT hook does (an
event filter on the window that, at its first paint event, posts a zero timer printing
"chatdesk-first-paint <time.monotonic()>" once the paint pass is over), then quits.
"""

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, report_and_quit)  # once the paint pass is over
        return False


def report_and_quit() -> None:
    print(f"chatdesk-first-paint {time.monotonic():.6f}", flush=True)
    QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.installEventFilter(FirstPaint(window))
    window.resize(1180, 780)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
