"""The Microsoft Entra ID page of the Connections dialog: the sign-in method, tenant and client
IDs, Sign in / Sign out, and the device code while a device-code sign-in waits.

Sign-in blocks (a browser or another device), so it runs on a worker and can be cancelled;
sign-out removes tokens from the OS keyring, so it runs on a worker too. The device code comes
from the sign-in thread through the dialog (`show_device_code`, on the GUI thread).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from chatdesk.core.profiles import ENTRA_MODES
from chatdesk.service.entra import DeviceCode, SignedIn, SignInCancelled, SignInError
from chatdesk.service.events import CancelToken
from chatdesk.service.network import Network, NetworkSetupError, current
from chatdesk.ui.connection_widgets import ENTRA_MODE_LABELS, FormHost, account_text, button, line
from chatdesk.ui.qt.core import Qt, Signal
from chatdesk.ui.qt.gui import QFont, QGuiApplication
from chatdesk.ui.qt.widgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

SIGN_IN_TIMEOUT = 300.0


class EntraPanel(QWidget):
    """Signals: signedChanged() — the profile signed in or out: what a test said is old."""

    signedChanged = Signal()

    def __init__(
        self, host: FormHost, parent: QWidget, network: Callable[[], Network] = current
    ) -> None:
        """`network`: the choices on screen, the proxy as typed, which sign-in goes through as
        Test connection does (raises NetworkSetupError for one that cannot be used)."""
        super().__init__(parent)
        self._host = host
        self._network = network
        self._signing_in: tuple[CancelToken, str] | None = None  # (cancel, key_name)
        self._account_shown: SignedIn | None = None  # the account `refresh` last showed
        self.entra_mode_combo = QComboBox(self)
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
        self.entra_mode_combo.currentIndexChanged.connect(self._settings_changed)
        self.tenant_edit = line(
            self, "Tenant ID", "Optional: the directory (tenant) ID or domain to sign in to",
            "optional", host.form_edited,
        )  # fmt: skip
        self.client_id_edit = line(
            self, "Client ID", "Advanced, optional: the application (client) ID to sign in with",
            "optional (advanced)", host.form_edited,
        )  # fmt: skip
        for edit in (self.tenant_edit, self.client_id_edit):
            edit.editingFinished.connect(self.refresh)
        self.sign_in_btn = button(self, "Sign in", "Sign in", "Sign in with Microsoft Entra ID")
        self.sign_in_btn.clicked.connect(self.sign_in)
        self.sign_out_btn = button(
            self, "Sign out", "Sign out", "Forget this profile's sign-in on this computer"
        )
        self.sign_out_btn.clicked.connect(self.sign_out)
        self.sign_in_cancel_btn = button(
            self, "Cancel sign-in", "Cancel sign-in", "Stop waiting for the sign-in to finish"
        )
        self.sign_in_cancel_btn.clicked.connect(self.cancel)
        tones = host.tones
        self.account_label = tones.label(self, "", "Sign-in status")
        self.entra_error = tones.label(self, "", "Sign-in error", tone="error")
        self.entra_note = tones.label(self, "", "Sign-in note", tone="muted")
        self.cache_warning = tones.label(self, "", "Sign-in cache warning", tone="muted")
        self._build_device_panel()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Sign-in &method", self.entra_mode_combo)
        ids = QHBoxLayout()
        ids.addWidget(self.tenant_edit)
        client_label = QLabel("C&lient ID", self)
        client_label.setBuddy(self.client_id_edit)
        ids.addWidget(client_label)
        ids.addWidget(self.client_id_edit)
        tenant_label = QLabel("&Tenant ID", self)
        tenant_label.setBuddy(self.tenant_edit)
        form.addRow(tenant_label, ids)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_btn)
        buttons.addWidget(self.sign_out_btn)
        buttons.addWidget(self.sign_in_cancel_btn)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.account_label)
        layout.addWidget(self.device_panel)
        layout.addWidget(self.entra_error)
        layout.addWidget(self.entra_note)
        layout.addWidget(self.cache_warning)
        layout.addStretch(1)

    def _build_device_panel(self) -> None:
        self.device_panel = QFrame(self)
        self.device_panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.device_panel.setAccessibleName("Device code")
        self.device_hint = self._host.tones.label(self, "", "Device code instructions")
        self.device_code = self._host.tones.label(self, "", "Device code to enter")
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
        self.copy_code_btn = button(self, "Copy", "Copy the device code", "Copy the code")
        self.copy_code_btn.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.device_code.text())
        )
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

    # -- the profile -------------------------------------------------------------------------
    def fill(self, mode: str, tenant_id: str | None, client_id: str | None) -> None:
        self.entra_mode_combo.setCurrentIndex(max(0, self.entra_mode_combo.findData(mode)))
        self.tenant_edit.setText(tenant_id or "")
        self.client_id_edit.setText(client_id or "")

    def values(self) -> dict[str, str | None]:
        """The fields for `msgspec.structs.replace(profile, **values)`."""
        return {
            "entra_mode": self.entra_mode_combo.currentData(),
            "tenant_id": self.tenant_edit.text().strip() or None,
            "client_id": self.client_id_edit.text().strip() or None,
        }

    def clear(self) -> None:
        self.entra_error.clear()
        self.entra_note.clear()

    def sync(self) -> None:
        for label in (self.entra_error, self.entra_note, self.cache_warning):
            label.setVisible(bool(label.text()))
        # One status line at a time: after a failed or cancelled sign-in, "Not checked yet…"
        # or "Not signed in." beside the reason said the same thing twice, or the opposite.
        told = bool(self.entra_error.text() or self.entra_note.text())
        self.account_label.setVisible(not (told and self._account_shown is None))

    def _settings_changed(self) -> None:
        self._host.form_edited()
        self.refresh()

    def refresh(self) -> None:
        draft = self._host.current
        if draft is None or draft.profile.auth != "entra":
            return  # the page is hidden; no session needs to exist for a key profile
        running = self._signing_in is not None
        mode = draft.profile.entra_mode
        session = self._host.session(draft)
        account = self._account_shown = session.account
        if running:
            text = {
                "browser": "Signing in… finish the sign-in in your browser.",
                "device-code": "Signing in… waiting for the device code.",
                "default": "Checking your developer sign-in…",
            }[mode]
            if not self.device_panel.isHidden():
                text = "Signing in… waiting for you to enter the code."
        elif account is not None:
            text = account_text(account)
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
        self.cache_warning.setText((session.cache_warning or "") if account is not None else "")
        if not running:
            self.device_panel.hide()
        self.sync()

    # -- sign-in and sign-out ----------------------------------------------------------------
    def sign_in(self) -> None:
        draft = self._host.current
        if draft is None or self._signing_in is not None:
            return
        self._host.form_edited()  # tenant/client as typed, even without leaving the field
        try:
            network = self._network()  # a proxy typed and not saved is tried too
        except NetworkSetupError as exc:
            self.clear()
            self.entra_error.setText(str(exc))
            self.sync()
            return
        session = self._host.session(draft)
        cancel = CancelToken()
        self._signing_in = (cancel, draft.key_name)
        self.clear()
        self.device_panel.hide()

        def signed_in(account: SignedIn) -> None:
            if self._host.current is draft:
                self.account_label.setText(account_text(account))
                self.signedChanged.emit()

        def failed(exc: BaseException) -> None:
            if self._host.current is not draft:
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
            self.refresh()

        self._host.run(
            lambda: session.sign_in(cancel, SIGN_IN_TIMEOUT, network=network),
            signed_in,
            failed,
            finished,
        )
        self.refresh()

    def cancel(self) -> None:
        if self._signing_in is not None:
            self._signing_in[0].cancel()
            self.account_label.setText("Cancelling the sign-in…")

    @property
    def signing_in(self) -> bool:
        return self._signing_in is not None

    def stop(self) -> None:
        """The profile is being left: cancel its sign-in."""
        if self._signing_in is not None:
            self._signing_in[0].cancel()
            self._signing_in = None
        self.device_panel.hide()

    def show_device_code(self, code: DeviceCode) -> None:
        if self._signing_in is None:
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

    def sign_out(self) -> None:
        draft = self._host.current
        if draft is None or self._signing_in is not None:
            return
        # Forgets the saved record and removes the account's tokens from the token caches
        # (the OS keyring: on a worker).
        session = self._host.session(draft)
        self.entra_error.clear()
        self.sign_out_btn.setEnabled(False)
        self.account_label.setText("Signing out…")

        def failed(exc: BaseException) -> None:
            if self._host.current is draft:
                self.entra_error.setText(f"Sign-out failed ({type(exc).__name__}).")

        def signed_out(_: object) -> None:
            if self._host.current is draft:
                self.signedChanged.emit()

        self._host.run(session.sign_out, signed_out, failed, self.refresh)
