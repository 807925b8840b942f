"""The Connection tab of the Connections dialog: the profile's name and kind (with that kind's
own hint), the endpoint and what chatdesk makes of it (the URL requests go to, notes, an error,
values to take from a pasted URL), its deployments (`connection_deployments.DeploymentsPanel`,
with Fetch list on a worker), the selected deployment's model and the api-version.

A form: `fill` shows a profile, `apply` gives the edited one back, `refresh` shows what the
checks say about it. Every edit goes to the dialog (`FormHost.form_edited`).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec.structs

from chatdesk.core.endpoints import fields_in_url
from chatdesk.core.models import DEFAULT_FAMILY, FAMILIES, describe
from chatdesk.core.profiles import DEFAULT_API_VERSION, KINDS, ConnectionProfile, EndpointCheck
from chatdesk.service.events import ChatError
from chatdesk.service.model_listing import list_deployments, listing_unavailable
from chatdesk.service.network import Network, NetworkSetupError, proxy_for
from chatdesk.ui.connection_deployments import DeploymentsPanel
from chatdesk.ui.connection_widgets import (
    KIND_HINTS,
    KIND_LABELS,
    FormHost,
    button,
    line,
    set_shown,
)
from chatdesk.ui.qt.widgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QSizePolicy, QWidget

_AZURE_PLACEHOLDER = "https://my-resource.openai.azure.com/"
_COMPATIBLE_PLACEHOLDER = "https://api.openai.com/v1 or http://localhost:11434/v1"


def check(profile: ConnectionProfile) -> EndpointCheck:
    """The profile's check as the chat service makes it (`ConnectionProfile.may_go_keyless`)."""
    return profile.check(sends_secret=not profile.may_go_keyless)


class EndpointPanel(QWidget):
    """`typed`: the network choices the dialog tries (its proxy as typed), for the line that
    says where requests go; None: the app's."""

    def __init__(
        self, host: FormHost, parent: QWidget, typed: Callable[[], Network] | None = None
    ) -> None:
        super().__init__(parent)
        self._host = host
        self._typed = typed
        edited = host.form_edited
        tones = host.tones
        self.name_edit = line(self, "Profile name", "The profile's name; edit it to rename",
                              edited=edited)  # fmt: skip
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName("Endpoint kind")
        self.kind_combo.setToolTip(
            "Azure OpenAI (v1): the resource endpoint and a deployment. "
            "Azure OpenAI (api-version): the dated API. "
            "OpenAI-compatible: any base URL (OpenAI, Ollama, vLLM…)."
        )
        for kind in KINDS:
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.kind_combo.currentIndexChanged.connect(edited)
        self.kind_hint = tones.label(self, "", "About this kind", tone="muted")
        self.endpoint_edit = line(
            self, "Endpoint",
            "Paste the endpoint as the portal shows it; chatdesk trims and normalises it",
            _AZURE_PLACEHOLDER, edited,
        )  # fmt: skip
        self.url_label = tones.label(self, "", "Requests go to", tone="muted")
        self.notes_label = tones.label(self, "", "Endpoint notes", tone="muted")
        self.endpoint_error = tones.label(self, "", "Endpoint error", tone="error")
        self.suggest_btn = button(
            self, "Use", "Use the values from the URL", "Fill in what the pasted URL contained"
        )
        self.suggest_btn.clicked.connect(self._use_suggestions)
        self.suggest_btn.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.deployments = DeploymentsPanel(self)
        self.deployments.edited.connect(edited)
        self.deployments.fetchRequested.connect(self._fetch_deployments)
        self.deployments_label = QLabel("Deplo&yments", self)
        self.deployments_label.setBuddy(self.deployments.list)
        self.fetch_note = tones.label(self, "", "Fetched deployments", tone="muted")
        self.deployment_label = QLabel("Deployment", self)
        self.deployment_edit = self.deployments.deployment_edit
        self.deployment_label.setBuddy(self.deployment_edit)
        self.api_version_edit = line(
            self, "API version", "The api-version sent with each request", DEFAULT_API_VERSION,
            edited,
        )  # fmt: skip
        self.model_edit = self.deployments.model_edit
        self.model_note = tones.label(self, "", "What the deployment is taken for")
        self.family_combo = QComboBox(self)
        self.family_combo.setAccessibleName("Fallback model family")
        self.family_combo.setToolTip(
            "How tokens are counted when neither the model nor the deployment name says"
        )
        for key in FAMILIES:
            self.family_combo.addItem(key, key)
        self.family_combo.currentIndexChanged.connect(edited)
        self.problem_label = tones.label(self, "", "Profile problem", tone="error")

        tokens = QHBoxLayout()
        tokens.addWidget(self.model_edit, 3)
        self.tokens_label = QLabel("&Model", self)
        self.tokens_label.setBuddy(self.model_edit)
        fallback = QLabel("if unknown, estimate as", self)
        fallback.setBuddy(self.family_combo)
        tokens.addWidget(fallback)
        tokens.addWidget(self.family_combo, 2)

        for label in (self.kind_hint, self.url_label, self.notes_label, self.endpoint_error,
                      self.fetch_note, self.model_note, self.problem_label):  # fmt: skip
            label.keep_whole(self.endpoint_edit)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow("&Name", self.name_edit)
        self.form.addRow("&Kind", self.kind_combo)
        self._field_row(self.kind_hint)
        self.form.addRow("&Endpoint", self.endpoint_edit)
        # Feedback rows sit in the field column, each hidden with its row when empty.
        for widget in (self.url_label, self.notes_label, self.endpoint_error, self.suggest_btn):
            self._field_row(widget)
        self.form.addRow(self.deployments_label, self.deployments)
        self._field_row(self.fetch_note)
        self.form.addRow(self.deployment_label, self.deployment_edit)
        self.form.addRow(self.tokens_label, tokens)
        self._field_row(self.model_note)
        self.form.addRow("API &version", self.api_version_edit)
        self._field_row(self.problem_label)

    def _field_row(self, widget: QWidget) -> None:
        self.form.setWidget(self.form.rowCount(), QFormLayout.ItemRole.FieldRole, widget)

    # -- the profile -------------------------------------------------------------------------
    def fill(self, profile: ConnectionProfile) -> None:
        self.name_edit.setText(profile.name)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(profile.kind)))
        self.endpoint_edit.setText(profile.endpoint)
        self.endpoint_edit.setCursorPosition(0)  # the host, not the tail of a long URL
        self.deployments.fill(profile)
        self.api_version_edit.setText(profile.api_version)
        family = self.family_combo.findData(profile.model_family)
        if family < 0:
            family = self.family_combo.findData(DEFAULT_FAMILY)
        self.family_combo.setCurrentIndex(family)

    def apply(self, profile: ConnectionProfile) -> ConnectionProfile:
        family = self.family_combo.currentData()
        edited = msgspec.structs.replace(
            profile,
            name=self.name_edit.text(),
            kind=self.kind_combo.currentData(),
            endpoint=self.endpoint_edit.text(),
            api_version=self.api_version_edit.text().strip() or DEFAULT_API_VERSION,
            model_family=family if isinstance(family, str) else DEFAULT_FAMILY,
        )
        return self.deployments.apply(edited)

    def clear(self) -> None:
        self.fetch_note.clear()

    def _route(self, url: str) -> str:
        """Where requests go, and the proxy they take by the rule requests follow
        (`network.proxy_for`: loopback and NO_PROXY direct)."""
        try:
            proxy = proxy_for(url, network=self._typed() if self._typed else None)
        except NetworkSetupError:  # a typed proxy that cannot be used: the Gateway tab says so
            proxy = None
        return f"Requests go to: {url}" + (f", through the proxy {proxy}" if proxy else "")

    def refresh_model_note(self, profile: ConnectionProfile | None) -> None:
        text = ""
        if profile is not None:
            text = describe(self.deployments.selected().model_match(profile.model_family))
        if self.model_note.text() != text:
            self.model_note.setText(text)

    def refresh(self, profile: ConnectionProfile | None) -> None:
        """Show what the checks say about `profile` (None: no profile selected)."""
        if profile is None:
            for label in (self.url_label, self.notes_label, self.endpoint_error):
                label.clear()
            self.problem_label.clear()
            self.sync()
            return
        azure = profile.kind != "openai-compatible"
        self.deployment_label.setText("&Deployment" if azure else "Model na&me")
        self.deployments_label.setText("Deplo&yments" if azure else "Mo&dels")
        # Which catalog model it is (counting, limits): for a server's own model names too.
        self.tokens_label.setText("&Model" if azure else "Counted &as")
        self.deployments.set_labels(azure)
        self.deployments.set_fetch(listing_unavailable(profile))
        self.endpoint_edit.setPlaceholderText(
            _AZURE_PLACEHOLDER if azure else _COMPATIBLE_PLACEHOLDER
        )
        self.kind_hint.setText(KIND_HINTS[profile.kind])
        self.form.setRowVisible(self.api_version_edit, profile.kind == "azure-api-version")
        result = check(profile)
        on_endpoint = result.field == "endpoint"
        url = ""
        if result.error is None:
            url = profile.resolved_url()
        elif not on_endpoint:
            url = result.url
        self.url_label.setText(self._route(url) if url else "")
        self.notes_label.setText("\n".join(result.notes))
        self.endpoint_error.setText(result.error if result.error and on_endpoint else "")
        self.problem_label.setText(result.error if result.error and not on_endpoint else "")
        named = fields_in_url(profile.kind, profile.endpoint)  # what "Use …" takes
        suggestions = []
        if named.kind != profile.kind:
            suggestions.append(f"the {KIND_LABELS[named.kind]} kind")
        if named.deployment and named.deployment != profile.deployment.strip():
            suggestions.append(f"deployment '{named.deployment}'")
        if named.api_version and named.api_version != profile.api_version:
            suggestions.append(f"api-version {named.api_version}")
        last = suggestions[-1:]
        listed = " and ".join([", ".join(suggestions[:-1]), *last] if suggestions[1:] else last)
        self.suggest_btn.setText(f"Use {listed}".strip())
        set_shown(self.form, self.suggest_btn, bool(suggestions))
        self.sync()

    def sync(self) -> None:
        for label in (self.url_label, self.notes_label, self.endpoint_error, self.problem_label,
                      self.fetch_note):  # fmt: skip
            set_shown(self.form, label, bool(label.text()))

    def _use_suggestions(self) -> None:
        draft = self._host.current
        if draft is None:
            return
        named = fields_in_url(draft.profile.kind, draft.profile.endpoint)
        if named.kind != self.kind_combo.currentData():
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(named.kind))
        if named.deployment:
            self.deployment_edit.setText(named.deployment)
            self.deployment_edit.textEdited.emit(named.deployment)  # into the selected entry
        if named.api_version:
            self.api_version_edit.setText(named.api_version)
        self._host.form_edited()

    def _fetch_deployments(self) -> None:
        """Ask the server for its list (on a worker) and add the names the profile lacks."""
        draft = self._host.current
        if draft is None:
            return
        self._host.form_edited()
        profile = draft.profile
        credentials = self._host.draft_credentials(draft)
        self.fetch_note.setText("Asking the server for its list…")
        self.deployments.fetch_btn.setEnabled(False)
        self.sync()

        def listed(names: list[str]) -> None:
            if self._host.current is not draft:
                return
            added = self.deployments.add_listed(names)
            self.fetch_note.setText(
                f"The server lists {len(names)}: {', '.join(names) or 'none'}. "
                f"{added or 'None'} added."
            )

        def failed(exc: BaseException) -> None:
            if self._host.current is draft:
                text = exc.text if isinstance(exc, ChatError) else type(exc).__name__
                self.fetch_note.setText(f"Could not fetch the list: {text}")

        def finished() -> None:
            current = self._host.current
            self.refresh(current.profile if current is not None else None)

        self._host.run(lambda: list_deployments(profile, credentials), listed, failed, finished)
