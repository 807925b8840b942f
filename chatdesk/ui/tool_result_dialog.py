"""Add tool result… (a card's action): the result of one tool call the model asked for.

chatdesk shows tool calls and never runs them (README, "Tools are shown, never run"); this is
how the user answers one by hand so the conversation can go on. The dialog shows the call (its
function, id and arguments, read-only) and takes the result's text; the session adds it as a
`tool` message where core/tool_results.py says, one undo step.
"""

from __future__ import annotations

import json

from chatdesk.core.tool_results import MissingResult
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


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
        self.setWindowTitle(f"Tool result for {call.name}")
        self.setAccessibleName("Add tool result")
        form = QFormLayout()
        form.addRow("Function", QLabel(call.name, self))
        form.addRow("Call id", QLabel(call.call_id, self))
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
        self.text.setFocus()

    def result_text(self) -> str:
        return self.text.toPlainText()
