"""The connection settings dialog: profiles, their endpoint and auth, keys, sign-in and a test.

A thin form: the profiles' list, the tabs and Save. Each part is a panel of its own —
`connection_endpoint` (name, kind, endpoint, deployments), `connection_key` (API key),
`connection_entra` (Entra ID sign-in), `connection_gateway` (cloud, headers, proxy),
`connection_test` (Test connection) — and the profile-edit transaction (renames, moving keys,
header secrets and sign-in records) is `service/profile_edits.py`, without Qt.

Edits live in drafts until Save. The keyring, Entra sign-in and the test request can block, so
each runs on a `FunctionWorker`; its result comes back as a queued signal and only then touches
widgets. Keys typed go to the secret store (on Save, for every profile; Cancel drops them) and
are never kept in a draft, the settings or any text the dialog shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec.structs

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.client import Credentials, header_secret_name
from chatdesk.service.connections import Connections
from chatdesk.service.entra import DeviceCode, EntraSession
from chatdesk.service.network import network_for
from chatdesk.service.profile_edits import (
    DraftSecrets,
    Moves,
    ProfileEdit,
    apply_moves,
    commit,
    final_profile,
    plan_moves,
)
from chatdesk.service.secrets import Secret, SecretStore
from chatdesk.ui.connection_auth import AuthTab
from chatdesk.ui.connection_endpoint import EndpointPanel, check
from chatdesk.ui.connection_entra import EntraPanel
from chatdesk.ui.connection_form import form_column, onto_screen, opening_size
from chatdesk.ui.connection_gateway import GatewayPanel
from chatdesk.ui.connection_key import KeyPanel
from chatdesk.ui.connection_profiles import NEW_PROFILE_NAME, ProfileList
from chatdesk.ui.connection_test import TestPanel
from chatdesk.ui.connection_widgets import (
    ENTRA_MODE_LABELS,
    KIND_LABELS,
    DialogWorkers,
    Tones,
    secret_error_text,
)
from chatdesk.ui.qt.core import QEvent, QObject, QTimer, Signal
from chatdesk.ui.qt.gui import QIcon
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from chatdesk.ui.worker import Worker

if TYPE_CHECKING:  # the openai SDK loads with the service, not with this dialog
    from chatdesk.service.chat import ChatService


class _DeviceCodeBridge(QObject):
    """Carries a device code from the sign-in thread to the GUI thread (a queued signal)."""

    deviceCode = Signal(object)


class ConnectionDialog(QDialog):
    """Edit connection profiles: endpoint, API key or Entra ID sign-in, and test them.

    Signals: profilesChanged() after Save has written the profiles and the active profile.
    Open it with open() or show(); Save stores typed keys, writes into `connections.settings`
    and calls `save_settings`, Cancel discards edits and typed keys (Save key's stay saved).
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
        self.connections = connections
        self.secrets: SecretStore = connections.secrets
        self.tones = Tones()
        self._save_settings = save_settings
        self._loading = False  # filling the form from a draft: edits are not the user's
        self._closed = False
        self._saving = False
        self._workers = DialogWorkers(self, lambda: self._closed)
        self._proxy = connections.settings.proxy  # edited on the Gateway tab, saved on Save

        self._bridge = _DeviceCodeBridge()
        self._previous_callback = connections.device_code_callback
        bridge = self._bridge

        def deliver(code: DeviceCode) -> None:  # called on the sign-in thread
            bridge.deviceCode.emit(code)

        self._deliver = deliver
        connections.device_code_callback = deliver

        self._build(service)
        self._bridge.deviceCode.connect(self._show_device_code)
        self._apply_tones()
        self.profiles.load(
            connections.settings.profiles,
            connections.env,
            select or connections.settings.active_profile,
            connections.settings.active_profile,
        )
        self.refresh_save()
        self.resize(opening_size(self))

    # -- what the panels ask of the dialog (FormHost) ----------------------------------------
    @property
    def current(self) -> ProfileEdit | None:
        return self.profiles.current

    def holds(self, draft: ProfileEdit) -> bool:
        return draft in self.profiles.drafts

    def session(self, draft: ProfileEdit) -> EntraSession:
        return self.connections.entra_session(draft.runtime())

    def draft_credentials(self, draft: ProfileEdit) -> Credentials:
        """What is on screen: the current name, unsaved edits, and a key typed but not saved,
        which is used and never stored."""
        typed = self.key_panel.typed(draft) if draft.profile.auth == "key" else None
        session = self.session(draft)
        return Credentials(
            DraftSecrets(self.secrets, draft, typed),
            env=self.connections.env,
            entra=lambda _: session,
        )

    # -- construction ------------------------------------------------------------------------
    def _build(self, service: ChatService) -> None:
        # Left: the profiles.
        self.profiles = ProfileList(self)
        self.profiles.selected.connect(self._show_draft)
        self.profiles.leaving.connect(self._stop_operations)
        self.profiles.duplicated.connect(lambda s, c: self.key_panel.offer_key(s, c))
        self.profiles.added.connect(self._name_new_profile)
        self.profile_list = self.profiles.profile_list
        self.add_btn, self.duplicate_btn, self.remove_btn = (
            self.profiles.add_btn, self.profiles.duplicate_btn, self.profiles.remove_btn,
        )  # fmt: skip

        # Three tabs keep the form within ~760×560; on a low screen it scrolls (FormScroll).
        typed = lambda: network_for(self._proxy)  # noqa: E731 -- tried by sign-in and test
        self.endpoint_panel = EndpointPanel(self, self, typed)
        self.key_panel = KeyPanel(self, self)
        self.key_panel.warningChanged.connect(self._key_warning)
        self.key_panel.useEntra.connect(lambda: self.entra_radio.setChecked(True))
        self.entra_panel = EntraPanel(self, self, typed)
        self.gateway = GatewayPanel(self)
        self.gateway.edited.connect(self._gateway_edited)
        self.gateway.secretEntered.connect(self._save_secret_header)
        self.gateway.secretRemoved.connect(self._remove_secret_header)
        self.test_panel = TestPanel(self, service, self, typed)
        self.gateway.proxy_edit.textEdited.connect(lambda _: self.test_panel.forget())
        # A test result belongs to the sign-in or key it tested, not to the one after.
        self.entra_panel.signedChanged.connect(self.test_panel.forget)
        self.key_panel.keyForgotten.connect(self.test_panel.forget)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Profile settings")
        self.tabs.tabBar().setAccessibleName("Profile sections")
        self.tabs.addTab(self.endpoint_panel, "&Connection")
        self.auth_tab = AuthTab(self.key_panel, self.entra_panel, self)
        self.auth_tab.chosen.connect(self._auth_chosen)
        self.key_radio, self.entra_radio = self.auth_tab.key_radio, self.auth_tab.entra_radio
        self.auth_stack = self.auth_tab.auth_stack
        self.tabs.addTab(self.auth_tab, "&Authentication")
        self.tabs.addTab(self.gateway, "&Gateway && cloud")
        self.form_panel, self.form_scroll = form_column(self.tabs, self.test_panel, self)

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
        self.save_error = self.tones.label(self, "", "Save error", tone="error")
        self.save_error.hide()

        body = QHBoxLayout()
        body.addWidget(self.profiles, 0)
        body.addWidget(self.form_scroll, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(self.save_error)
        outer.addWidget(self.buttons)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        e, k, a, t = self.endpoint_panel, self.key_panel, self.entra_panel, self.test_panel
        d = e.deployments
        order: list[QWidget] = [
            self.profile_list, self.add_btn, self.duplicate_btn, self.remove_btn,
            self.profiles.use_btn, self.tabs,
            e.name_edit, e.kind_combo, e.endpoint_edit, e.suggest_btn, d.list, d.add_btn,
            d.remove_btn, d.default_btn, d.fetch_btn, e.deployment_edit, e.model_edit,
            e.family_combo, e.api_version_edit, self.key_radio, self.entra_radio, k.key_edit,
            k.show_key_btn, k.save_key_btn, k.forget_key_btn, k.session_btn, k.use_entra_btn,
            a.entra_mode_combo, a.tenant_edit, a.client_id_edit, a.sign_in_btn, a.sign_out_btn,
            a.sign_in_cancel_btn, a.copy_code_btn, t.test_btn, t.test_cancel_btn, self.save_btn,
            self.cancel_btn,
        ]  # fmt: skip
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _apply_tones(self) -> None:
        """Colours from the current palette, so light and dark themes both read."""
        self.tones.apply(self.palette())
        self.key_panel.apply_tones()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_tones()

    def _key_warning(self, warn: bool) -> None:
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.tabs.setTabIcon(1, icon if warn else QIcon())
        self.tabs.setTabToolTip(1, "No secure keyring: read the notice here" if warn else "")

    # -- the profile shown -------------------------------------------------------------------
    def _name_new_profile(self) -> None:
        self.refresh_save()
        self.endpoint_panel.name_edit.setFocus()
        self.endpoint_panel.name_edit.selectAll()

    def _show_draft(self, draft: ProfileEdit | None) -> None:
        self._stop_operations()
        self.form_panel.setEnabled(draft is not None)
        for panel in (self.key_panel, self.entra_panel, self.test_panel, self.endpoint_panel):
            panel.clear()
        if draft is not None:
            self._fill_form(draft.profile)
            self.key_panel.fill(draft)  # a key typed for it before another was shown
        self._refresh_all()
        if draft is not None:
            self.key_panel.probe()

    def _fill_form(self, profile: ConnectionProfile) -> None:
        self._loading = True
        try:
            self.endpoint_panel.fill(profile)
            self.auth_tab.show_auth(profile.auth)
            self.entra_panel.fill(profile.entra_mode, profile.tenant_id, profile.client_id)
            self.gateway.fill(profile, self._proxy)
        finally:
            self._loading = False
        self.endpoint_panel.refresh_model_note(profile)

    def form_edited(self, *_: object) -> None:
        draft = self.current
        if self._loading or draft is None:
            return
        before = draft.profile
        profile = self.endpoint_panel.apply(draft.profile)
        profile = msgspec.structs.replace(profile, **self.entra_panel.values())
        draft.profile = self.gateway.apply(profile)
        if draft.profile != before:
            self.test_panel.forget()
        self.gateway.refresh(draft.profile)
        self.profiles.refresh()
        self.endpoint_panel.refresh(draft.profile)
        self.refresh_save()
        self.endpoint_panel.refresh_model_note(draft.profile)

    def _gateway_edited(self) -> None:
        self._proxy = self.gateway.proxy
        self.form_edited()

    def _save_secret_header(self, name: str, secret: Secret) -> None:
        draft = self.current
        if draft is None:
            return
        secrets = self.secrets
        entry = header_secret_name(draft.key_name, name)

        def saved(_: object) -> None:
            draft.keep_header(name)
            if self.current is draft:
                self.gateway.refresh(draft.profile)
                self.gateway.secret_kept(name)
            self.refresh_save()

        def failed(exc: BaseException) -> None:
            if self.current is draft:
                self.gateway.problem_label.setText(secret_error_text(exc, "save the header"))

        self.key_panel.operation(lambda: secrets.set(entry, secret), saved, failed)

    def _remove_secret_header(self, name: str) -> None:
        draft = self.current
        if draft is None:
            return
        draft.drop_header(name)  # its keyring entry is deleted on Save, kept on Cancel
        self.gateway.refresh(draft.profile)
        self.refresh_save()

    def _auth_chosen(self, auth: str) -> None:
        draft = self.current
        if self._loading or draft is None or draft.profile.auth == auth:
            return
        # with_auth keeps the other mode's settings; the stored key stays in the keyring.
        draft.profile = draft.profile.with_auth("key" if auth == "key" else "entra")
        self.test_panel.forget()
        self._refresh_all()

    # -- validation and what is shown --------------------------------------------------------
    def _problems(self) -> list[str]:
        problems: list[str] = []
        seen: set[str] = set()
        for draft in self.profiles.drafts:
            name = draft.profile.name.strip()
            error = check(draft.profile).error
            if error is not None:
                problems.append(f"{name or 'A profile without a name'}: {error}")
            elif name in seen:
                problems.append(f"Two profiles are named '{name}'; rename one.")
            seen.add(name)
        gateway = self.gateway.problem() if self.current is not None else None
        if gateway is not None:
            problems.append(gateway)
        return problems

    def _refresh_all(self) -> None:
        self.endpoint_panel.refresh(self.current.profile if self.current else None)
        self.key_panel.refresh()
        self.entra_panel.refresh()
        self.refresh_save()

    def refresh_save(self) -> None:
        problems = self._problems()
        busy = self._saving
        self.save_btn.setEnabled(not problems and not busy)
        tip = "Saving…" if busy else "Save the profiles"
        self.save_btn.setToolTip("Cannot save yet:\n" + "\n".join(problems) if problems else tip)
        draft = self.current
        self.test_panel.refresh(check(draft.profile).error if draft is not None else "No profile.")

    def _show_device_code(self, code: DeviceCode) -> None:
        if not self._closed:
            self.entra_panel.show_device_code(code)

    # -- workers -----------------------------------------------------------------------------
    def run(
        self,
        fn: Callable[[], Any],
        returned: Callable[[Any], None],
        errored: Callable[[BaseException], None],
        finished: Callable[[], None],
    ) -> Worker:
        """Run `fn` off the GUI thread; the callbacks run on the GUI thread while the dialog is
        open."""
        return self._workers.run(fn, returned, errored, finished)

    @property
    def busy(self) -> bool:
        """A worker of this dialog is still running (tests wait for this to turn False)."""
        return self._workers.busy

    def _stop_operations(self) -> None:
        """Cancel sign-in and test: they belong to the profile that is being left."""
        self.entra_panel.stop()
        self.test_panel.stop()

    # -- save --------------------------------------------------------------------------------
    def _moves(self) -> Moves:
        record = self.connections.record_path
        probe = ConnectionProfile("", "azure-v1", "", "")
        return plan_moves(
            self.profiles.drafts,
            {
                name: self.profiles.gone_headers.get(name, [])
                for name in self.profiles.removed + self.profiles.discarded
            },
            lambda name: record(msgspec.structs.replace(probe, name=name)),
        )

    def _save(self) -> None:
        if self._saving or self._problems():
            return
        self._stop_operations()
        self.save_error.hide()
        keys = self.key_panel.pending(self.profiles.drafts)
        if not keys:
            self._save_profiles()
            return
        # Typed keys (any profile's) are stored first, as Save key does: nothing pasted is lost.
        self._saving = True
        self.refresh_save()

        def stored(ok: bool) -> None:
            self._saving = False
            if ok:
                self._save_profiles()
            else:
                self.key_panel.ask_keep_in_memory(self._save, len(keys))
            self.refresh_save()

        def failed(exc: BaseException) -> None:
            self._saving = False
            self.save_error.setText("Nothing was saved: " + secret_error_text(exc, "save the key"))
            self.save_error.show()
            self.refresh_save()

        self.key_panel.store_pending(keys, stored, failed)

    def _save_profiles(self) -> None:
        moves = self._moves()
        if not moves:
            self._commit()
            return
        self._saving = True
        self.refresh_save()
        secrets = self.secrets

        def failed(exc: BaseException) -> None:
            self.save_error.setText(
                "Nothing was saved: " + secret_error_text(exc, "move the keys of renamed profiles")
            )
            self.save_error.show()

        def finished() -> None:
            self._saving = False
            self.refresh_save()

        self.run(lambda: apply_moves(secrets, moves), lambda _: self._commit(), failed, finished)

    def _commit(self) -> None:
        default = self.profiles.default  # the active profile: only "Use for new…" changes it
        selected = final_profile(default.profile).name if default else None
        try:
            commit(
                self.connections.settings,
                self.profiles.drafts,
                self.profiles.removed,
                selected,
                self._save_settings,
                proxy=self._proxy,
            )
        except (OSError, ValueError) as exc:
            self.save_error.setText(f"The settings could not be saved: {exc}")
            self.save_error.show()
            return
        self.connections.apply_network_settings()
        self.profilesChanged.emit()
        self.accept()

    # -- closing -----------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        if self._closed:  # shown again after closing
            self._closed = False
            self._previous_callback = self.connections.device_code_callback
            self.connections.device_code_callback = self._deliver
            self._refresh_all()
        super().showEvent(event)
        # Once shown, and again once the window manager has framed it.
        onto_screen(self)
        QTimer.singleShot(0, self, lambda: onto_screen(self))

    def done(self, result: int) -> None:
        """Close: cancel what runs; workers finish on their own and touch nothing here."""
        self._stop_operations()
        self.key_panel.forget_typed()  # stored by Save, or discarded by Cancel
        self._closed = True
        if self.connections.device_code_callback is self._deliver:
            self.connections.device_code_callback = self._previous_callback
        super().done(result)


__all__ = ["ENTRA_MODE_LABELS", "KIND_LABELS", "NEW_PROFILE_NAME", "ConnectionDialog"]
