"""What the current deployment refused, shown in Parameters next to the field it concerns.

A parameter the deployment is known not to take (the settings' `deployments`, learned from
its 400s) stays in the conversation but is not sent; the line under its field says so, in
the words "What will be sent" uses (`DeploymentNote.left_out`, the rule the request follows).
"""

from __future__ import annotations

from typing import Any

from chatdesk.core.conversation import GenerationParams
from chatdesk.core.deployments import DeploymentNote
from chatdesk.ui.palette import status_color
from chatdesk.ui.qt.gui import QPalette
from chatdesk.ui.qt.widgets import QLabel, QWidget

# The request's names of the parameters Parameters edits (max_tokens: renamed, never left out).
FIELDS = (
    "temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "stop",
    "response_format", "stream", "reasoning_effort", "verbosity",
)  # fmt: skip


class NotTakenMarks:
    """One line per field, shown when the deployment will not get that field's value."""

    def __init__(self, parent: QWidget) -> None:
        self.note = DeploymentNote()
        self.deployment = ""
        self.labels: dict[str, QLabel] = {}
        for name in FIELDS:
            label = QLabel(parent)
            label.setWordWrap(True)
            label.setAccessibleName(f"{name} not sent")
            pal = label.palette()
            pal.setColor(QPalette.ColorRole.WindowText, status_color("warning", pal))
            label.setPalette(pal)
            label.hide()
            self.labels[name] = label

    def set_note(self, note: DeploymentNote, deployment: str) -> None:
        self.note, self.deployment = note, deployment

    def offered(self, name: str, names: tuple[str, ...]) -> tuple[str, ...]:
        """Of the model's values `names`, those the deployment takes (all, unless it listed
        the values it takes when it refused one)."""
        taken = self.note.values.get(name)
        return names if taken is None else tuple(n for n in names if n in taken)

    def show(self, params: GenerationParams) -> None:
        for name, label in self.labels.items():
            value = _sent_value(params, name)
            said = self.note.left_out({name: value}, self.deployment) if value is not None else []
            label.setText(" ".join(said))
            label.setVisible(bool(said))


def _sent_value(params: GenerationParams, name: str) -> Any:
    """The value the request would carry for `name`, or None when it carries none."""
    if name == "response_format":
        return {"type": "json_object"} if params.response_format == "json_object" else None
    if name == "stream":
        return True if params.stream else None
    if name == "stop":
        return list(params.stop) or None
    return getattr(params, name)
