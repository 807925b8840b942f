"""Time limits and what the deployment taught chatdesk: its read timeout, the request
deadline, and the adjustments learned from its 400s (which the user may forget)."""

from __future__ import annotations

from chatdesk.core.deployments import DeploymentNote, describe
from chatdesk.ui.qt.widgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

MAX_SECONDS = 86_400


class TimeLimitsDialog(QDialog):
    """Edits one deployment's `DeploymentNote` and the settings' request deadline.

    `values()` after Accept: (read_timeout: float | None (None: the model's default),
    request_deadline: float, note: DeploymentNote to keep).
    """

    def __init__(
        self,
        deployment: str,
        note: DeploymentNote,
        model_default: float,
        deadline: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Time limits")
        self._note = note
        self.read_timeout = QSpinBox(self)
        self.read_timeout.setRange(0, MAX_SECONDS)  # 0: "Model default"
        self.read_timeout.setSuffix(" s")
        self.read_timeout.setSpecialValueText(f"Model default ({model_default:g} s)")
        self.read_timeout.setValue(int(note.read_timeout or 0))
        self.read_timeout.setAccessibleName("Read timeout")
        self.read_timeout.setToolTip(
            "How long this deployment may stay silent before the request counts as dead. A "
            "reasoning model may think for minutes before its first byte."
        )
        self.deadline = QSpinBox(self)
        self.deadline.setRange(1, MAX_SECONDS)
        self.deadline.setSuffix(" s")
        self.deadline.setValue(int(deadline))
        self.deadline.setAccessibleName("Request deadline")
        self.deadline.setToolTip(
            "The longest any whole request may take, however slowly the answer trickles in"
        )
        form = QFormLayout()
        form.addRow(f"&Read timeout of {deployment}:", self.read_timeout)
        form.addRow("Request &deadline (every deployment):", self.deadline)

        learned = describe(note)
        self.learned = QLabel(
            "Learned from this deployment's answers:\n" + "\n".join(learned)
            if learned
            else "The deployment has refused nothing so far.",
            self,
        )
        self.learned.setWordWrap(True)
        self.learned.setAccessibleName("Learned adjustments")
        self.forget = QCheckBox("&Forget what it taught (ask as the model table says)", self)
        self.forget.setAccessibleName("Forget learned adjustments")
        self.forget.setEnabled(bool(learned))
        note_text = QLabel(
            "A request the service may already have received is never sent again by itself "
            "after a timeout: Retry is yours.",
            self,
        )
        note_text.setWordWrap(True)
        note_text.setEnabled(False)  # quiet, in the palette's disabled text colour

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.learned)
        layout.addWidget(self.forget)
        layout.addWidget(note_text)
        layout.addWidget(buttons)

    def values(self) -> tuple[float | None, float, DeploymentNote]:
        read = float(self.read_timeout.value()) or None
        note = DeploymentNote() if self.forget.isChecked() else self._note
        note = DeploymentNote(
            note.limit_param, list(note.dropped), note.system_role, note.stream, read
        )
        return read, float(self.deadline.value()), note
