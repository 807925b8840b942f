"""The API key page of the Connections dialog: paste a key, Save key (to the keyring), Forget
key, and what to do where no secure keyring exists (keep keys in memory for this session, or use
Entra ID instead).

The keyring can block (a locked keyring, a slow D-Bus), so every read and write runs on a
worker; the key goes from the field to the secret store and is never written anywhere else. A
key typed for a profile and not saved with Save key stays with that profile while others are
shown (in memory, as the `Secret` typed), is stored by the dialog's Save and dropped by
Cancel. Signals: warningChanged(bool) — the no-secure-keyring notice shows (or not) for a key
profile; useEntra() — the person chose Entra ID instead; keyForgotten() — the stored key was
removed: what a test with it said is old.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from chatdesk.service.client import header_secret_name
from chatdesk.service.connections import LazySecretStore
from chatdesk.service.profile_edits import ProfileEdit
from chatdesk.service.secrets import KeyringStatus, MemorySecretStore, Secret
from chatdesk.ui.connection_widgets import FormHost, KeyField, button, secret_error_text
from chatdesk.ui.palette import status_color
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# Secret stores whose user agreed to keep keys in memory for this session (no secure keyring).
# The store's status stays "insecure" after use_session_store, so the choice is remembered here.
_SESSION_CONSENT: weakref.WeakSet[Any] = weakref.WeakSet()


class _KeyProbe(msgspec.Struct):
    key_name: str
    stored: bool
    description: str
    status: KeyringStatus | None


_SAVE_KEY_TIP = (
    "Store the key in the keyring now (Cancel does not undo it); the field is cleared. "
    "Save stores typed keys too."
)

class KeyPanel(QWidget):
    warningChanged = Signal(bool)
    useEntra = Signal()
    keyForgotten = Signal()

    def __init__(self, host: FormHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._host = host
        # What the workers found out; None while unknown.
        self.key_stored: dict[str, bool | None] = {}
        self._store_status: KeyringStatus | None = None
        self._store_description: str | None = None
        self._store_probed = False
        self._busy = False
        # The key typed for each profile (by key name) and not stored yet: it is shown again
        # when its profile is, stored by the dialog's Save, forgotten when the dialog closes.
        self._typed: dict[str, Secret] = {}
        self._stored_now: set[str] = set()  # key names Save key stored: Cancel cannot undo it
        self.reuse_key_box: QMessageBox | None = None  # open while Duplicate asks
        self.keyring_box: QMessageBox | None = None  # open while Save asks where to keep a key
        self.key_edit = KeyField(self)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setToolTip("Paste the key once; Save key puts it in the keyring")
        self.key_edit.setPlaceholderText("Paste the API key")
        self.key_edit.textChanged.connect(self.refresh)
        self.key_edit.textEdited.connect(self._remember_typed)  # the person's edits only
        self.key_edit.returnPressed.connect(self.save_key)
        self.show_key_btn = QToolButton(self)
        self.show_key_btn.setText("Show")
        self.show_key_btn.setCheckable(True)
        self.show_key_btn.setAccessibleName("Show the key")
        self.show_key_btn.setToolTip("Show or hide the key you are typing")
        self.show_key_btn.toggled.connect(self._show_key_toggled)
        self.save_key_btn = button(self, "Save key", "Save key", _SAVE_KEY_TIP)
        self.save_key_btn.clicked.connect(self.save_key)
        self.forget_key_btn = button(
            self, "Forget key", "Forget key", "Remove this profile's key from the keyring"
        )
        self.forget_key_btn.clicked.connect(self.forget_key)
        tones = host.tones
        self.key_status = tones.label(self, "", "Key status", tone="muted")
        self.key_error = tones.label(self, "", "Key error", tone="error")

        self.notice = QFrame(self)
        self.notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice.setAutoFillBackground(True)
        self.notice.setAccessibleName("Keyring warning")
        self.notice_label = tones.label(self, "", "Keyring warning text")
        self.session_btn = button(
            self,
            "Keep keys in memory for this session",
            "Keep keys in memory for this session",
            "Keys are forgotten when chatdesk exits; nothing is written to a file",
        )
        self.session_btn.clicked.connect(self._use_session_store)
        self.use_entra_btn = button(
            self,
            "Use Microsoft Entra ID instead",
            "Switch this profile to Microsoft Entra ID",
            "Sign in instead of keeping a key",
        )
        self.use_entra_btn.clicked.connect(self.useEntra)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.key_status)
        layout.addWidget(self.key_error)
        layout.addWidget(self.notice)
        layout.addStretch(1)

    def apply_tones(self) -> None:
        base = self.palette()
        pal = self.notice.palette()
        pal.setColor(pal.ColorRole.Window, base.color(pal.ColorRole.AlternateBase))
        self.notice.setPalette(pal)
        pal = self.notice_label.palette()
        pal.setColor(pal.ColorRole.WindowText, status_color("warning", base))
        self.notice_label.setPalette(pal)

    def typed(self, draft: ProfileEdit) -> Secret | None:
        """The key typed for `draft` and not stored yet, None when none (for a test or a
        listing: used, never stored by them)."""
        return self._typed.get(draft.key_name)

    def _remember_typed(self, text: str) -> None:
        draft = self._host.current
        if draft is None:
            return
        if text.strip():
            self._typed[draft.key_name] = Secret(text.strip())
        else:
            self._typed.pop(draft.key_name, None)

    def clear(self) -> None:
        self.key_edit.clear()
        self.show_key_btn.setChecked(False)  # the next profile's key is not shown by itself
        self.key_error.clear()

    def fill(self, draft: ProfileEdit) -> None:
        """Show `draft`'s key as it was typed for it (hidden), if one was."""
        typed = self._typed.get(draft.key_name)
        self.key_edit.setText(typed.reveal() if typed is not None else "")

    def forget_typed(self) -> None:
        """Drop every key typed and not stored (the dialog closed: Cancel, or after Save)."""
        self._typed.clear()

    def sync(self) -> None:
        self.key_error.setVisible(bool(self.key_error.text()))

    # -- the keyring -------------------------------------------------------------------------
    def _consented(self) -> bool:
        return self._host.secrets in _SESSION_CONSENT

    def _insecure(self) -> bool:
        status = self._store_status
        return status is not None and not status.secure

    def probe(self) -> None:
        """Ask the keyring (on a worker) whether the current profile has a key, and where."""
        draft = self._host.current
        if draft is None:
            return
        name = draft.key_name
        secrets = self._host.secrets
        self.key_stored[name] = None
        self.refresh()

        def probe() -> _KeyProbe:
            # A LazySecretStore opens the keyring on `status`: this is why it runs here.
            status = secrets.status if isinstance(secrets, LazySecretStore) else None
            stored = secrets.get(name) is not None
            return _KeyProbe(name, stored, secrets.description, status)

        def found(probe: _KeyProbe) -> None:
            self.key_stored[probe.key_name] = probe.stored
            self._store_status = probe.status
            self._store_description = probe.description
            self._store_probed = True

        def failed(exc: BaseException) -> None:
            self.key_stored.pop(name, None)
            if self._host.current is draft:
                self.key_error.setText(secret_error_text(exc, "read the keyring"))

        self._host.run(probe, found, failed, self.refresh)

    def refresh(self) -> None:
        draft = self._host.current
        if draft is None:
            return
        name = draft.key_name
        stored = self.key_stored.get(name, False)
        checking = name in self.key_stored and stored is None
        profile = draft.profile
        env = self._host.connections.env
        variable = profile.key_variable()
        env_key = variable and env.get(variable, "").strip()
        memory = self._insecure() and self._consented()
        if self._busy:
            text = "Working on the keyring…"
        elif checking:
            text = "Checking the keyring…"
        elif stored:
            text = f"A key is stored in {self._store_description or 'the keyring'}."
            if name in self._stored_now:
                text += " Stored now by Save key: Cancel does not undo it."
        elif env_key:
            text = f"No key is stored; the key comes from the environment variable {variable}."
        else:
            text = "No key is stored yet." + (
                " Keys are kept in memory for this session only." if memory else ""
            )
        blocked = self._insecure() and not self._consented()
        if self.key_edit.text().strip() and not self._busy:
            # Without a keyring Save stores nothing until the person chooses (the notice below).
            text += (
                " On Save you are asked how to keep the key typed above (see below)."
                if blocked
                else " The key typed above is stored when you press Save."
            )
        self.key_status.setText(text)
        self.notice.setVisible(blocked)
        # The notice lives on the Authentication tab; the tab shows there is something to read.
        self.warningChanged.emit(blocked and profile.auth == "key")
        if blocked and self._store_status is not None:
            self.notice_label.setText(self._store_status.warning or "No secure keyring.")
        idle = not self._busy and not checking and self._store_probed
        self.save_key_btn.setEnabled(idle and not blocked and bool(self.key_edit.text().strip()))
        self.save_key_btn.setToolTip(
            "Choose how to keep keys first (see the warning below)" if blocked else _SAVE_KEY_TIP
        )
        self.forget_key_btn.setEnabled(idle and bool(stored))
        self.sync()

    def _show_key_toggled(self, shown: bool) -> None:
        self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.show_key_btn.setText("Hide" if shown else "Show")
        self.show_key_btn.setAccessibleName("Hide the key" if shown else "Show the key")

    def save_key(self) -> None:
        draft = self._host.current
        if draft is None or not self.save_key_btn.isEnabled():
            return
        secret = Secret(self.key_edit.text().strip())
        name = draft.key_name
        secrets = self._host.secrets
        self.key_error.clear()
        typed = self._typed.get(name)

        def saved(_: object) -> None:
            self._stored_now.add(name)
            self._stored(draft, typed)

        def failed(exc: BaseException) -> None:
            if self._host.current is draft:
                self.key_error.setText(secret_error_text(exc, "save the key"))

        self.operation(lambda: secrets.set(name, secret), saved, failed)

    def _stored(self, draft: ProfileEdit, typed: Secret | None) -> None:
        """`draft`'s key (`typed`, as it was typed then) is in the store now."""
        name = draft.key_name
        self.key_stored[name] = True
        if typed is not None and self._typed.get(name) is typed:  # not typed again meanwhile
            del self._typed[name]
        if self._host.current is draft:
            self.key_edit.clear()
            self.show_key_btn.setChecked(False)

    def forget_key(self) -> None:
        draft = self._host.current
        if draft is None:
            return
        name = draft.key_name
        secrets = self._host.secrets
        self.key_error.clear()

        def forgotten(_: object) -> None:
            self.key_stored[name] = False
            if self._host.current is draft:
                self.keyForgotten.emit()

        def failed(exc: BaseException) -> None:
            if self._host.current is draft:
                self.key_error.setText(secret_error_text(exc, "remove the key"))

        self.operation(lambda: secrets.delete(name), forgotten, failed)

    # -- questions -----------------------------------------------------------------------------
    def offer_key(self, source: ProfileEdit, copy: ProfileEdit) -> None:
        """Duplicate: the copy starts without a key; offer the source's rather than make the
        person paste it again."""
        if not self.key_stored.get(source.key_name):
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Duplicate profile",
            f"Use the API key of '{source.profile.name.strip()}' for "
            f"'{copy.profile.name.strip()}' too?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window(),
        )
        box.setAccessibleName("Reuse the key")
        box.setInformativeText("It is copied within the system keyring; no one sees it.")

        def answered(result: int) -> None:
            self.reuse_key_box = None
            if result == QMessageBox.StandardButton.Yes and self._host.holds(copy):
                self.reuse_key(source, copy)

        box.finished.connect(answered)
        self.reuse_key_box = box
        box.open()

    def ask_keep_in_memory(self, then: Callable[[], None], keys: int = 1) -> None:
        """No secure keyring: say so before the dialog closes, and keep the `keys` typed keys
        for this session only if the person agrees, then call `then` (Save again). Cancel
        returns to the dialog with the keys still typed."""
        what = "The API key cannot" if keys == 1 else f"The {keys} API keys you typed cannot"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "No secure keyring",
            f"{what} be saved: no secure keyring is available on this system.",
            QMessageBox.StandardButton.Cancel,
            self.window(),
        )
        box.setAccessibleName("No secure keyring")
        it = "it" if keys == 1 else "them"
        box.setInformativeText(
            f"chatdesk can keep {it} in memory until it exits (you will enter {it} again next "
            f"time); {'it is' if keys == 1 else 'they are'} never written to a file. Or "
            "Cancel, and choose Microsoft Entra ID sign-in on the Authentication tab instead."
        )
        keep = box.addButton("Keep for this session", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep)

        def answered() -> None:
            self.keyring_box = None
            if box.clickedButton() is keep:
                self.keep_in_memory()
                self.refresh()
                then()

        box.finished.connect(answered)
        self.keyring_box = box
        box.open()

    def reuse_key(self, source: ProfileEdit, copy: ProfileEdit) -> None:
        """Copy `source`'s key and secret header values to `copy`, within the keyring."""
        secrets = self._host.secrets
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
            self.key_stored[copy.key_name] = True

        def failed(exc: BaseException) -> None:
            if self._host.current is copy:
                self.key_error.setText(secret_error_text(exc, "copy the key"))

        self.operation(reuse, copied, failed)

    def operation(
        self,
        fn: Callable[[], object],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Run a keyring write on a worker; the page says it is working meanwhile."""
        self._busy = True
        self.refresh()

        def finished() -> None:
            self._busy = False
            self.refresh()

        self._host.run(fn, done, failed, finished)

    def _use_session_store(self) -> None:
        self.keep_in_memory()
        # The memory store starts empty; ask again what is stored, and where.
        self.probe()

    def keep_in_memory(self) -> None:
        """The person chose keys in memory for this session (there is no secure keyring)."""
        secrets = self._host.secrets
        if isinstance(secrets, LazySecretStore):
            secrets.use_session_store(MemorySecretStore())
        _SESSION_CONSENT.add(secrets)

    def pending(self, drafts: Sequence[ProfileEdit]) -> list[tuple[ProfileEdit, Secret]]:
        """The keys typed and not stored yet for those of `drafts` that use a key (one typed
        for a profile since switched to Entra ID is not): the dialog's Save stores them."""
        return [
            (draft, self._typed[draft.key_name])
            for draft in drafts
            if draft.profile.auth == "key" and draft.key_name in self._typed
        ]

    def store_pending(
        self,
        keys: list[tuple[ProfileEdit, Secret]],
        done: Callable[[bool], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Store `keys` (from `pending`) as Save key does, on a worker; `done(True)` once all
        are stored, or `done(False)` (nothing stored) when there is no secure keyring and the
        person has not chosen keys in memory for this session: ask first (see
        `keep_in_memory`). On `failed`, the keys stored before the failure stay stored."""
        if not keys:
            done(True)
            return
        secrets = self._host.secrets
        named = [(draft.key_name, secret) for draft, secret in keys]
        stored: list[int] = []  # how many are in the store (read here once the worker ended)

        def store() -> bool:
            # Asked here, not from the probe's answer: the probe may not have come back yet.
            status = secrets.status if isinstance(secrets, LazySecretStore) else None
            if status is not None and not status.secure and secrets not in _SESSION_CONSENT:
                return False
            for name, secret in named:
                secrets.set(name, secret)
                stored.append(1)
            return True

        def settle() -> None:
            for draft, secret in keys[: len(stored)]:
                self._stored(draft, secret)

        def returned(ok: bool) -> None:
            settle()
            done(ok)

        def errored(exc: BaseException) -> None:
            settle()
            failed(exc)

        self.key_error.clear()
        self.operation(store, returned, errored)
