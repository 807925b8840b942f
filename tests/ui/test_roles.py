from PySide6.QtCore import Qt

from chatdesk.ui import roles


def test_role_numbers_are_qts():
    assert Qt.ItemDataRole.DisplayRole == roles.DISPLAY
    assert Qt.ItemDataRole.EditRole == roles.EDIT
    assert Qt.ItemDataRole.ToolTipRole == roles.TOOLTIP
    assert Qt.ItemDataRole.AccessibleTextRole == roles.ACCESSIBLE_TEXT
    assert Qt.ItemDataRole.AccessibleDescriptionRole == roles.ACCESSIBLE_DESCRIPTION
    assert Qt.ItemDataRole.UserRole == roles.USER
