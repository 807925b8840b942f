"""The mouse wheel changes a spin box's or a combo box's value only once the user has clicked
or tabbed into it; before that it scrolls what the box is in.

Qt's boxes take the wheel wherever the pointer rests, so scrolling the Parameters panel (taller
than the window: it scrolls) with the pointer over its fields changed them as they passed under
it, silently: five notches set Verbosity to "high" and Max response tokens from 2,000 to 1,997,
both saved and sent; one notch over the tool bar moved the conversation to another deployment
(tester, session 13). Browsers' and IDEs' settings pages behave this way for the same reason.
"""

from __future__ import annotations

from chatdesk.ui.qt.core import QCoreApplication, QEvent, QObject, Qt
from chatdesk.ui.qt.widgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QWidget


class WheelGuard(QObject):
    """Hands the wheel over a box that does not have the focus to the scroll area the box is
    in (none, in a tool bar: the notch does nothing)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        if watched.hasFocus():
            return False  # clicked or tabbed into: the box's own wheelEvent
        # Explicitly, not by ignoring it: Qt offers only a wheel event from the window system
        # to the parents, and the box's own would run first.
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:
            QCoreApplication.sendEvent(area.verticalScrollBar(), event)
        return True


def guard_wheel(*roots: QWidget) -> None:
    """Guard every spin box and combo box among `roots` and their children. The boxes no
    longer take the focus from the wheel either (Qt.StrongFocus: a click or Tab)."""
    for root in roots:
        guard = WheelGuard(root)
        boxes = [*root.findChildren(QAbstractSpinBox), *root.findChildren(QComboBox)]
        if isinstance(root, (QAbstractSpinBox, QComboBox)):
            boxes.append(root)
        for box in boxes:
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            box.installEventFilter(guard)
