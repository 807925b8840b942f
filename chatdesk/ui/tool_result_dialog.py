"""Add tool result… (a card's action): the result of one tool call the model asked for.

chatdesk shows tool calls and never runs them (README, "Tools are shown, never run"); this is
how the user answers one by hand so the conversation can go on. The dialog shows the call (its
function, id and arguments, read-only) and takes the result's text; the session adds it as a
`tool` message where core/tool_results.py says, one undo step.

The title names the call short ("Tool result: get_weather (call_9)", a long name or id cut at
its end) and the dialog is made wide enough for it: a title bar shortens a long title in its
middle ("Tool result for get… ather"), which hid the very name. The name and id are whole in
the dialog's text.
"""

from __future__ import annotations

import json

from chatdesk.core.tool_results import MissingResult
from chatdesk.ui.qt.core import Qt
from chatdesk.ui.qt.gui import QFont, QFontMetrics
from chatdesk.ui.qt.widgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

NAME_CHARS = 24  # of the function's name in the title; the whole is in the dialog
ID_CHARS = 10  # of the call id: "call_" and a few of its characters tell calls apart
TITLE_BAR_ROOM = 160  # px a title bar takes besides its text: icon, close/minimize/maximize


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def title_for(call: MissingResult) -> str:
    """The dialog's title: the function's name and the call id, each cut at its end."""
    return f"Tool result: {_cut(call.name, NAME_CHARS)} ({_cut(call.call_id, ID_CHARS)})"


def title_bar_width(title: str, font: QFont) -> int:
    """Pixels a title bar needs to show `title` and the application's name whole: its text in
    a bold font (as most title bars draw it) and room for its icon and buttons."""
    bold = QFont(font)
    bold.setBold(True)
    name = QApplication.applicationDisplayName()
    shown = f"{title} — {name}" if name else title
    return QFontMetrics(bold).horizontalAdvance(shown) + TITLE_BAR_ROOM


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return arguments  # as the model wrote it: not always JSON


class ToolResultDialog(QDialog):
    """The result of `call`; `result()` after it was accepted."""

    def __init__(self, call: MissingResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.call = call
        self.setWindowTitle(title_for(call))
        self.setAccessibleName("Add tool result")
        form = QFormLayout()
        self.function = QLabel(call.name, self)
        self.call_id = QLabel(call.call_id, self)
        for label in (self.function, self.call_id):  # whole here, and copyable
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Function", self.function)
        form.addRow("Call id", self.call_id)
        self.arguments = QPlainTextEdit(_pretty(call.arguments), self)
        self.arguments.setReadOnly(True)
        self.arguments.setAccessibleName("Arguments")
        self.arguments.setMaximumHeight(120)
        form.addRow("Arguments", self.arguments)
        self.text = QPlainTextEdit(self)
        self.text.setAccessibleName("Result")
        self.text.setPlaceholderText('What the tool returned, e.g. {"temperature": 5}')
        form.addRow("Result", self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(title_bar_width(self.windowTitle(), self.font()))
        self.text.setFocus()

    def result_text(self) -> str:
        return self.text.toPlainText()
