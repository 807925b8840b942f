"""The button row of a read-only dialog: Close (Esc) and one action."""

from __future__ import annotations

from collections.abc import Callable

from chatdesk.ui.qt.core import QTimer
from chatdesk.ui.qt.widgets import QDialog, QDialogButtonBox, QPushButton

COPIED_MS = 1500  # how long a copy button says "Copied"


def close_and_action(
    dialog: QDialog, text: str, tooltip: str, slot: Callable[[], object]
) -> tuple[QDialogButtonBox, QPushButton]:
    """A Close button that rejects `dialog`, and an action button `text` that calls `slot`."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    close = buttons.button(QDialogButtonBox.StandardButton.Close)
    close.setAccessibleName("Close")
    close.setToolTip("Close (Esc)")
    action = QPushButton(text, dialog)
    action.setAccessibleName(text)
    action.setToolTip(tooltip)
    buttons.addButton(action, QDialogButtonBox.ButtonRole.ActionRole)
    buttons.rejected.connect(dialog.reject)
    action.clicked.connect(slot)
    return buttons, action


def say_copied(button: QPushButton) -> None:
    """The copy button says "Copied" for a moment (its accessible name stays the action's)."""
    label = button.property("copyLabel") or button.text()
    button.setProperty("copyLabel", label)
    button.setText("Copied")
    QTimer.singleShot(COPIED_MS, button, lambda: button.setText(label))
