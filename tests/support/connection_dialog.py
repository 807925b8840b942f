"""What the connection dialog's tests drive it with: a fake Entra credential and its factory,
typing helpers, sample profiles and the `Harness` (a real dialog over real Connections, saving
the real settings file); the `make_dialog` fixture in tests/ui/conftest.py builds one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from azure.identity import AuthenticationRecord
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import save_settings
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.entra import EntraSession
from chatdesk.ui.connection_dialog import ConnectionDialog

KEY = "0123456789abcdef0123456789abcdef-SECRET"  # distinctive, to grep the disk for
TENANT = "11111111-2222-3333-4444-555555555555"
WARNING = "No secure keyring is available on this system: no Secret Service is running."


# -- fakes -----------------------------------------------------------------------------------
class FakeCredential:
    """The TokenCredential protocol plus `authenticate`, like azure-identity's interactive ones."""

    def __init__(
        self,
        *,
        prompt_callback: Callable[[str, str, datetime], None] | None = None,
        error: BaseException | None = None,
        block: threading.Event | None = None,
        **_: Any,
    ) -> None:
        self.prompt_callback = prompt_callback
        self.error = error
        self.block = block

    def authenticate(self, *, scopes: list[str] | None = None, **_: Any) -> AuthenticationRecord:
        if self.prompt_callback is not None:
            expires = datetime.now(timezone.utc) + timedelta(minutes=15)
            self.prompt_callback("https://microsoft.com/devicelogin", "ABCD-1234", expires)
        if self.block is not None:
            self.block.wait(10)
        if self.error is not None:
            raise self.error
        return AuthenticationRecord(
            TENANT, "client", "login.microsoftonline.com", f"oid.{TENANT}", "ada@contoso.com"
        )

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        return AccessToken("entra-token", int(time.time()) + 3600)


class EntraFactory:
    """An `entra_factory` for Connections: real EntraSessions over FakeCredentials."""

    def __init__(self, **credential_kwargs: Any) -> None:
        self.credential_kwargs = credential_kwargs

    def __call__(self, mode: str, **kwargs: Any) -> EntraSession:
        def credential(**kw: Any) -> FakeCredential:
            return FakeCredential(prompt_callback=kw["prompt_callback"], **self.credential_kwargs)

        return EntraSession(mode, credential_factory=credential, **kwargs)


# -- helpers ---------------------------------------------------------------------------------
def retype(qtbot, edit: QLineEdit, text: str) -> None:
    """Replace the field's text as a person does (textEdited fires, unlike setText)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(edit, text)


def cut(dialog) -> list[str]:
    """What is shown in less room than it needs: word-wrapped labels (by their text) given
    fewer lines than their text takes at their width, and buttons lower than their minimum."""
    found = []
    for label in dialog.findChildren(QLabel):
        if label.isVisible() and label.wordWrap() and label.text():
            needed = label.heightForWidth(label.width())
            if label.height() < needed:
                found.append(f"{label.text()[:50]!r}: {label.height()} of {needed} px")
    for button in dialog.findChildren(QPushButton):
        if button.isVisible() and button.height() < button.minimumSizeHint().height():
            found.append(f"button {button.text()!r}: {button.height()} px")
    return found


def on_auth_tab(d: ConnectionDialog) -> ConnectionDialog:
    d.tabs.setCurrentWidget(d.auth_stack.parentWidget())
    return d


def azure(name: str = "Work", endpoint: str = "https://contoso.openai.azure.com/", **kw: Any):
    return ConnectionProfile(name, kw.pop("kind", "azure-v1"), endpoint, "gpt-4o", **kw)


def files_text(root: Path) -> dict[Path, str]:
    return {
        path: path.read_bytes().decode("utf-8", "replace")
        for path in root.rglob("*")
        if path.is_file()
    }


class Harness:
    def __init__(self, qtbot, connections: Connections, select: str | None = None) -> None:
        self.connections = connections
        self.settings = connections.settings
        self.saves = 0

        def save() -> None:
            self.saves += 1
            save_settings(self.settings)  # the real file, under CHATDESK_HOME

        self.dialog = ConnectionDialog(
            connections, ChatService(connections.credentials), save, select=select
        )
        qtbot.addWidget(self.dialog)
        self.dialog.open()
        qtbot.waitUntil(lambda: not self.dialog.busy)


def remove_profile(d: ConnectionDialog, *, answer: str = "Yes") -> str:
    """Press Remove and answer its question; the question's text is returned."""
    d.remove_btn.click()
    box = d.profiles.remove_box
    assert box is not None, "Remove did not ask"
    text = box.text()
    box.done(getattr(box.StandardButton, answer))
    return text
