"""The message box (ui/composer.py) as a real widget offscreen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont, QRegion

from chatdesk.ui.composer import Composer


class _Paints(QObject):
    def __init__(self, watched: QObject) -> None:
        super().__init__(watched)
        self.regions: list[QRegion] = []
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.regions.append(QRegion(event.region()))
        return False

    def union(self) -> QRegion:
        whole = QRegion()
        for region in self.regions:
            whole = whole.united(region)
        return whole


def test_the_placeholder_is_repainted_whole_when_a_file_has_been_read(qtbot):
    # Reported at 14 pt after a relaunch: "Message — Shift+Enter to send, Enter for a" and
    # then only the tops of the second line. While a file is read the placeholder is
    # "Opening the conversation…" (one line); Qt by itself repaints only the cursor's line
    # when the placeholder changes, so the longer one stayed cut to that line.
    composer = Composer()
    qtbot.addWidget(composer)
    composer.resize(430, 160)
    font = QFont(composer.input.font())
    font.setPointSize(14)
    composer.input.setFont(font)
    composer.set_enter_sends(False)
    composer.show()
    qtbot.waitExposed(composer)
    composer.input.setFocus()
    viewport = composer.input.viewport()
    paints = _Paints(viewport)
    composer.set_loading(True)
    qtbot.waitUntil(lambda: bool(paints.regions), timeout=2000)
    qtbot.wait(50)
    paints.regions.clear()
    composer.set_loading(False)
    qtbot.waitUntil(lambda: bool(paints.regions), timeout=2000)
    qtbot.wait(50)
    assert composer.input.placeholderText() == "Message — Shift+Enter to send, Enter for a new line"
    assert QRegion(viewport.rect()).subtracted(paints.union()).isEmpty()  # all of it
