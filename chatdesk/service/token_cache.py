"""Entra ID tokens that survive a restart on Linux without PyGObject.

azure-identity keeps its token cache through msal-extensions, whose Linux backend is libsecret
through PyGObject (`gi`), which a plain `pip install` cannot bring. The Secret Service itself is
usually there (GNOME Keyring, KWallet) and reachable from pure Python: `keyring` talks to it
through SecretStorage/jeepney. So where azure-identity's cache cannot open for that reason,
chatdesk keeps MSAL's cache in the Secret Service itself (`KeyringPersistence`, an
msal-extensions persistence) and signs in with MSAL directly (`MsalUserCredential`), the library
azure-identity uses underneath, through their public APIs.

The record the window shows (who, which tenant) stays an azure-identity `AuthenticationRecord`,
so the rest of chatdesk cannot tell the two paths apart.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AuthenticationRecord, AuthenticationRequiredError
from msal_extensions.persistence import BasePersistence, PersistenceNotFound

KEYRING_SERVICE = "chatdesk Entra ID token cache"
# azure-identity's default public client ("Azure development" sign-in), so a record made by
# either path serves the other.
DEVELOPER_SIGN_ON_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
_KNOWN_AUTHORITIES = ("login.microsoftonline.com", "login.microsoftonline.us",
                      "login.chinacloudapi.cn")  # fmt: skip


class KeyringPersistence(BasePersistence):  # type: ignore[misc]  # msal_extensions: untyped
    """MSAL's serialized token cache as one Secret Service entry (via `keyring`)."""

    def __init__(self, name: str, backend: Any = None) -> None:
        import keyring

        self._name = name
        self._keyring = backend if backend is not None else keyring.get_keyring()

    def save(self, content: str) -> None:
        entry = json.dumps({"modified": time.time(), "cache": content})
        self._keyring.set_password(KEYRING_SERVICE, self._name, entry)

    def _entry(self) -> dict[str, Any]:
        raw = self._keyring.get_password(KEYRING_SERVICE, self._name)
        if raw is None:
            raise PersistenceNotFound(location=self.get_location())
        return cast("dict[str, Any]", json.loads(raw))

    def load(self) -> str:
        return str(self._entry()["cache"])

    def time_last_modified(self) -> float:
        return float(self._entry()["modified"])

    def get_location(self) -> str:
        return f"{KEYRING_SERVICE}/{self._name}"

    def delete(self) -> None:
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._keyring.delete_password(KEYRING_SERVICE, self._name)


def secret_service_cache(name: str, lock_path: Path) -> Any | None:
    """An MSAL token cache kept in the Secret Service, or None where no secure one answers."""
    if not sys.platform.startswith("linux"):
        return None
    from msal_extensions import PersistedTokenCache

    from chatdesk.service.secrets import keyring_status

    try:
        if not keyring_status().secure:
            return None
        persistence = KeyringPersistence(name)
        persistence.time_last_modified()  # a locked or absent service fails here, not later
    except PersistenceNotFound:
        pass
    except Exception:
        return None
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    return PersistedTokenCache(persistence, lock_location=str(lock_path))


class MsalUserCredential:
    """A browser or device-code user credential over MSAL with a given token cache: what
    azure-identity's InteractiveBrowserCredential / DeviceCodeCredential do, with
    `disable_automatic_authentication` always on (a token request never prompts)."""

    def __init__(
        self,
        *,
        device_code: bool,
        cache: Any,
        tenant_id: str | None = None,
        client_id: str | None = None,
        authority: str | None = None,
        authentication_record: AuthenticationRecord | None = None,
        prompt_callback: Callable[[str, str, datetime], None] | None = None,
        http_client: Any = None,
        timeout: float = 300,
    ) -> None:
        import msal

        self._device_code = device_code
        self._client_id = client_id or DEVELOPER_SIGN_ON_CLIENT_ID
        self._authority_host = authority or "login.microsoftonline.com"
        tenant = tenant_id or (
            authentication_record.tenant_id if authentication_record else "organizations"
        )
        self._record = authentication_record
        self._prompt = prompt_callback
        self._timeout = timeout
        self._lock = threading.Lock()
        self._app = msal.PublicClientApplication(
            self._client_id,
            authority=f"https://{self._authority_host}/{tenant}",
            token_cache=cache,
            http_client=http_client,
            # Instance discovery asks login.microsoftonline.com about the authority: only for
            # Microsoft's own hosts (a private authority would never be known there).
            instance_discovery=self._authority_host in _KNOWN_AUTHORITIES,
        )

    def authenticate(self, *, scopes: list[str], **_: Any) -> AuthenticationRecord:
        """Sign in interactively; the tokens go to the cache, the record is returned."""
        if self._device_code:
            flow = self._app.initiate_device_flow(scopes=scopes)
            if "user_code" not in flow:
                raise _refused(flow)
            if self._prompt is not None:
                expires = datetime.now(timezone.utc) + timedelta(seconds=int(flow["expires_in"]))
                self._prompt(flow["verification_uri"], flow["user_code"], expires)
            flow["expires_at"] = min(flow["expires_at"], time.time() + self._timeout)
            result = self._app.acquire_token_by_device_flow(flow)
        else:
            result = self._app.acquire_token_interactive(scopes, timeout=int(self._timeout))
        if "access_token" not in result:
            raise _refused(result)
        self._record = _record(result, self._client_id, self._authority_host)
        return self._record

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        """A token from the cache (refreshed silently); AuthenticationRequiredError if none."""
        with self._lock:
            account = self._account()
            result = (
                self._app.acquire_token_silent_with_error(list(scopes), account=account)
                if account is not None
                else None
            )
        if not result or "access_token" not in result:
            raise AuthenticationRequiredError(list(scopes), message="Sign in again.")
        return AccessToken(result["access_token"], int(time.time()) + int(result["expires_in"]))

    def _account(self) -> dict[str, Any] | None:
        if self._record is None:
            return None
        for account in self._app.get_accounts(username=self._record.username):
            if account.get("home_account_id") == self._record.home_account_id:
                return cast("dict[str, Any]", account)
        return None


def _refused(result: dict[str, Any]) -> ClientAuthenticationError:
    # The AADSTS code stays in the text: entra_errors.sign_in_error reads it to advise.
    error = result.get("error", "sign-in failed")
    description = result.get("error_description", "")
    return ClientAuthenticationError(message=f"{error}: {description}".strip(": "))


def _record(result: dict[str, Any], client_id: str, authority: str) -> AuthenticationRecord:
    claims = result.get("id_token_claims") or {}
    info = _client_info(result.get("client_info"))
    uid = info.get("uid") or claims.get("oid", "")
    utid = info.get("utid") or claims.get("tid", "")
    username = claims.get("preferred_username") or claims.get("upn") or ""
    return AuthenticationRecord(utid, client_id, authority, f"{uid}.{utid}", username)


def _client_info(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str):
        return {}
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
