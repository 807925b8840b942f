"""azure-identity's OS-protected token cache, opened with msal-extensions' public API
(chatdesk/service/identity_cache.py): the same entries azure-identity's credentials use, a
failure classified as before, and sign-out removing only the account signed out."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import msal
import msal_extensions
import pytest
from azure.identity import AuthenticationRecord, DeviceCodeCredential, TokenCachePersistenceOptions

from chatdesk.service import entra_credentials, identity_cache
from chatdesk.service.entra_errors import cache_warning, is_cache_problem

CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


@pytest.fixture
def file_backed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, ...]]:
    """libsecret replaced by a plain file per cache name, recording how each is opened."""
    opened: list[tuple[Any, ...]] = []

    class Recording(msal_extensions.FilePersistence):
        def __init__(self, location: str, schema_name: str, attributes: dict, **kwargs: Any):
            opened.append((location, schema_name, attributes, kwargs))
            super().__init__(str(tmp_path / schema_name))

    monkeypatch.setattr(msal_extensions, "LibsecretPersistence", Recording)
    monkeypatch.setattr(identity_cache.sys, "platform", "linux")
    return opened


def test_opens_the_entries_azure_identity_itself_uses(file_backed) -> None:
    options = TokenCachePersistenceOptions(name="chatdesk-test")
    record = AuthenticationRecord("contoso", CLIENT, "127.0.0.1:1", "uid.utid", "ada@contoso.com")
    credential = DeviceCodeCredential(
        tenant_id="contoso", authentication_record=record,
        disable_automatic_authentication=True, cache_persistence_options=options,
    )  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017,PT011 -- nothing listens on 127.0.0.1:1
        credential.get_token("https://cognitiveservices.azure.com/.default")
    assert file_backed, "azure-identity opened its cache through msal-extensions"
    theirs = file_backed[0]
    file_backed.clear()
    identity_cache.open_cache(options)
    assert file_backed == [theirs]
    assert theirs[1] == "chatdesk-test.nocae"
    identity_cache.open_cache(options, is_cae=True)
    assert file_backed[1][1] == "chatdesk-test.cae"


def test_sign_out_removes_only_that_account(file_backed, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path / "home"))
    cache = identity_cache.open_cache(TokenCachePersistenceOptions(name="chatdesk"))
    for uid in ("ada", "bob"):
        cache.add({
            "client_id": CLIENT, "scope": ["s"], "token_endpoint": "https://login/contoso/token",
            "response": {"access_token": f"at-{uid}", "refresh_token": f"rt-{uid}",
                         "expires_in": 3600, "token_type": "Bearer",
                         "client_info": _client_info(uid)},
        })  # fmt: skip
    ada = AuthenticationRecord("contoso", CLIENT, "login", f"{uid_of('ada')}", "ada@contoso.com")
    removed = entra_credentials.forget_tokens(ada)
    assert removed >= 2  # at least ada's access and refresh tokens
    left = identity_cache.open_cache(TokenCachePersistenceOptions(name="chatdesk"))
    secrets = [
        item["secret"]
        for kind in (msal.TokenCache.CredentialType.ACCESS_TOKEN,
                     msal.TokenCache.CredentialType.REFRESH_TOKEN)
        for item in left.search(kind)
    ]  # fmt: skip
    assert sorted(secrets) == ["at-bob", "rt-bob"]


def uid_of(uid: str) -> str:
    return f"{uid}.utid"


def _client_info(uid: str) -> str:
    import base64
    import json

    raw = json.dumps({"uid": uid, "utid": "utid"}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_without_pygobject_the_failure_is_a_cache_problem_naming_the_cause() -> None:
    if importlib.util.find_spec("gi") is not None:
        pytest.skip("PyGObject is installed here: the persistent cache can open")
    if not identity_cache.sys.platform.startswith("linux"):
        pytest.skip("libsecret is Linux's")
    with pytest.raises(ValueError, match="Cache encryption is impossible") as info:
        identity_cache.open_cache(TokenCachePersistenceOptions(name="chatdesk"))
    assert is_cache_problem(info.value)
    assert "PyGObject" in cache_warning(info.value)
