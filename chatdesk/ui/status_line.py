"""A one-line label for the status bar: long text is cut with "…" (the whole of it in the
tooltip), so a message never makes the status bar taller and the window above it never moves."""

from __future__ import annotations

from chatdesk.ui.qt.core import QSize, Qt
from chatdesk.ui.qt.gui import QPainter, QPaintEvent
from chatdesk.ui.qt.widgets import QSizePolicy, QWidget


class StatusLine(QWidget):
    """Text on one line, elided to the width it is given; its height is one line always."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.setToolTip(text)
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._text), self._line())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._line())

    def _line(self) -> int:
        return self.fontMetrics().height() + 2

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        metrics = self.fontMetrics()
        shown = metrics.elidedText(
            " ".join(self._text.split()), Qt.TextElideMode.ElideRight, self.width()
        )
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            self.rect(), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown
        )
