"""Start-up helpers: what the window's first frame does not show is built or run after it.

`LazyPage` is a tab page whose content is built the first time it is shown, or asked for. Until
then it reports the size hints its content had in the last run (kept with the window's
geometry), so the splitter and the window's minimum size are what they would be with the content
built: opening the tab later moves nothing.

`AfterFirstPaint` runs a callback once the widget it watches has painted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from chatdesk.ui.qt.core import QEvent, QObject, QSize, QTimer
from chatdesk.ui.qt.gui import QShowEvent
from chatdesk.ui.qt.widgets import QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


def _parse(text: str) -> tuple[QSize, QSize] | None:
    """ "363x292 363x658" (minimum, hint) from `LazyPage.remembered()`; None if malformed."""
    try:
        sizes = [QSize(*(int(n) for n in part.split("x"))) for part in text.split()]
    except (TypeError, ValueError):
        return None
    return (sizes[0], sizes[1]) if len(sizes) == 2 else None


class LazyPage(QWidget, Generic[W]):
    def __init__(self, make: Callable[[QWidget], W], remembered: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._make = make
        self._content: W | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        self._sizes = _parse(remembered)
        if self._sizes is None:  # nothing to reserve the right space with: build it now
            self.content()

    @property
    def built(self) -> bool:
        return self._content is not None

    def content(self) -> W:
        if self._content is None:
            self._content = self._make(self)
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._content)
            if self.isVisible():
                self._content.show()
            self._sizes = None
            self.updateGeometry()
        return self._content

    def remembered(self) -> str:
        """The content's size hints, for the next run's `remembered`."""
        minimum, hint = self.minimumSizeHint(), self.sizeHint()
        return f"{minimum.width()}x{minimum.height()} {hint.width()}x{hint.height()}"

    # -- QWidget -----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self.content()
        super().showEvent(event)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._sizes[0]) if self._sizes else super().minimumSizeHint()

    def sizeHint(self) -> QSize:
        return QSize(self._sizes[1]) if self._sizes else super().sizeHint()


class AfterFirstPaint(QObject):
    """Calls `done` once, from the event loop, after the first paint of the widget it filters,
    or `LATEST_MS` after it is shown if no paint comes (a window started minimised)."""

    LATEST_MS = 1000

    def __init__(self, done: Callable[[], object], parent: QObject) -> None:
        super().__init__(parent)
        self._done: Callable[[], object] | None = done

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show:
            QTimer.singleShot(self.LATEST_MS, self, self._fire)
        elif kind == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._fire)  # not inside the paint; never after `self`
        return False

    def _fire(self) -> None:
        done, self._done = self._done, None
        if done is not None:
            done()
