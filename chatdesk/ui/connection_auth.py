"""The Authentication tab of the Connections dialog: API key or Microsoft Entra ID, and the
page of the one chosen (`connection_key.KeyPanel`, `connection_entra.EntraPanel`).

Signals: chosen(str) — "key" or "entra", when the person switches.
"""

from __future__ import annotations

from chatdesk.ui.qt.core import Signal
from chatdesk.ui.qt.widgets import (
    QButtonGroup,
    QHBoxLayout,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


class AuthTab(QWidget):
    chosen = Signal(str)

    def __init__(self, key_page: QWidget, entra_page: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
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
        self.key_radio.toggled.connect(self._toggled)
        choice = QHBoxLayout()
        choice.addWidget(self.key_radio)
        choice.addWidget(self.entra_radio)
        choice.addStretch(1)
        self.auth_stack = QStackedWidget(self)
        self.auth_stack.addWidget(key_page)
        self.auth_stack.addWidget(entra_page)
        self.auth_stack.currentChanged.connect(self._fit_page)
        self._fit_page(0)
        layout = QVBoxLayout(self)
        layout.addLayout(choice)
        layout.addWidget(self.auth_stack)

    def show_auth(self, auth: str) -> None:
        """Select `auth` ("key" or "entra") and show its page, as the profile says."""
        (self.key_radio if auth == "key" else self.entra_radio).setChecked(True)
        self.auth_stack.setCurrentIndex(0 if auth == "key" else 1)

    def _toggled(self) -> None:
        auth = "key" if self.key_radio.isChecked() else "entra"
        self.auth_stack.setCurrentIndex(0 if auth == "key" else 1)
        self.chosen.emit(auth)

    def _fit_page(self, index: int) -> None:
        # A stack is as tall as its tallest page; only the shown page should count.
        for i in range(self.auth_stack.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.auth_stack.widget(i).setSizePolicy(policy, policy)
        self.auth_stack.adjustSize()
