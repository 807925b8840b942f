"""The toolbar's deployment picker: which of the profile's deployments this conversation sends
to. Each item is a deployment name; its tooltip says the model it is taken for. The profile's
default is picked as None, so a conversation that never chose follows the profile's default.

Signals: picked(object) — the deployment name chosen by the user, or None for the default.
"""

from __future__ import annotations

from chatdesk.core.models import describe
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.ui import roles
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import QComboBox, QWidget


class DeploymentBox(QComboBox):
    picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Deployment")
        self.setToolTip("The deployment this conversation sends to")
        self.setMinimumContentsLength(12)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._default: str | None = None
        self.activated.connect(self._activated)

    def show_profile(self, profile: ConnectionProfile | None, chosen: str | None) -> None:
        """List `profile`'s deployments and select `chosen` (None or not listed: the default).
        Cheap: called when a conversation is shown or its profile changes."""
        self.blockSignals(True)
        try:
            self.clear()
            self._default = profile.deployment.strip() if profile is not None else None
            for entry in profile.deployments if profile is not None else []:
                label = entry.name + (" (default)" if entry.name == self._default else "")
                self.addItem(label, entry.name)
                tip = describe(entry.model_match(profile.model_family))
                self.setItemData(self.count() - 1, tip, roles.TOOLTIP)
            index = self.findData(chosen) if chosen else -1
            if index < 0:
                index = self.findData(self._default)
            self.setCurrentIndex(index if index >= 0 else (0 if self.count() else -1))
            self.setEnabled(self.count() > 1)
        finally:
            self.blockSignals(False)

    def current(self) -> str | None:
        """The picked deployment, or None when it is the profile's default."""
        name = self.currentData()
        return None if not isinstance(name, str) or name == self._default else name

    def _activated(self, _index: int) -> None:
        self.picked.emit(self.current())
