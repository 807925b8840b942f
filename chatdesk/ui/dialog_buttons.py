"""The button row of a read-only dialog: Close (Esc) and one action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton


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
