"""PySide6.QtWidgets's names, served under the start-up rules of chatdesk/ui/qt/__init__.py."""

from typing import TYPE_CHECKING

from chatdesk.ui.qt import names_of

if TYPE_CHECKING:
    from PySide6.QtWidgets import *  # noqa: F403 - what type checkers and editors see

__getattr__ = names_of("PySide6.QtWidgets")
