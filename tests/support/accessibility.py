"""A check shared by the widget tests: every control a keyboard can reach has a name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def assert_accessible(widget: QWidget) -> None:
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in widget.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]
    assert not unnamed
    assert widget.accessibleName()
