"""The connection settings dialog: profiles, their endpoint and auth, keys, sign-in and a test.

Edits live in drafts until Save. The keyring, Entra sign-in and the test request can block, so
each runs on a `FunctionWorker`; its result comes back as a queued signal and only then touches
widgets. Keys go from the password field straight to the secret store and are never kept in a
draft, the settings or any text the dialog shows.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QIcon, QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chatdesk.core.models import DEFAULT_FAMILY, FAMILIES, describe
from chatdesk.core.profiles import (
    DEFAULT_API_VERSION,
    ENTRA_MODES,
    KINDS,
    ConnectionProfile,
    EndpointCheck,
    EntraMode,
    ProfileKind,
    profile_from_env,
)
from chatdesk.service.client import Credentials, header_secret_name
from chatdesk.service.connections import Connections
from chatdesk.service.entra import DeviceCode, EntraSession, SignedIn, SignInCancelled, SignInError
from chatdesk.service.events import CancelToken, ChatError
from chatdesk.service.model_listing import list_deployments, listing_unavailable
from chatdesk.service.profile_edits import (
    DraftSecrets,
    Moves,
    ProfileEdit,
    apply_moves,
    commit,
    final_profile,
    plan_moves,
)
from chatdesk.service.secrets import (
    KeyringStatus,
    MemorySecretStore,
    Secret,
    SecretStore,
    SecretStoreError,
)
from chatdesk.ui.connection_deployments import DeploymentsPanel
from chatdesk.ui.connection_gateway import GatewayPanel
from chatdesk.ui.token_meter import status_color
from chatdesk.ui.worker import FunctionWorker

if TYPE_CHECKING:  # the openai SDK loads with the service, not with this dialog
    from chatdesk.service.chat import ChatService, Diagnosis

KIND_LABELS: dict[ProfileKind, str] = {
    "azure-v1": "Azure OpenAI (v1)",
    "azure-api-version": "Azure OpenAI (api-version)",
    "openai-compatible": "OpenAI-compatible",
}
ENTRA_MODE_LABELS: dict[EntraMode, str] = {
    "browser": "Browser",
    "device-code": "Device code",
    "default": "Developer credentials (Azure CLI, environment, managed identity)",
}
# What each kind wants, with an example of its own (shown under the kind).
KIND_HINTS: dict[ProfileKind, str] = {
    "azure-v1": "The resource endpoint, e.g. https://my-resource.openai.azure.com/ (Foundry: "
    "https://my-resource.services.ai.azure.com/), and a deployment name.",
    "azure-api-version": "The resource endpoint or a gateway URL, a deployment and an "
    "api-version such as 2024-10-21 (or preview).",
    "openai-compatible": "Any OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or "
    "http://localhost:11434/v1 (Ollama), and the model name the server serves.",
}
NEW_PROFILE_NAME = "Azure OpenAI"
SIGN_IN_TIMEOUT = 300.0
_AZURE_PLACEHOLDER = "https://my-resource.openai.azure.com/"
_COMPATIBLE_PLACEHOLDER = "https://api.openai.com/v1 or http://localhost:11434/v1"

# Workers outlive a closed (even deleted) dialog until they finish; this keeps them referenced.
_RUNNING: set[FunctionWorker] = set()
# Secret stores whose user agreed to keep keys in memory for this session (no secure keyring).
# The store's status stays "insecure" after use_session_store, so the choice is remembered here.
_SESSION_CONSENT: weakref.WeakSet[Any] = weakref.WeakSet()


@dataclass
class _KeyProbe:
    key_name: str
    stored: bool
    description: str
    status: KeyringStatus | None


class _DeviceCodeBridge(QObject):
    """Carries a device code from the sign-in thread to the GUI thread (a queued signal).

    Signals: deviceCode(object).
    """

    deviceCode = Signal(object)


class _WrapLabel(QLabel):
    """A word-wrapped label whose size hint is as tall as its text at its actual width.

    QFormLayout sizes a row by the hint when it has room, and QLabel's hint assumes a narrow
    guess of a width, which left tall blank rows under the endpoint.
    """

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.width() > 0 and self.wordWrap():
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the hint depends on the width


class _KeyField(QLineEdit):
    """The key field: Enter saves the key instead of pressing the dialog's Save button."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


def _secret_error_text(exc: BaseException, action: str) -> str:
    # SecretStoreError texts are written to be shown and never hold the key; anything else
    # might quote it, so only its type is named.
    if isinstance(exc, SecretStoreError):
        return str(exc)
    return f"Could not {action} ({type(exc).__name__})."


def _latency_text(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"answered in {ms:.0f} ms" if ms < 1000 else f"answered in {ms / 1000:.1f} s"


def _account_text(account: SignedIn) -> str:
    who = account.username or "an unnamed account"
    return f"Signed in as {who}" + (f" (tenant {account.tenant_id})" if account.tenant_id else "")


class ConnectionDialog(QDialog):
    """Edit connection profiles: endpoint, API key or Entra ID sign-in, and test them.

    Signals: profilesChanged() after Save has written the profiles and the active profile.
    Open it with open() or show(); Save writes into `connections.settings` and calls
    `save_settings`, Cancel discards edits (keys saved meanwhile stay saved).
    """

    profilesChanged = Signal()

    def __init__(
        self,
        connections: Connections,
        service: ChatService,
        save_settings: Callable[[], None],
        parent: QWidget | None = None,
        *,
        select: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connections")
        self.setAccessibleName("Connection settings")
        self._connections = connections
        self._service = service
        self._save_settings = save_settings
        self._secrets: SecretStore = connections.secrets
        self._drafts: list[ProfileEdit] = []
        self._removed: list[str] = []  # original names of removed profiles
        self._discarded: list[str] = []  # key names of removed new drafts (a key may be saved)
        self._current: ProfileEdit | None = None
        self._loading = False  # filling the form from a draft: edits are not the user's
        self._closed = False

        # What the workers found out; None while unknown.
        self._key_stored: dict[str, bool | None] = {}
        self._store_status: KeyringStatus | None = None
        self._store_description: str | None = None
        self._store_probed = False
        self._key_busy = False
        self._signing_in: tuple[threading.Event, str] | None = None  # (cancel, key_name)
        self._test: tuple[CancelToken, str] | None = None
        self._saving = False
        self._workers: set[FunctionWorker] = set()
        self.reuse_key_box: QMessageBox | None = None  # open while Duplicate asks
        self._proxy = connections.settings.proxy  # edited on the Gateway tab, saved on Save

        self._bridge = _DeviceCodeBridge()
        self._bridge.deviceCode.connect(self._show_device_code)
        self._previous_callback = connections.device_code_callback
        bridge = self._bridge

        def deliver(code: DeviceCode) -> None:  # called on the sign-in thread
            bridge.deviceCode.emit(code)

        self._deliver = deliver
        connections.device_code_callback = deliver

        self._muted: list[QLabel] = []
        self._errors: list[QLabel] = []
        self._build()
        self._apply_tones()
        self._load_drafts(select)
        self.resize(760, 560)

    # -- construction ------------------------------------------------------------------------
    def _label(self, text: str, name: str, *, tone: str = "", selectable: bool = True) -> QLabel:
        label = _WrapLabel(text, self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # texts may quote URLs and server replies
        label.setAccessibleName(name)
        # Long URLs do not wrap; they must not widen the form past the window.
        label.setMinimumWidth(40)
        if selectable:
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if tone == "muted":
            self._muted.append(label)
        elif tone == "error":
            self._errors.append(label)
        return label

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)  # Enter in a field must not press Sign in or Save key
        return button

    def _tool(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def _line(self, name: str, tip: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setToolTip(tip)
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(self._form_edited)
        return edit

    def _build(self) -> None:
        # Left: the profiles.
        self.profile_list = QListWidget(self)
        self.profile_list.setAccessibleName("Profiles")
        self.profile_list.setToolTip("Your connection profiles; select one to edit it")
        self.profile_list.currentRowChanged.connect(self._row_changed)
        self.add_btn = self._tool("Add", "Add profile", "Add a new connection profile")
        self.duplicate_btn = self._tool(
            "Duplicate",
            "Duplicate profile",
            "Copy the selected profile; the copy has no key until you save one for it",
        )
        self.remove_btn = self._tool(
            "Remove",
            "Remove profile",
            "Remove the selected profile; on Save its key is removed from the keyring too",
        )
        self.add_btn.clicked.connect(self._add)
        self.duplicate_btn.clicked.connect(self._duplicate)
        self.remove_btn.clicked.connect(self._remove)
        list_buttons = QHBoxLayout()
        list_buttons.setSpacing(4)
        for button in (self.add_btn, self.duplicate_btn, self.remove_btn):
            list_buttons.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.profile_list, 1)
        left.addLayout(list_buttons)

        # Two tabs keep the form within ~760×560 without a scroll area (which would size the
        # wrapped feedback text by its hint instead of its width).
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Profile settings")
        self.tabs.tabBar().setAccessibleName("Profile sections")
        self.tabs.addTab(self._build_endpoint(), "&Connection")
        self.tabs.addTab(self._build_auth(), "&Authentication")
        self.gateway = GatewayPanel(self)
        self.gateway.edited.connect(self._gateway_edited)
        self.gateway.secretEntered.connect(self._save_secret_header)
        self.gateway.secretRemoved.connect(self._remove_secret_header)
        self.tabs.addTab(self.gateway, "&Gateway && cloud")
        self.form_panel = QWidget(self)
        panel = QVBoxLayout(self.form_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self.tabs, 1)
        panel.addWidget(self._build_test())

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_btn = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_btn.setAccessibleName("Save profiles")
        self.cancel_btn = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_btn.setAccessibleName("Cancel")
        self.cancel_btn.setToolTip(
            "Discard the changes to the profiles. Keys you saved or forgot, and sign-ins, "
            "stay as they are."
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.save_error = self._label("", "Save error", tone="error")
        self.save_error.hide()

        body = QHBoxLayout()
        body.addLayout(left, 0)
        body.addWidget(self.form_panel, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(self.save_error)
        outer.addWidget(self.buttons)
        self.profile_list.setFixedWidth(max(170, list_buttons.sizeHint().width()))

        order: list[QWidget] = [
            self.profile_list,
            self.add_btn,
            self.duplicate_btn,
            self.remove_btn,
            self.tabs,
            self.name_edit,
            self.kind_combo,
            self.endpoint_edit,
            self.suggest_btn,
            self.deployments.list,
            self.deployments.add_btn,
            self.deployments.remove_btn,
            self.deployments.default_btn,
            self.deployments.fetch_btn,
            self.deployment_edit,
            self.api_version_edit,
            self.model_edit,
            self.family_combo,
            self.key_radio,
            self.entra_radio,
            self.key_edit,
            self.show_key_btn,
            self.save_key_btn,
            self.forget_key_btn,
            self.session_btn,
            self.use_entra_btn,
            self.entra_mode_combo,
            self.tenant_edit,
            self.client_id_edit,
            self.sign_in_btn,
            self.sign_out_btn,
            self.sign_in_cancel_btn,
            self.copy_code_btn,
            self.test_btn,
            self.test_cancel_btn,
            self.save_btn,
            self.cancel_btn,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _build_endpoint(self) -> QWidget:
        box = QWidget(self)
        self.name_edit = self._line("Profile name", "The profile's name; edit it to rename")
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName("Endpoint kind")
        self.kind_combo.setToolTip(
            "Azure OpenAI (v1): the resource endpoint and a deployment. "
            "Azure OpenAI (api-version): the dated API. "
            "OpenAI-compatible: any base URL (OpenAI, Ollama, vLLM…)."
        )
        for kind in KINDS:
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.kind_combo.currentIndexChanged.connect(self._form_edited)
        self.kind_hint = self._label("", "About this kind", tone="muted")
        self.endpoint_edit = self._line(
            "Endpoint",
            "Paste the endpoint as the portal shows it; chatdesk trims and normalises it",
            _AZURE_PLACEHOLDER,
        )
        self.url_label = self._label("", "Requests go to", tone="muted")
        self.notes_label = self._label("", "Endpoint notes", tone="muted")
        self.endpoint_error = self._label("", "Endpoint error", tone="error")
        self.suggest_btn = self._button(
            "Use", "Use the values from the URL", "Fill in what the pasted URL contained"
        )
        self.suggest_btn.clicked.connect(self._use_suggestions)
        self.suggest_btn.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.deployments = DeploymentsPanel(self)
        self.deployments.edited.connect(self._form_edited)
        self.deployments.fetchRequested.connect(self._fetch_deployments)
        self.deployments_label = QLabel("Deplo&yments", self)
        self.deployments_label.setBuddy(self.deployments.list)
        self.fetch_note = self._label("", "Fetched deployments", tone="muted")
        self.deployment_label = QLabel("Deployment", self)
        self.deployment_edit = self.deployments.deployment_edit
        self.deployment_edit.setToolTip(
            "The deployment name from Azure AI Foundry → Deployments (not the model name)"
        )
        self.deployment_label.setBuddy(self.deployment_edit)
        self.api_version_edit = self._line(
            "API version", "The api-version sent with each request", DEFAULT_API_VERSION
        )
        self.model_edit = self.deployments.model_edit
        self.model_note = self._label("", "What the deployment is taken for")
        self.family_combo = QComboBox(self)
        self.family_combo.setAccessibleName("Fallback model family")
        self.family_combo.setToolTip(
            "How tokens are counted when neither the model nor the deployment name says"
        )
        for key in FAMILIES:
            self.family_combo.addItem(key, key)
        self.family_combo.currentIndexChanged.connect(self._form_edited)
        self.problem_label = self._label("", "Profile problem", tone="error")

        tokens = QHBoxLayout()
        tokens.addWidget(self.model_edit, 3)
        self.tokens_label = tokens_label = QLabel("&Model", self)
        tokens_label.setBuddy(self.model_edit)
        fallback = QLabel("if unknown, estimate as", self)
        fallback.setBuddy(self.family_combo)
        tokens.addWidget(fallback)
        tokens.addWidget(self.family_combo, 2)

        self.form = QFormLayout(box)
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
        self.form.addRow(tokens_label, tokens)
        self._field_row(self.model_note)
        self.form.addRow("API &version", self.api_version_edit)
        self._field_row(self.problem_label)
        return box

    def _field_row(self, widget: QWidget) -> None:
        self.form.setWidget(self.form.rowCount(), QFormLayout.ItemRole.FieldRole, widget)

    def _set_shown(self, widget: QWidget, shown: bool) -> None:
        if self.form.indexOf(widget) >= 0:
            self.form.setRowVisible(widget, shown)  # no empty row spacing left behind
        else:
            widget.setVisible(shown)

    def _build_auth(self) -> QWidget:
        box = QWidget(self)
        self.key_radio = QRadioButton("API key", self)
        self.key_radio.setAccessibleName("Use an API key")
        self.key_radio.setToolTip("Send an API key kept in the system keyring")
        self.entra_radio = QRadioButton("Microsoft Entra ID", self)
        self.entra_radio.setAccessibleName("Use Microsoft Entra ID")
        self.entra_radio.setToolTip(
            "Sign in with your Microsoft account; needs the Cognitive Services OpenAI User role"
        )
        self.auth_group = QButtonGroup(self)
        self.auth_group.addButton(self.key_radio)
        self.auth_group.addButton(self.entra_radio)
        self.key_radio.toggled.connect(self._auth_toggled)
        choice = QHBoxLayout()
        choice.addWidget(self.key_radio)
        choice.addWidget(self.entra_radio)
        choice.addStretch(1)

        self.auth_stack = QStackedWidget(self)
        self.auth_stack.addWidget(self._build_key_page())
        self.auth_stack.addWidget(self._build_entra_page())
        self.auth_stack.currentChanged.connect(self._fit_auth_page)
        self._fit_auth_page(0)
        layout = QVBoxLayout(box)
        layout.addLayout(choice)
        layout.addWidget(self.auth_stack)
        return box

    def _fit_auth_page(self, index: int) -> None:
        # A stack is as tall as its tallest page; only the shown page should count.
        for i in range(self.auth_stack.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.auth_stack.widget(i).setSizePolicy(policy, policy)
        self.auth_stack.adjustSize()

    def _build_key_page(self) -> QWidget:
        page = QWidget(self)
        self.key_edit = _KeyField(page)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setToolTip("Paste the key once; Save key puts it in the keyring")
        self.key_edit.setPlaceholderText("Paste the API key")
        self.key_edit.textChanged.connect(self._refresh_key_ui)
        self.key_edit.returnPressed.connect(self._save_key)
        self.show_key_btn = QToolButton(page)
        self.show_key_btn.setText("Show")
        self.show_key_btn.setCheckable(True)
        self.show_key_btn.setAccessibleName("Show the key")
        self.show_key_btn.setToolTip("Show or hide the key you are typing")
        self.show_key_btn.toggled.connect(self._show_key_toggled)
        self.save_key_btn = self._button(
            "Save key", "Save key", "Store the key in the keyring; the field is cleared"
        )
        self.save_key_btn.clicked.connect(self._save_key)
        self.forget_key_btn = self._button(
            "Forget key", "Forget key", "Remove this profile's key from the keyring"
        )
        self.forget_key_btn.clicked.connect(self._forget_key)
        self.key_status = self._label("", "Key status", tone="muted")
        self.key_error = self._label("", "Key error", tone="error")

        self.notice = QFrame(page)
        self.notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice.setAutoFillBackground(True)
        self.notice.setAccessibleName("Keyring warning")
        self.notice_label = self._label("", "Keyring warning text")
        self.session_btn = self._button(
            "Keep keys in memory for this session",
            "Keep keys in memory for this session",
            "Keys are forgotten when chatdesk exits; nothing is written to a file",
        )
        self.session_btn.clicked.connect(self._use_session_store)
        self.use_entra_btn = self._button(
            "Use Microsoft Entra ID instead",
            "Switch this profile to Microsoft Entra ID",
            "Sign in instead of keeping a key",
        )
        self.use_entra_btn.clicked.connect(lambda: self.entra_radio.setChecked(True))
        notice_buttons = QHBoxLayout()
        notice_buttons.addWidget(self.session_btn)
        notice_buttons.addWidget(self.use_entra_btn)
        notice_buttons.addStretch(1)
        notice_layout = QVBoxLayout(self.notice)
        notice_layout.addWidget(self.notice_label)
        notice_layout.addLayout(notice_buttons)

        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_key_btn)
        row.addWidget(self.save_key_btn)
        row.addWidget(self.forget_key_btn)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.key_status)
        layout.addWidget(self.key_error)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        return page

    def _build_entra_page(self) -> QWidget:
        page = QWidget(self)
        self.entra_mode_combo = QComboBox(page)
        self.entra_mode_combo.setAccessibleName("Sign-in method")
        self.entra_mode_combo.setToolTip(
            "Browser: sign in in your web browser. Device code: finish on any device. "
            "Developer credentials: az login, environment variables or managed identity."
        )
        for mode in ENTRA_MODES:
            self.entra_mode_combo.addItem(ENTRA_MODE_LABELS[mode], mode)
        self.entra_mode_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.entra_mode_combo.setMinimumContentsLength(16)
        self.entra_mode_combo.currentIndexChanged.connect(self._entra_settings_changed)
        self.tenant_edit = self._line(
            "Tenant ID", "Optional: the directory (tenant) ID or domain to sign in to", "optional"
        )
        self.client_id_edit = self._line(
            "Client ID",
            "Advanced, optional: the application (client) ID to sign in with",
            "optional (advanced)",
        )
        for edit in (self.tenant_edit, self.client_id_edit):
            edit.editingFinished.connect(self._refresh_entra_ui)
        self.sign_in_btn = self._button("Sign in", "Sign in", "Sign in with Microsoft Entra ID")
        self.sign_in_btn.clicked.connect(self._sign_in)
        self.sign_out_btn = self._button(
            "Sign out", "Sign out", "Forget this profile's sign-in on this computer"
        )
        self.sign_out_btn.clicked.connect(self._sign_out)
        self.sign_in_cancel_btn = self._button(
            "Cancel sign-in", "Cancel sign-in", "Stop waiting for the sign-in to finish"
        )
        self.sign_in_cancel_btn.clicked.connect(self._cancel_sign_in)
        self.account_label = self._label("", "Sign-in status")
        self.entra_error = self._label("", "Sign-in error", tone="error")
        self.entra_note = self._label("", "Sign-in note", tone="muted")
        self.cache_warning = self._label("", "Sign-in cache warning", tone="muted")

        self.device_panel = QFrame(page)
        self.device_panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.device_panel.setAccessibleName("Device code")
        self.device_hint = self._label("", "Device code instructions")
        self.device_code = self._label("", "Device code to enter")
        self.device_code.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.device_code.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        font = QFont(self.device_code.font())
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.8)
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.device_code.setFont(font)
        self.device_code.setWordWrap(False)
        self.copy_code_btn = self._button("Copy", "Copy the device code", "Copy the code")
        self.copy_code_btn.clicked.connect(self._copy_code)
        self.device_url = QLabel(self.device_panel)
        self.device_url.setTextFormat(Qt.TextFormat.RichText)
        self.device_url.setOpenExternalLinks(True)
        self.device_url.setAccessibleName("Device sign-in address")
        self.device_url.setToolTip("Open this address on any device and enter the code")
        code_row = QHBoxLayout()
        code_row.addWidget(self.device_code)
        code_row.addWidget(self.copy_code_btn)
        code_row.addStretch(1)
        device_layout = QVBoxLayout(self.device_panel)
        device_layout.addWidget(self.device_hint)
        device_layout.addLayout(code_row)
        device_layout.addWidget(self.device_url)
        self.device_panel.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Sign-in &method", self.entra_mode_combo)
        ids = QHBoxLayout()
        ids.addWidget(self.tenant_edit)
        client_label = QLabel("C&lient ID", page)
        client_label.setBuddy(self.client_id_edit)
        ids.addWidget(client_label)
        ids.addWidget(self.client_id_edit)
        tenant_label = QLabel("&Tenant ID", page)
        tenant_label.setBuddy(self.tenant_edit)
        form.addRow(tenant_label, ids)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_btn)
        buttons.addWidget(self.sign_out_btn)
        buttons.addWidget(self.sign_in_cancel_btn)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.account_label)
        layout.addWidget(self.device_panel)
        layout.addWidget(self.entra_error)
        layout.addWidget(self.entra_note)
        layout.addWidget(self.cache_warning)
        layout.addStretch(1)
        return page

    def _build_test(self) -> QWidget:
        box = QWidget(self)
        self.test_btn = self._button(
            "Test connection",
            "Test connection",
            "Send a one-token request with this profile (unsaved edits included)",
        )
        self.test_btn.clicked.connect(self._run_test)
        self.test_cancel_btn = self._button(
            "Cancel test", "Cancel test", "Stop waiting for the test request"
        )
        self.test_cancel_btn.clicked.connect(self._cancel_test)
        self.test_cancel_btn.hide()
        self.test_result = self._label("", "Test result")
        self.test_error = self._label("", "Test error", tone="error")
        self.test_details = self._label("", "Test details", tone="muted")
        row = QHBoxLayout()
        row.addWidget(self.test_btn)
        row.addWidget(self.test_cancel_btn)
        row.addWidget(self.test_result, 1)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.test_error)
        layout.addWidget(self.test_details)
        return box

    def _apply_tones(self) -> None:
        """Colours from the current palette, so light and dark themes both read."""
        base = self.palette()
        muted = base.color(QPalette.ColorRole.PlaceholderText)
        for labels, color in (
            (self._muted, muted),
            (self._errors, status_color("error", base)),
        ):
            for label in labels:
                pal = label.palette()
                pal.setColor(QPalette.ColorRole.WindowText, color)
                label.setPalette(pal)
        pal = self.notice.palette()
        pal.setColor(QPalette.ColorRole.Window, base.color(QPalette.ColorRole.AlternateBase))
        self.notice.setPalette(pal)
        pal = self.notice_label.palette()
        pal.setColor(QPalette.ColorRole.WindowText, status_color("warning", base))
        self.notice_label.setPalette(pal)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_tones()

    # -- drafts and the list -----------------------------------------------------------------
    def _load_drafts(self, select: str | None) -> None:
        saved = self._connections.settings.profiles
        if saved:
            for profile in saved:
                self._drafts.append(
                    ProfileEdit(dataclasses.replace(profile), profile.name, profile.name)
                )
        else:
            # First launch: one new profile, from the environment variables when they are set.
            profile = profile_from_env(self._connections.env) or ConnectionProfile(
                NEW_PROFILE_NAME, "azure-v1", "", ""
            )
            self._drafts.append(ProfileEdit(profile, None, profile.name))
        for draft in self._drafts:
            self.profile_list.addItem(QListWidgetItem(draft.profile.name))
        wanted = select or self._connections.settings.active_profile
        names = [d.profile.name for d in self._drafts]
        self.profile_list.setCurrentRow(names.index(wanted) if wanted in names else 0)
        self._refresh_list()
        self._refresh_save()

    def _fresh_name(self, base: str) -> str:
        """A name no draft, key entry or removed profile uses, so keys cannot collide."""
        taken = {d.profile.name for d in self._drafts} | {d.key_name for d in self._drafts}
        taken |= set(self._removed) | set(self._discarded)
        name, n = base, 2
        while name in taken:
            name, n = f"{base} {n}", n + 1
        return name

    def _append(self, profile: ConnectionProfile) -> None:
        self._drafts.append(ProfileEdit(profile, None, profile.name))
        self.profile_list.addItem(QListWidgetItem(profile.name))
        self.profile_list.setCurrentRow(len(self._drafts) - 1)
        self._refresh_list()
        self._refresh_save()
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _add(self) -> None:
        self._append(ConnectionProfile(self._fresh_name(NEW_PROFILE_NAME), "azure-v1", "", ""))

    def _duplicate(self) -> None:
        source = self._current
        if source is None:
            return
        name = self._fresh_name(f"{source.profile.name} (copy)")
        self._append(dataclasses.replace(source.profile, name=name))
        copy = self._current
        if copy is None or not self._key_stored.get(source.key_name):
            return
        # The copy starts without a key; offer the source's rather than make it paste it again.
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Duplicate profile",
            f"Use the API key of '{source.profile.name.strip()}' for '{name}' too?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setAccessibleName("Reuse the key")
        box.setInformativeText("It is copied within the system keyring; no one sees it.")
        box.finished.connect(lambda result: self._reuse_key(source, copy, result))
        self.reuse_key_box = box
        box.open()

    def _reuse_key(self, source: ProfileEdit, copy: ProfileEdit, result: int) -> None:
        self.reuse_key_box = None
        if result != QMessageBox.StandardButton.Yes or copy not in self._drafts:
            return
        secrets = self._secrets
        names = [(source.key_name, copy.key_name)] + [
            (header_secret_name(source.key_name, h), header_secret_name(copy.key_name, h))
            for h in source.profile.secret_headers
        ]

        def reuse() -> None:
            for old, new in names:
                value = secrets.get(old)
                if value is not None:
                    secrets.set(new, value)

        def copied(_: object) -> None:
            self._key_stored[copy.key_name] = True

        def failed(exc: BaseException) -> None:
            if self._current is copy:
                self.key_error.setText(_secret_error_text(exc, "copy the key"))

        self._key_operation(reuse, copied, failed)

    def _remove(self) -> None:
        draft = self._current
        if draft is None:
            return
        row = self._drafts.index(draft)
        self._stop_operations()
        if draft.original is not None:
            self._removed.append(draft.original)
        else:
            self._discarded.append(draft.key_name)
        self._drafts.pop(row)
        self._current = None
        self.profile_list.takeItem(row)  # may already load the neighbour it selects
        if self._current is None:
            self._row_changed(self.profile_list.currentRow())
            if self._current is None:
                self._show_draft(None)
        self._refresh_save()

    def _row_changed(self, row: int) -> None:
        draft = self._drafts[row] if 0 <= row < len(self._drafts) else None
        if draft is not self._current:
            self._show_draft(draft)

    def _show_draft(self, draft: ProfileEdit | None) -> None:
        self._stop_operations()
        self._current = draft
        self.form_panel.setEnabled(draft is not None)
        self.duplicate_btn.setEnabled(draft is not None)
        self.remove_btn.setEnabled(draft is not None)
        self.key_edit.clear()
        for label in (
            self.fetch_note,
            self.key_error,
            self.entra_error,
            self.entra_note,
            self.test_result,
            self.test_error,
            self.test_details,
        ):
            label.clear()
        if draft is not None:
            self._fill_form(draft.profile)
        self._refresh_all()
        if draft is not None:
            self._probe_key()

    def _fill_form(self, profile: ConnectionProfile) -> None:
        self._loading = True
        try:
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
            (self.key_radio if profile.auth == "key" else self.entra_radio).setChecked(True)
            self.auth_stack.setCurrentIndex(0 if profile.auth == "key" else 1)
            self.entra_mode_combo.setCurrentIndex(
                max(0, self.entra_mode_combo.findData(profile.entra_mode))
            )
            self.tenant_edit.setText(profile.tenant_id or "")
            self.client_id_edit.setText(profile.client_id or "")
            self.gateway.fill(profile, self._proxy)
        finally:
            self._loading = False
        self._refresh_model_note()

    def _form_edited(self, *_: object) -> None:
        draft = self._current
        if self._loading or draft is None:
            return
        previous = draft.profile
        family = self.family_combo.currentData()
        draft.profile = dataclasses.replace(
            previous,
            name=self.name_edit.text(),
            kind=self.kind_combo.currentData(),
            endpoint=self.endpoint_edit.text(),
            api_version=self.api_version_edit.text().strip() or DEFAULT_API_VERSION,
            model_family=family if isinstance(family, str) else DEFAULT_FAMILY,
            entra_mode=self.entra_mode_combo.currentData(),
            tenant_id=self.tenant_edit.text().strip() or None,
            client_id=self.client_id_edit.text().strip() or None,
        )
        draft.profile = self.deployments.apply(draft.profile)
        draft.profile = self.gateway.apply(draft.profile)
        self.gateway.refresh(draft.profile)
        self._refresh_list()
        self._refresh_endpoint()
        self._refresh_save()
        self._refresh_model_note()

    def _refresh_model_note(self) -> None:
        draft = self._current
        text = ""
        if draft is not None:
            text = describe(self.deployments.selected().model_match(draft.profile.model_family))
        if self.model_note.text() != text:
            self.model_note.setText(text)

    def _gateway_edited(self) -> None:
        self._proxy = self.gateway.proxy
        self._form_edited()

    def _save_secret_header(self, name: str, secret: Secret) -> None:
        draft = self._current
        if draft is None:
            return
        secrets = self._secrets
        entry = header_secret_name(draft.key_name, name)

        def saved(_: object) -> None:
            draft.keep_header(name)
            if self._current is draft:
                self.gateway.refresh(draft.profile)
            self._refresh_save()

        def failed(exc: BaseException) -> None:
            if self._current is draft:
                self.gateway.problem_label.setText(_secret_error_text(exc, "save the header"))

        self._key_operation(lambda: secrets.set(entry, secret), saved, failed)

    def _remove_secret_header(self, name: str) -> None:
        draft = self._current
        if draft is None:
            return
        draft.drop_header(name)  # its keyring entry is deleted on Save, kept on Cancel
        self.gateway.refresh(draft.profile)
        self._refresh_save()

    def _entra_settings_changed(self) -> None:
        if self._loading:
            return
        self._form_edited()
        self._refresh_entra_ui()

    def _auth_toggled(self) -> None:
        auth = "key" if self.key_radio.isChecked() else "entra"
        self.auth_stack.setCurrentIndex(0 if auth == "key" else 1)
        draft = self._current
        if self._loading or draft is None or draft.profile.auth == auth:
            return
        # with_auth keeps the other mode's settings; the stored key stays in the keyring.
        draft.profile = draft.profile.with_auth(auth)
        self._refresh_all()

    def _use_suggestions(self) -> None:
        check = self._check(self._current.profile) if self._current else None
        if check is None:
            return
        if check.deployment:
            self.deployment_edit.setText(check.deployment)
            self.deployment_edit.textEdited.emit(check.deployment)  # into the selected entry
        if check.api_version and self.kind_combo.currentData() == "azure-api-version":
            self.api_version_edit.setText(check.api_version)
        self._form_edited()

    def _fetch_deployments(self) -> None:
        """Ask the server for its list (on a worker) and add the names the profile lacks."""
        draft = self._current
        if draft is None:
            return
        self._form_edited()
        profile = draft.profile
        typed = self.key_edit.text().strip() if profile.auth == "key" else ""
        session = self._session(draft)
        credentials = Credentials(
            DraftSecrets(self._secrets, draft, Secret(typed) if typed else None),
            env=self._connections.env,
            entra=lambda _: session,
        )
        self.fetch_note.setText("Asking the server for its list…")
        self.deployments.fetch_btn.setEnabled(False)

        def listed(names: list[str]) -> None:
            if self._current is not draft:
                return
            added = self.deployments.add_listed(names)
            self.fetch_note.setText(
                f"The server lists {len(names)}: {', '.join(names) or 'none'}. "
                f"{added or 'None'} added."
            )

        def failed(exc: BaseException) -> None:
            if self._current is draft:
                text = exc.text if isinstance(exc, ChatError) else type(exc).__name__
                self.fetch_note.setText(f"Could not fetch the list: {text}")

        def finished() -> None:
            self._refresh_endpoint()

        self._run(lambda: list_deployments(profile, credentials), listed, failed, finished)

    # -- validation --------------------------------------------------------------------------
    @staticmethod
    def _check(profile: ConnectionProfile) -> EndpointCheck:
        # As the chat service checks it: OpenAI-compatible servers may run keyless over http.
        return profile.check(sends_secret=profile.kind != "openai-compatible")

    def _problems(self) -> list[str]:
        problems: list[str] = []
        seen: set[str] = set()
        for draft in self._drafts:
            name = draft.profile.name.strip()
            error = self._check(draft.profile).error
            if error is not None:
                problems.append(f"{name or 'A profile without a name'}: {error}")
            elif name in seen:
                problems.append(f"Two profiles are named '{name}'; rename one.")
            seen.add(name)
        gateway = self.gateway.problem() if self._current is not None else None
        if gateway is not None:
            problems.append(gateway)
        return problems

    # -- refreshing what is shown ------------------------------------------------------------
    def _refresh_all(self) -> None:
        self._refresh_endpoint()
        self._refresh_key_ui()
        self._refresh_entra_ui()
        self._refresh_test_ui()
        self._refresh_save()

    def _refresh_list(self) -> None:
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for row, draft in enumerate(self._drafts):
            item = self.profile_list.item(row)
            if item is None:
                continue
            item.setText(draft.profile.name.strip() or "(no name)")
            error = self._check(draft.profile).error
            item.setToolTip(error or KIND_LABELS[draft.profile.kind])
            item.setIcon(warning if error else QIcon())

    def _refresh_endpoint(self) -> None:
        draft = self._current
        if draft is None:
            for label in (self.url_label, self.notes_label, self.endpoint_error):
                label.clear()
            self.problem_label.clear()
            self._sync_visibility()
            return
        profile = draft.profile
        azure = profile.kind != "openai-compatible"
        self.deployment_label.setText("&Deployment" if azure else "Model na&me")
        # Which catalog model it is (counting, limits): for a server's own model names too.
        self.tokens_label.setText("&Model" if azure else "Counted &as")
        self.deployments_label.setText("Deplo&yments" if azure else "Mo&dels")
        self.deployments.set_labels(azure)
        self.deployments.set_fetch(listing_unavailable(profile))
        self.endpoint_edit.setPlaceholderText(
            _AZURE_PLACEHOLDER if azure else _COMPATIBLE_PLACEHOLDER
        )
        self.kind_hint.setText(KIND_HINTS[profile.kind])
        self.form.setRowVisible(self.api_version_edit, profile.kind == "azure-api-version")
        check = self._check(profile)
        on_endpoint = check.field == "endpoint"
        url = ""
        if check.error is None:
            url = profile.resolved_url()
        elif not on_endpoint:
            url = check.url
        self.url_label.setText(f"Requests go to: {url}" if url else "")
        self.notes_label.setText("\n".join(check.notes))
        self.endpoint_error.setText(check.error if check.error and on_endpoint else "")
        self.problem_label.setText(check.error if check.error and not on_endpoint else "")
        suggestions = []
        if check.deployment and check.deployment != profile.deployment.strip():
            suggestions.append(f"deployment '{check.deployment}'")
        if (
            check.api_version
            and profile.kind == "azure-api-version"
            and check.api_version != profile.api_version
        ):
            suggestions.append(f"api-version {check.api_version}")
        self.suggest_btn.setText("Use " + " and ".join(suggestions) if suggestions else "Use")
        self._set_shown(self.suggest_btn, bool(suggestions))
        self._sync_visibility()

    def _sync_visibility(self) -> None:
        for label in (
            self.url_label,
            self.notes_label,
            self.endpoint_error,
            self.problem_label,
            self.fetch_note,
            self.key_error,
            self.entra_error,
            self.entra_note,
            self.cache_warning,
            self.test_error,
            self.test_details,
        ):
            self._set_shown(label, bool(label.text()))

    def _refresh_save(self) -> None:
        problems = self._problems()
        busy = self._saving
        self.save_btn.setEnabled(not problems and not busy)
        if problems:
            self.save_btn.setToolTip("Cannot save yet:\n" + "\n".join(problems))
        else:
            self.save_btn.setToolTip(
                "Save the profiles and use the selected one" if not busy else "Saving…"
            )
        self._refresh_test_ui()

    # -- API key -----------------------------------------------------------------------------
    def _consented(self) -> bool:
        return self._secrets in _SESSION_CONSENT

    def _insecure(self) -> bool:
        status = self._store_status
        return status is not None and not status.secure

    def _probe_key(self) -> None:
        draft = self._current
        if draft is None:
            return
        name = draft.key_name
        secrets = self._secrets
        self._key_stored[name] = None
        self._refresh_key_ui()

        def probe() -> _KeyProbe:
            # A LazySecretStore opens the keyring on `status`: this is why it runs here.
            status = getattr(secrets, "status", None)
            stored = secrets.get(name) is not None
            return _KeyProbe(
                name,
                stored,
                secrets.description,
                status if isinstance(status, KeyringStatus) else None,
            )

        def found(probe: _KeyProbe) -> None:
            self._key_stored[probe.key_name] = probe.stored
            self._store_status = probe.status
            self._store_description = probe.description
            self._store_probed = True

        def failed(exc: BaseException) -> None:
            self._key_stored.pop(name, None)
            if self._current is draft:
                self.key_error.setText(_secret_error_text(exc, "read the keyring"))

        self._run(probe, found, failed, self._refresh_key_ui)

    def _refresh_key_ui(self) -> None:
        draft = self._current
        if draft is None:
            return
        name = draft.key_name
        stored = self._key_stored.get(name, False)
        checking = name in self._key_stored and stored is None
        profile = draft.profile
        env_key = profile.key_env and self._connections.env.get(profile.key_env, "").strip()
        memory = self._insecure() and self._consented()
        if self._key_busy:
            text = "Working on the keyring…"
        elif checking:
            text = "Checking the keyring…"
        elif stored:
            text = f"A key is stored in {self._store_description or 'the keyring'}."
        elif env_key:
            text = (
                f"No key is stored; the key comes from the environment variable {profile.key_env}."
            )
        else:
            text = "No key is stored yet." + (
                " Keys are kept in memory for this session only." if memory else ""
            )
        self.key_status.setText(text)
        blocked = self._insecure() and not self._consented()
        self.notice.setVisible(blocked)
        # The notice lives on the Authentication tab; the tab shows there is something to read.
        warn = blocked and profile.auth == "key"
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.tabs.setTabIcon(1, icon if warn else QIcon())
        self.tabs.setTabToolTip(1, "No secure keyring: read the notice here" if warn else "")
        if blocked and self._store_status is not None:
            self.notice_label.setText(self._store_status.warning or "No secure keyring.")
        idle = not self._key_busy and not checking and self._store_probed
        self.save_key_btn.setEnabled(idle and not blocked and bool(self.key_edit.text().strip()))
        self.save_key_btn.setToolTip(
            "Choose how to keep keys first (see the warning below)"
            if blocked
            else "Store the key in the keyring; the field is cleared"
        )
        self.forget_key_btn.setEnabled(idle and bool(stored))
        self._sync_visibility()

    def _show_key_toggled(self, shown: bool) -> None:
        self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.show_key_btn.setText("Hide" if shown else "Show")
        self.show_key_btn.setAccessibleName("Hide the key" if shown else "Show the key")

    def _save_key(self) -> None:
        draft = self._current
        if draft is None or not self.save_key_btn.isEnabled():
            return
        secret = Secret(self.key_edit.text().strip())
        name = draft.key_name
        secrets = self._secrets
        self.key_error.clear()

        def saved(_: object) -> None:
            self._key_stored[name] = True
            if self._current is draft:
                self.key_edit.clear()
                self.show_key_btn.setChecked(False)

        def failed(exc: BaseException) -> None:
            if self._current is draft:
                self.key_error.setText(_secret_error_text(exc, "save the key"))

        self._key_operation(lambda: secrets.set(name, secret), saved, failed)

    def _forget_key(self) -> None:
        draft = self._current
        if draft is None:
            return
        name = draft.key_name
        secrets = self._secrets
        self.key_error.clear()

        def forgotten(_: object) -> None:
            self._key_stored[name] = False

        def failed(exc: BaseException) -> None:
            if self._current is draft:
                self.key_error.setText(_secret_error_text(exc, "remove the key"))

        self._key_operation(lambda: secrets.delete(name), forgotten, failed)

    def _key_operation(
        self,
        fn: Callable[[], object],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        self._key_busy = True
        self._refresh_key_ui()

        def finished() -> None:
            self._key_busy = False
            self._refresh_key_ui()

        self._run(fn, done, failed, finished)

    def _use_session_store(self) -> None:
        use = getattr(self._secrets, "use_session_store", None)
        if use is not None:
            use(MemorySecretStore())
        _SESSION_CONSENT.add(self._secrets)
        # The memory store starts empty; ask again what is stored, and where.
        self._probe_key()

    # -- Entra ID ----------------------------------------------------------------------------
    def _session(self, draft: ProfileEdit) -> EntraSession:
        return self._connections.entra_session(draft.runtime())

    def _refresh_entra_ui(self) -> None:
        draft = self._current
        if draft is None or draft.profile.auth != "entra":
            return  # the page is hidden; no session needs to exist for a key profile
        running = self._signing_in is not None
        mode = draft.profile.entra_mode
        session = self._session(draft)
        account = session.account
        if running:
            text = {
                "browser": "Signing in… finish the sign-in in your browser.",
                "device-code": "Signing in… waiting for the device code.",
                "default": "Checking your developer sign-in…",
            }[mode]
            if not self.device_panel.isHidden():
                text = "Signing in… waiting for you to enter the code."
        elif account is not None:
            text = _account_text(account)
        elif mode == "default":
            text = "Not checked yet: Sign in checks az login, the environment or managed identity."
        else:
            text = "Not signed in."
        self.account_label.setText(text)
        self.sign_in_btn.setEnabled(not running)
        self.sign_in_btn.setVisible(not running)
        self.sign_in_cancel_btn.setVisible(running)
        self.sign_out_btn.setEnabled(not running and account is not None)
        self.entra_mode_combo.setEnabled(not running)
        self.tenant_edit.setEnabled(not running)
        self.client_id_edit.setEnabled(not running)
        self.cache_warning.setText(session.cache_warning or "")
        if not running:
            self.device_panel.hide()
        self._sync_visibility()

    def _sign_in(self) -> None:
        draft = self._current
        if draft is None or self._signing_in is not None:
            return
        self._form_edited()  # tenant/client as typed, even without leaving the field
        session = self._session(draft)
        cancel = threading.Event()
        self._signing_in = (cancel, draft.key_name)
        self.entra_error.clear()
        self.entra_note.clear()
        self.device_panel.hide()

        def signed_in(account: SignedIn) -> None:
            if self._current is draft:
                self.account_label.setText(_account_text(account))

        def failed(exc: BaseException) -> None:
            if self._current is not draft:
                return
            if isinstance(exc, SignInCancelled):
                self.entra_note.setText("Sign-in cancelled.")
            elif isinstance(exc, SignInError):
                self.entra_error.setText(str(exc))
            else:
                self.entra_error.setText(
                    f"Sign-in failed unexpectedly ({type(exc).__name__}). Try again, or "
                    "choose another sign-in method."
                )

        def finished() -> None:
            if self._signing_in is not None and self._signing_in[0] is cancel:
                self._signing_in = None
            self._refresh_entra_ui()

        self._run(lambda: session.sign_in(cancel, SIGN_IN_TIMEOUT), signed_in, failed, finished)
        self._refresh_entra_ui()

    def _cancel_sign_in(self) -> None:
        if self._signing_in is not None:
            self._signing_in[0].set()
            self.account_label.setText("Cancelling the sign-in…")

    def _show_device_code(self, code: DeviceCode) -> None:
        if self._closed or self._signing_in is None:
            return
        url = html.escape(code.verification_uri, quote=True)
        self.device_hint.setText(
            "Open the address below on any device, enter this code and sign in "
            f"(the code expires at {code.expires_on.astimezone():%H:%M})."
        )
        self.device_code.setText(code.user_code)
        self.device_url.setText(f'<a href="{url}">{url}</a>')
        self.device_panel.show()
        self.account_label.setText("Signing in… waiting for you to enter the code.")

    def _copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.device_code.text())

    def _sign_out(self) -> None:
        draft = self._current
        if draft is None or self._signing_in is not None:
            return
        # Forgets the saved record and removes the account's tokens from the token caches
        # (the OS keyring: on a worker).
        session = self._session(draft)
        self.entra_error.clear()
        self.sign_out_btn.setEnabled(False)
        self.account_label.setText("Signing out…")

        def failed(exc: BaseException) -> None:
            if self._current is draft:
                self.entra_error.setText(f"Sign-out failed ({type(exc).__name__}).")

        self._run(session.sign_out, lambda _: None, failed, self._refresh_entra_ui)

    # -- test connection ---------------------------------------------------------------------
    def _refresh_test_ui(self) -> None:
        draft = self._current
        running = self._test is not None
        error = self._check(draft.profile).error if draft is not None else "No profile."
        self.test_btn.setEnabled(not running and error is None)
        self.test_btn.setToolTip(
            f"Fix the profile first: {error}"
            if error
            else "Send a one-token request with this profile (unsaved edits included)"
        )
        self.test_cancel_btn.setVisible(running)

    def _run_test(self) -> None:
        draft = self._current
        if draft is None or self._test is not None:
            return
        token = CancelToken()
        self._test = (token, draft.key_name)
        # What is on screen: the current name (for messages), unsaved edits, and a key typed
        # but not saved, which is used for this request and never stored.
        profile = draft.profile
        typed = self.key_edit.text().strip() if profile.auth == "key" else ""
        session = self._session(draft)
        credentials = Credentials(
            DraftSecrets(self._secrets, draft, Secret(typed) if typed else None),
            env=self._connections.env,
            entra=lambda _: session,
        )
        service_type = type(self._service)
        self.test_result.setText("Testing…")
        self.test_error.clear()
        self.test_details.clear()

        def test() -> Diagnosis:
            service = service_type(credentials)
            try:
                return service.test_connection(profile, cancel=token)
            finally:
                service.close()

        def diagnosed(diagnosis: Diagnosis) -> None:
            if self._current is draft:
                self._show_diagnosis(diagnosis, token.cancelled)

        def failed(exc: BaseException) -> None:
            if self._current is draft:
                self.test_result.clear()
                self.test_error.setText(f"The test failed unexpectedly ({type(exc).__name__}).")

        def finished() -> None:
            if self._test is not None and self._test[0] is token:
                self._test = None
            self._refresh_test_ui()
            self._sync_visibility()

        self._run(test, diagnosed, failed, finished)
        self._refresh_test_ui()
        self._sync_visibility()

    def _show_diagnosis(self, diagnosis: Diagnosis, cancelled: bool) -> None:
        details = [f"Requests go to: {diagnosis.url}", f"Authentication: {diagnosis.auth_kind}"]
        if diagnosis.ok:
            self.test_result.setText(f"Connected: {_latency_text(diagnosis.latency_ms)}.")
            self.test_error.clear()
            if diagnosis.model:
                details.append(f"Model: {diagnosis.model}")
        elif cancelled or diagnosis.error is None:
            self.test_result.setText("The connection test was cancelled.")
            self.test_error.clear()
        else:
            error = diagnosis.error
            self.test_result.clear()
            self.test_error.setText(
                "\n".join(t for t in (error.title, error.message, error.action) if t)
            )
        self.test_details.setText("\n".join(details))

    def _cancel_test(self) -> None:
        if self._test is not None:
            self._test[0].cancel()
            self.test_result.setText("Cancelling…")

    # -- workers -----------------------------------------------------------------------------
    def _run(
        self,
        fn: Callable[[], Any],
        returned: Callable[[Any], None],
        errored: Callable[[BaseException], None],
        finished: Callable[[], None],
    ) -> FunctionWorker:
        """Run `fn` on the pool; the callbacks run on the GUI thread while the dialog is open."""
        worker = FunctionWorker(fn)  # no parent: it may outlive the dialog

        def guard(handler: Callable[..., None]) -> Callable[..., None]:
            def call(*args: Any) -> None:
                if shiboken6.isValid(self) and not self._closed:
                    handler(*args)

            return call

        def done() -> None:
            guard(finished)()
            if shiboken6.isValid(self):
                self._workers.discard(worker)
            # Dropped on the next turn of the event loop, not inside its own signal.
            QTimer.singleShot(0, lambda: _RUNNING.discard(worker))

        worker.returned.connect(guard(returned))
        worker.errored.connect(guard(errored))
        worker.finished.connect(done)
        _RUNNING.add(worker)
        self._workers.add(worker)
        worker.start()
        return worker

    @property
    def busy(self) -> bool:
        """A worker of this dialog is still running (tests wait for this to turn False)."""
        return bool(self._workers)

    def _stop_operations(self) -> None:
        """Cancel sign-in and test: they belong to the profile that is being left."""
        if self._signing_in is not None:
            self._signing_in[0].set()
            self._signing_in = None
        if self._test is not None:
            self._test[0].cancel()
            self._test = None
        self.device_panel.hide()

    # -- save --------------------------------------------------------------------------------
    def _moves(self) -> Moves:
        record = self._connections.record_path
        probe = ConnectionProfile("", "azure-v1", "", "")
        return plan_moves(
            self._drafts,
            self._removed + self._discarded,
            lambda name: record(dataclasses.replace(probe, name=name)),
        )

    def _save(self) -> None:
        if self._saving or self._problems():
            return
        self._stop_operations()
        moves = self._moves()
        self.save_error.hide()
        if not moves:
            self._commit()
            return
        self._saving = True
        self._refresh_save()
        secrets = self._secrets

        def failed(exc: BaseException) -> None:
            self.save_error.setText(
                "Nothing was saved: " + _secret_error_text(exc, "move the keys of renamed profiles")
            )
            self.save_error.show()

        def finished() -> None:
            self._saving = False
            self._refresh_save()

        self._run(lambda: apply_moves(secrets, moves), lambda _: self._commit(), failed, finished)

    def _commit(self) -> None:
        selected = final_profile(self._current.profile).name if self._current else None
        try:
            commit(
                self._connections.settings,
                self._drafts,
                self._removed,
                selected,
                self._save_settings,
                proxy=self._proxy,
            )
        except (OSError, ValueError) as exc:
            self.save_error.setText(f"The settings could not be saved: {exc}")
            self.save_error.show()
            return
        self._connections.apply_network_settings()
        self.profilesChanged.emit()
        self.accept()

    # -- closing -----------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        if self._closed:  # shown again after closing
            self._closed = False
            self._previous_callback = self._connections.device_code_callback
            self._connections.device_code_callback = self._deliver
            self._refresh_all()
        super().showEvent(event)

    def done(self, result: int) -> None:
        """Close: cancel what runs; workers finish on their own and touch nothing here."""
        self._stop_operations()
        self._closed = True
        if self._connections.device_code_callback is self._deliver:
            self._connections.device_code_callback = self._previous_callback
        super().done(result)


__all__ = ["ENTRA_MODE_LABELS", "KIND_LABELS", "ConnectionDialog"]
