"""Qt's item data roles as the numbers Qt documents, for code on the first frame's path.

`Qt.ItemDataRole` is built with the rest of the `Qt` namespace: 93 enums, which Python 3.11
takes ~20 ms to make. The first frame needs a few role numbers and nothing else from it, so
it reads them here (tests/ui/test_roles.py checks them against Qt's own).
"""

DISPLAY = 0  # Qt.ItemDataRole.DisplayRole
EDIT = 2  # Qt.ItemDataRole.EditRole
TOOLTIP = 3  # Qt.ItemDataRole.ToolTipRole
ACCESSIBLE_TEXT = 11  # Qt.ItemDataRole.AccessibleTextRole
ACCESSIBLE_DESCRIPTION = 12  # Qt.ItemDataRole.AccessibleDescriptionRole
USER = 0x0100  # Qt.ItemDataRole.UserRole: the first one free for the application
