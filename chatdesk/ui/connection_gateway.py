"""The "Gateway & cloud" part of the Connections dialog: which Azure cloud signs in, a token
scope of the profile's own, how the key is sent, the extra headers a gateway wants, and the
proxy for every connection.

A form only: it shows a profile (`fill`), gives the edited one back (`apply`) and names what
cannot be saved (`problem`). Secret header values never stay here: `secretEntered` hands one to
the dialog, which stores it in the keyring off the GUI thread; `secretRemoved` asks the dialog
to drop one (its keyring entry goes on Save).

Signals: edited(), secretEntered(str, object) — a header name and its `Secret`;
secretRemoved(str) — a header name.
"""

from __future__ import annotations

import msgspec.structs

from chatdesk.core.clouds import CLOUDS
from chatdesk.core.profiles import (
    ConnectionProfile,
    check_header_name,
    check_header_value,
    looks_secret_header,
    parse_header,
)
from chatdesk.service.network import check_proxy
from chatdesk.service.secrets import Secret
from chatdesk.ui.connection_widgets import WrapLabel
from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

CLOUD_CHOICES = [("auto", "From the endpoint")] + [(c.name, c.label) for c in CLOUDS.values()]
KEY_HEADER_CHOICES = [
    ("auto", "The kind's usual header"),
    ("api-key", "api-key"),
    ("bearer", "Authorization: Bearer"),
]


class GatewayPanel(QWidget):
    edited = Signal()
    secretEntered = Signal(str, object)
    secretRemoved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.cloud_combo = self._combo(
            "Azure cloud", CLOUD_CHOICES, "Where Entra ID signs in and which scope is asked"
        )
        self.cloud_note = WrapLabel(self)  # as tall as its text: no blank band above it
        self.cloud_note.setAccessibleName("Sign-in authority and scope")
        self.cloud_note.setWordWrap(True)
        self.scope_edit = self._line("Token scope", "Only for a gateway that expects another "
                                     "audience; empty: the cloud's scope")  # fmt: skip
        self.key_header_combo = self._combo("Key header", KEY_HEADER_CHOICES,
                                            "How an API key is sent")  # fmt: skip
        self.headers_edit = QPlainTextEdit(self)
        self.headers_edit.setAccessibleName("Extra headers")
        self.headers_edit.setToolTip("One 'Name: value' per line, sent with every request")
        self.headers_edit.setPlaceholderText("X-Team: research")
        self.headers_edit.setTabChangesFocus(True)
        self.headers_edit.setFixedHeight(64)
        self.headers_edit.textChanged.connect(self._changed)
        self.secret_name_edit = self._line("Secret header name", "e.g. Ocp-Apim-Subscription-Key")
        self.secret_name_edit.setPlaceholderText("Ocp-Apim-Subscription-Key")
        self.secret_value_edit = QLineEdit(self)
        self.secret_value_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_value_edit.setAccessibleName("Secret header value")
        self.secret_value_edit.setPlaceholderText("value (kept in the keyring)")
        self.secret_save_btn = QPushButton("Save header", self)
        self.secret_save_btn.setAccessibleName("Save the secret header")
        self.secret_save_btn.setToolTip("Store the value in the keyring; the field is cleared")
        self.secret_save_btn.setAutoDefault(False)
        self.secret_save_btn.clicked.connect(self._save_secret)
        self.secret_list = QListWidget(self)
        self.secret_list.setAccessibleName("Secret headers")
        self.secret_list.setToolTip("Headers whose values are kept in the keyring")
        self.secret_list.setFixedHeight(48)
        self.secret_list.currentRowChanged.connect(self._secret_selected)
        self.secret_remove_btn = QPushButton("Remove header", self)
        self.secret_remove_btn.setAccessibleName("Remove the secret header")
        self.secret_remove_btn.setToolTip(
            "Stop sending the selected header; on Save its value is removed from the keyring"
        )
        self.secret_remove_btn.setAutoDefault(False)
        self.secret_remove_btn.setEnabled(False)
        self.secret_remove_btn.clicked.connect(self._remove_secret)
        self.proxy_edit = self._line("Proxy", "For every profile; empty: the environment's "
                                     "HTTPS_PROXY / NO_PROXY")  # fmt: skip
        self.proxy_edit.setPlaceholderText("http://proxy.example.com:8080")
        self.problem_label = QLabel(self)
        self.problem_label.setAccessibleName("Gateway problem")
        self.problem_label.setWordWrap(True)

        secret = QHBoxLayout()
        secret.addWidget(self.secret_name_edit, 2)
        secret.addWidget(self.secret_value_edit, 2)
        secret.addWidget(self.secret_save_btn)
        # The form keeps its rows' own heights; the tab's spare height goes below them.
        outer = QVBoxLayout(self)
        form = self._form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("C&loud", self.cloud_combo)
        form.addRow("", self.cloud_note)
        form.addRow("Token &scope", self.scope_edit)
        form.addRow("Key &header", self.key_header_combo)
        form.addRow("E&xtra headers", self.headers_edit)
        secret_label = QLabel("Secret h&eader", self)
        secret_label.setBuddy(self.secret_name_edit)
        form.addRow(secret_label, secret)
        self._kept = QWidget(self)
        kept = QHBoxLayout(self._kept)
        kept.setContentsMargins(0, 0, 0, 0)
        kept.addWidget(self.secret_list, 1)
        kept.addWidget(self.secret_remove_btn)
        form.addRow("Kept in the keyring", self._kept)
        form.addRow("&Proxy", self.proxy_edit)
        shared = QLabel("Used by every profile, not only this one.", self)
        shared.setAccessibleName("Proxy note")
        form.addRow("", shared)
        form.addRow("", self.problem_label)
        self._hold_label_column(form)
        self._profile: ConnectionProfile | None = None

    @staticmethod
    def _hold_label_column(form: QFormLayout) -> None:
        """The label column as wide as its widest label, shown or hidden: the "Kept in the
        keyring" row appearing must not push every field right (tester: the tab shifted)."""
        labels = [
            item.widget()
            for row in range(form.rowCount())
            if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
            and isinstance(item.widget(), QLabel)
        ]
        widest = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(widest)

    def _combo(self, name: str, choices: list[tuple[str, str]], tip: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.setToolTip(tip)
        for data, label in choices:
            combo.addItem(label, data)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _line(self, name: str, tip: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setToolTip(tip)
        edit.textEdited.connect(self._changed)
        return edit

    # -- the profile ---------------------------------------------------------------------------
    def fill(self, profile: ConnectionProfile, proxy: str) -> None:
        self._loading = True
        try:
            self._profile = profile
            self.cloud_combo.setCurrentIndex(max(0, self.cloud_combo.findData(profile.cloud)))
            self.scope_edit.setText(profile.entra_scope or "")
            self.key_header_combo.setCurrentIndex(
                max(0, self.key_header_combo.findData(profile.key_header))
            )
            self.headers_edit.setPlainText(
                "\n".join(f"{k}: {v}" for k, v in profile.headers.items())
            )
            self.proxy_edit.setText(proxy)
            self.secret_value_edit.clear()
        finally:
            self._loading = False
        self.refresh(profile)

    def apply(self, profile: ConnectionProfile) -> ConnectionProfile:
        """`profile` with this panel's fields (lines that cannot be read are left out; see
        `problem`)."""
        headers = {}
        for line in self.headers_edit.toPlainText().splitlines():
            if line.strip():
                try:
                    name, value = parse_header(line)
                except ValueError:
                    continue
                headers[name] = value
        return msgspec.structs.replace(
            profile,
            cloud=self.cloud_combo.currentData(),
            entra_scope=self.scope_edit.text().strip() or None,
            key_header=self.key_header_combo.currentData(),
            headers=headers,
        )

    @property
    def proxy(self) -> str:
        return self.proxy_edit.text().strip()

    def problem(self) -> str | None:
        """What keeps these settings from being saved, or None."""
        for line in self.headers_edit.toPlainText().splitlines():
            if not line.strip():
                continue
            try:
                name, _ = parse_header(line)
            except ValueError as exc:
                return f"Extra headers: {exc}"
            if looks_secret_header(name):
                return (
                    f"{name} looks like a secret: enter it as a secret header, so it goes to "
                    "the keyring instead of the settings."
                )
        if self.proxy:
            return check_proxy(self.proxy)
        return None

    def refresh(self, profile: ConnectionProfile) -> None:
        self._profile = profile
        cloud = profile.azure_cloud()
        shown = "entra" if profile.auth == "entra" else "key"
        self.cloud_note.setText(
            f"{cloud.label}: signs in at {cloud.authority}, token scope {profile.scope()}"
            + ("" if shown == "entra" else " (used with Entra ID sign-in)")
        )
        self.scope_edit.setPlaceholderText(cloud.scope)
        names = list(profile.secret_headers)
        if names != [self.secret_list.item(i).text() for i in range(self.secret_list.count())]:
            self.secret_list.clear()
            self.secret_list.addItems(names)
        self._form.setRowVisible(self._kept, bool(names))  # no blank row when empty
        self._secret_selected(self.secret_list.currentRow())
        self.problem_label.setText(self.problem() or "")

    def _changed(self, *_: object) -> None:
        if not self._loading:
            self.edited.emit()

    def secret_kept(self, name: str) -> None:
        """`name`'s value is in the keyring and the header listed: its name leaves the input,
        ready for another."""
        if self.secret_name_edit.text().strip() == name:
            self.secret_name_edit.clear()

    def _save_secret(self) -> None:
        name = self.secret_name_edit.text().strip()
        value = self.secret_value_edit.text().strip()
        problem = check_header_name(name) if name else "Enter the header's name."
        if problem is None:
            problem = check_header_value(name, value)
        if problem is None and not value:
            problem = "Enter the header's value."
        if problem is not None:
            self.problem_label.setText(problem)
            return
        self.secret_value_edit.clear()
        self.secretEntered.emit(name, Secret(value))

    def _secret_selected(self, row: int) -> None:
        self.secret_remove_btn.setEnabled(row >= 0)

    def _remove_secret(self) -> None:
        item = self.secret_list.currentItem()
        if item is not None:
            self.secretRemoved.emit(item.text())
