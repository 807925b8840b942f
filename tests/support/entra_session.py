"""Fake azure-identity credentials for EntraSession: a `FakeCredential` speaking the
TokenCredential protocol plus `authenticate`, and a `Factory` recording what the session asked
for. No network, no browser, no real token cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken
from azure.identity import (
    AuthenticationRecord,
)

from chatdesk.service.entra import (
    SCOPE,
    EntraSession,
)

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
SECRET_TOKEN = "eyJ0eXAiOiJKV1QiSECRET.TOKEN.VALUE"


def make_record(username: str = "ada@contoso.com", client_id: str = CLIENT) -> AuthenticationRecord:
    return AuthenticationRecord(
        TENANT, client_id, "login.microsoftonline.com", f"oid.{TENANT}", username
    )


class FakeCredential:
    """Speaks the TokenCredential protocol plus `authenticate` like the interactive ones."""

    def __init__(
        self,
        *,
        lifetimes: list[float] | None = None,
        record: AuthenticationRecord | None = None,
        authenticate_error: BaseException | None = None,
        get_token_error: BaseException | None = None,
        block: threading.Event | None = None,
        prompt_callback: Callable[[str, str, datetime], None] | None = None,
    ) -> None:
        self.lifetimes = lifetimes or [3600]
        self.record = record or make_record()
        self.authenticate_error = authenticate_error
        self.get_token_error = get_token_error
        self.block = block
        self.prompt_callback = prompt_callback
        self.get_token_calls = 0
        self.authenticate_calls = 0
        self.scopes_seen: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes_seen.append(scopes)
        if self.get_token_error is not None:
            raise self.get_token_error
        n = self.get_token_calls
        self.get_token_calls += 1
        lifetime = self.lifetimes[min(n, len(self.lifetimes) - 1)]
        return AccessToken(f"token-{n}", int(time.time() + lifetime))

    def authenticate(
        self, *, scopes: list[str] | None = None, **kwargs: Any
    ) -> AuthenticationRecord:
        self.authenticate_calls += 1
        assert scopes == [SCOPE]
        if self.prompt_callback is not None:
            expires = datetime.now(timezone.utc) + timedelta(minutes=15)
            self.prompt_callback("https://microsoft.com/devicelogin", "ABCD-1234", expires)
        if self.block is not None:
            self.block.wait(10)
        if self.authenticate_error is not None:
            raise self.authenticate_error
        return self.record


class Factory:
    """A credential_factory that records what EntraSession asked for."""

    def __init__(self, **credential_kwargs: Any) -> None:
        self.credential_kwargs = credential_kwargs
        self.calls: list[dict[str, Any]] = []
        self.credentials: list[FakeCredential] = []
        self.fail_persistent: BaseException | None = None

    def __call__(self, **kwargs: Any) -> FakeCredential:
        self.calls.append(kwargs)
        if kwargs["persistent_cache"] and self.fail_persistent is not None:
            raise self.fail_persistent
        credential = FakeCredential(
            prompt_callback=kwargs["prompt_callback"], **self.credential_kwargs
        )
        self.credentials.append(credential)
        return credential


def session(mode: str, record_path: Path, factory: Factory, **kwargs: Any) -> EntraSession:
    return EntraSession(
        mode, tenant_id=TENANT, record_path=record_path, credential_factory=factory, **kwargs
    )
