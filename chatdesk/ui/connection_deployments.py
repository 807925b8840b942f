"""The deployments part of the Connections dialog: the profile's list of deployments, the
selected one's name and model, which is the default, and fetching the list from a server that
has one (`service/model_listing.py`).

A form only: it shows a profile (`fill`), gives the edited one back (`apply`), and adds names a
server listed (`add_listed`); fetching runs in the dialog, on a worker. Entries keep the fields
this form does not edit (prices, an API mode...).

Signals: edited(), fetchRequested().
"""

from __future__ import annotations

import msgspec.structs

from chatdesk.core.models import CATALOG
from chatdesk.core.profile_deployments import Deployment, listing_default, merge_listed
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.ui.qt.core import Qt, Signal
from chatdesk.ui.qt.widgets import (
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class DeploymentsPanel(QWidget):
    edited = Signal()
    fetchRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[Deployment] = []
        self._default = 0  # the row of the profile's default deployment
        self._loading = False
        self.list = QListWidget(self)
        self.list.setAccessibleName("Deployments")
        self.list.setToolTip(
            "The deployments of this resource; each conversation picks one in the toolbar"
        )
        # As tall as its buttons: the form must not hand its spare height to this row.
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.list.currentRowChanged.connect(self._row_changed)
        self.add_btn = self._button("Add", "Add a deployment", "Add another deployment")
        self.remove_btn = self._button(
            "Remove", "Remove the deployment", "Remove the selected deployment from this profile"
        )
        self.default_btn = self._button(
            "Make default",
            "Make it the default deployment",
            "New conversations with this profile start with the selected deployment",
        )
        self.fetch_btn = self._button(
            "Fetch list", "Fetch the deployments", "Ask the server which models it serves"
        )
        self.add_btn.clicked.connect(self._add)
        self.remove_btn.clicked.connect(self._remove)
        self.default_btn.clicked.connect(self._make_default)
        self.fetch_btn.clicked.connect(self.fetchRequested)
        self.deployment_edit = QLineEdit(self)
        self.deployment_edit.setAccessibleName("Deployment")
        self.deployment_edit.textEdited.connect(self._edited)
        self.model_edit = QLineEdit(self)
        self.model_edit.setAccessibleName("Model behind the deployment")
        self.model_edit.setToolTip(
            "The model this deployment serves, when its name does not say (e.g. gpt-5 for "
            "'chat-prod'): it decides token counting, limits and the request's parameters"
        )
        self.model_edit.setPlaceholderText("e.g. gpt-5")
        completer = QCompleter(list(CATALOG), self.model_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.model_edit.setCompleter(completer)
        self.model_edit.textEdited.connect(self._edited)

        buttons = QVBoxLayout()
        buttons.setSpacing(2)
        for button in (self.add_btn, self.remove_btn, self.default_btn, self.fetch_btn):
            buttons.addWidget(button)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        # Their own height always: a crowded form squeezed them to a few pixels (tester-55).
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        return button

    # -- the profile -------------------------------------------------------------------------
    def fill(self, profile: ConnectionProfile) -> None:
        listed = listing_default(profile.deployments, profile.deployment, profile.model)
        self._entries = [msgspec.structs.replace(d) for d in listed] or [Deployment("")]
        names = [d.name for d in self._entries]
        default = profile.deployment.strip()
        self._default = names.index(default) if default in names else 0
        self._show_list(self._default)

    def apply(self, profile: ConnectionProfile) -> ConnectionProfile:
        """`profile` with this form's deployments; the default is the one marked so."""
        default = self._entries[self._default]
        return msgspec.structs.replace(
            profile,
            deployment=default.name,
            model=default.model,
            deployments=[msgspec.structs.replace(d) for d in self._entries],
        )

    def selected(self) -> Deployment:
        return self._entries[max(0, self.list.currentRow())]

    def add_listed(self, names: list[str]) -> int:
        """Add the server's names this profile lacks; a blank first entry takes the first.
        Returns how many were added."""
        entries = [d for d in self._entries if d.name.strip()]
        merged = merge_listed(entries, names)
        added = len(merged) - len(entries)
        if merged:
            default_name = self._entries[self._default].name
            self._entries = merged
            names_now = [d.name for d in merged]
            self._default = names_now.index(default_name) if default_name in names_now else 0
            self._show_list(self.list.currentRow() if entries else 0)
            self.edited.emit()
        return added

    def set_fetch(self, why_not: str | None) -> None:
        """Offer Fetch list where the server has a list; say why not elsewhere."""
        self.fetch_btn.setEnabled(why_not is None)
        self.fetch_btn.setToolTip(why_not or "Ask the server which models it serves")

    def set_labels(self, azure: bool) -> None:
        self.deployment_edit.setAccessibleName("Deployment" if azure else "Model")
        self.deployment_edit.setToolTip(
            "The deployment name from Azure AI Foundry → Deployments (not the model name)"
            if azure
            else "The model name the server serves (e.g. gpt-4o, llama3.1)"
        )

    # -- editing -----------------------------------------------------------------------------
    def _show_list(self, row: int) -> None:
        self._loading = True
        try:
            self.list.clear()
            for i in range(len(self._entries)):
                self.list.addItem(self._label(i))
            self.list.setCurrentRow(min(max(row, 0), len(self._entries) - 1))
            self._load_row()
        finally:
            self._loading = False
        self._sync_buttons()

    def _label(self, row: int) -> str:
        name = self._entries[row].name or "(new deployment)"
        return name + (" (default)" if row == self._default else "")

    def _load_row(self) -> None:
        entry = self.selected()
        self.deployment_edit.setText(entry.name)
        self.model_edit.setText(entry.model or "")

    def _row_changed(self, row: int) -> None:
        if self._loading or row < 0:
            return
        self._loading = True
        try:
            self._load_row()
        finally:
            self._loading = False
        self._sync_buttons()
        self.edited.emit()  # the model note describes the selected deployment

    def _edited(self, *_: object) -> None:
        if self._loading:
            return
        row = max(0, self.list.currentRow())
        name = self.deployment_edit.text().strip()
        model = self.model_edit.text().strip() or None
        self._entries[row] = msgspec.structs.replace(self._entries[row], name=name, model=model)
        item = self.list.item(row)
        if item is not None:
            item.setText(self._label(row))
        self.edited.emit()

    def _add(self) -> None:
        self._entries.append(Deployment(""))
        self._show_list(len(self._entries) - 1)
        self.deployment_edit.setFocus()
        self.edited.emit()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if len(self._entries) <= 1 or row < 0:
            return
        self._entries.pop(row)
        if row < self._default or self._default >= len(self._entries):
            self._default = max(0, self._default - 1)
        self._show_list(min(row, len(self._entries) - 1))
        self.edited.emit()

    def _make_default(self) -> None:
        self._default = max(0, self.list.currentRow())
        self._show_list(self._default)
        self.edited.emit()

    def _sync_buttons(self) -> None:
        row = self.list.currentRow()
        self.remove_btn.setEnabled(len(self._entries) > 1 and row >= 0)
        self.default_btn.setEnabled(row >= 0 and row != self._default)
