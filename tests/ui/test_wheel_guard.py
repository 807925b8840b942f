"""The mouse wheel scrolls the Parameters panel and passes over the tool bar's boxes; a box
changes under the wheel only once clicked or tabbed into (ui/wheel_guard.py). Tester, session
13: five notches over the panel set Verbosity to "high" and Max response tokens from 2,000 to
1,997, saved and sent; one notch over the tool bar switched the deployment."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget


def notch(widget: QWidget, down: bool = True) -> None:
    """One wheel notch with the pointer over the middle of `widget`, as Qt delivers it."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120 if down else 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(widget, event)


def shown_panel(qtbot, window):
    window.resize(1000, 480)  # the panel is taller than the window: it scrolls
    window.side.setCurrentIndex(2)  # Parameters
    panel = window.params_panel
    qtbot.waitUntil(panel.isVisible, timeout=5_000)
    return panel


def test_the_wheel_over_the_panels_fields_scrolls_the_panel_and_changes_nothing(qtbot, window):
    conv = window.session.conversation
    conv.params.max_tokens = 2000
    panel = shown_panel(qtbot, window)
    bar = panel.findChild(QScrollArea).verticalScrollBar()
    assert bar.maximum() > 0
    before = (panel.verbosity.currentIndex(), panel.max_tokens.value(), panel.policy.currentIndex())
    for box in (panel.verbosity, panel.max_tokens, panel.max_tokens, panel.policy):
        at = bar.value()
        notch(box)
        assert bar.value() > at or bar.value() == bar.maximum()
    assert (panel.verbosity.currentIndex(), panel.max_tokens.value(),
            panel.policy.currentIndex()) == before  # fmt: skip
    assert bar.value() > 0
    assert conv.params.max_tokens == 2000
    assert conv.params.verbosity is None
    assert not window.session.modified


def test_a_box_clicked_into_takes_the_wheel(qtbot, window):
    panel = shown_panel(qtbot, window)
    panel.max_tokens.setFocus()
    qtbot.waitUntil(panel.max_tokens.hasFocus, timeout=5_000)
    start = panel.max_tokens.value()
    notch(panel.max_tokens, down=False)
    assert panel.max_tokens.value() != start
    assert panel.max_tokens.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel gives none
