"""Microsoft Entra ID sign-in for Azure OpenAI, without API keys.

`EntraSession` owns one azure-identity credential. The window calls `sign_in()` on a
background thread when the person asks to sign in, and hands `token_provider()` to the
openai client as `api_key=`; azure-identity then caches tokens and refreshes them before they
expire. Interactive credentials are built with automatic authentication disabled, so a
background request never pops a browser: it raises `SignInRequired` and the window asks.

What is kept between launches:

* the AuthenticationRecord (account name, tenant, authority; no token) in `record_path`,
  so a new launch knows who is signed in without the network;
* tokens, in azure-identity's persistent cache named "chatdesk", which the OS protects (Secret
  Service via libsecret on Linux, Keychain on macOS, DPAPI on Windows). On Linux without
  PyGObject, MSAL's cache is kept in the Secret Service through `keyring` instead
  (service/token_cache.py). When no protected cache is available the credential uses an
  in-memory cache, `cache_warning` names the cause, and no record is saved: a plaintext token
  file is never written.

`sign_out()` forgets the record, drops the credential and removes the account's tokens from
the token caches (`entra_credentials.forget_tokens`), unless another profile's record is
signed in with the same account. Revoking the sign-in everywhere is done on the Microsoft
account page.

The credentials and caches are in `entra_credentials`, the messages in `entra_errors`, the
shared types in `entra_types` (all re-exported here).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.identity import AuthenticationRecord, get_bearer_token_provider

from chatdesk.core.atomic import atomic_write_text
from chatdesk.core.paths import config_dir
from chatdesk.service.blocking import Cancelled, DeadlinePassed, call_blocking
from chatdesk.service.entra_credentials import (
    CACHE_NAME,
    CredentialFactory,
    forget_tokens,
    make_credential,
)
from chatdesk.service.entra_errors import cache_warning, is_cache_problem, sign_in_error
from chatdesk.service.entra_types import (
    SCOPE,
    DeviceCode,
    EntraError,
    EntraMode,
    SignedIn,
    SignInCancelled,
    SignInError,
    SignInRequired,
    exception_chain,
)
from chatdesk.service.events import CancelToken
from chatdesk.service.network import Network, trying, watching_proxy

__all__ = [
    "CACHE_NAME",
    "SCOPE",
    "DeviceCode",
    "EntraError",
    "EntraMode",
    "EntraSession",
    "SignInCancelled",
    "SignInError",
    "SignInRequired",
    "SignedIn",
    "cache_warning",
    "exception_chain",
    "make_credential",
    "sign_in_error",
]

_log = logging.getLogger(__name__)

RECORD_FILE = "entra-auth-record.json"


class EntraSession:
    """One Entra ID identity for one connection profile. Thread-safe.

    `sign_in()` blocks (up to `timeout`) and must run off the GUI thread; the device-code
    callback is called on a worker thread too. Everything else is quick.
    """

    def __init__(
        self,
        mode: EntraMode | str,
        tenant_id: str | None = None,
        client_id: str | None = None,
        record_path: Path | None = None,
        credential_factory: CredentialFactory | None = None,
        device_code_callback: Callable[[DeviceCode], None] | None = None,
        *,
        scope: str = SCOPE,
        authority: str | None = None,
        transport: Any = None,
        token_forgetter: Callable[[AuthenticationRecord], object] = forget_tokens,
    ) -> None:
        self.mode = EntraMode(mode)
        self._forget_tokens = token_forgetter
        # The token scope and Entra ID host of the profile's cloud (core/clouds.py).
        self.scope = scope
        self.authority = authority
        self._transport = transport
        self.tenant_id = tenant_id or None
        self.client_id = client_id or None
        self.record_path = record_path if record_path is not None else config_dir() / RECORD_FILE
        self._factory: CredentialFactory = credential_factory or make_credential
        self._device_code_callback = device_code_callback
        self._lock = threading.RLock()
        self._token_lock = threading.Lock()
        self._credential: TokenCredential | None = None
        self._bearer: Callable[[], str] | None = None
        self._persistent_cache = True
        self._record: AuthenticationRecord | None = None
        self._account: SignedIn | None = None
        # Bumped by sign_out(), so a sign-in that finishes afterwards does not sign back in.
        self._generation = 0
        self.cache_warning: str | None = None
        if self.mode.interactive:
            self._record = self._load_record()
            if self._record is not None:
                self._account = _account_from_record(self._record)

    # -- state -------------------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        """An account is known: from this session's sign-in or the record saved by an earlier
        one. A token request may still raise SignInRequired if the cached sign-in expired."""
        with self._lock:
            return self._account is not None

    @property
    def account(self) -> SignedIn | None:
        with self._lock:
            return self._account

    def sign_out(self) -> None:
        """Forget the account: delete the saved record, drop the credential, and remove the
        account's tokens from the token caches (unless another profile's saved record is
        signed in with the same account: its sign-in stays). Blocks on the OS keyring: call
        it off the GUI thread."""
        with self._lock:
            self._generation += 1
            record = self._record
            self.cache_warning = None  # nobody is signed in: no session to be "only" for
            self._credential = None
            self._bearer = None
            self._record = None
            self._account = None
            if self.mode.interactive:
                self._delete_record()
        if record is not None and not self._shared_elsewhere(record):
            try:
                self._forget_tokens(record)
            except Exception as exc:  # the record is gone: this sign-in is not used again
                _log.warning("cannot remove the account's tokens: %s", type(exc).__name__)

    def _shared_elsewhere(self, record: AuthenticationRecord) -> bool:
        """Another profile's record (a sibling file) names the same account."""
        for path in self.record_path.parent.glob("*.json"):
            if path == self.record_path:
                continue
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                other = AuthenticationRecord.deserialize(path.read_text(encoding="utf-8"))
                if other.home_account_id == record.home_account_id:
                    return True
        return False

    # -- sign-in -----------------------------------------------------------------------------

    def sign_in(
        self,
        cancel: CancelToken | None = None,
        timeout: float = 300,
        *,
        network: Network | None = None,
    ) -> SignedIn:
        """Sign in interactively (browser / device code) or verify the developer sign-in
        (default mode). Blocks up to `timeout` seconds; raises SignInCancelled as soon as
        `cancel` is cancelled, SignInError when the time is up or the sign-in failed.
        `network`: choices tried instead of the app's for this sign-in's requests (a proxy
        typed in the Connections dialog, not yet saved), as `ChatService.test_connection`.

        A sign-in given up on is abandoned, not stopped: azure-identity has no way to end a
        pending browser or device-code wait, which ends on the credential's own timeout."""
        if self.mode is EntraMode.DEVICE_CODE and self._device_code_callback is None:
            raise ValueError("device-code sign-in needs a device_code_callback to show the code")
        with self._lock:
            generation = self._generation
        try:
            outcome = call_blocking(
                lambda: self._sign_in_through(network, timeout), timeout=timeout, cancel=cancel
            )
        except Cancelled:
            raise SignInCancelled("Sign-in was cancelled.") from None
        except DeadlinePassed:
            raise SignInError(
                f"Sign-in did not finish within {_duration(timeout)}. Try again, and complete "
                "the sign-in in the browser or on the other device."
            ) from None
        credential, persistent, record, account, warning = outcome
        with self._lock:
            if generation != self._generation:
                raise SignInCancelled("Sign-in was cancelled: you signed out meanwhile.")
            self._credential = credential
            self._bearer = None
            self._persistent_cache = persistent
            # Said only now that someone is signed in (tester: "signed in for this session
            # only" under a sign-in that had failed).
            self.cache_warning = warning
            self._record = record
            self._account = account
            if record is not None:
                self._store_record(record, persistent)
        return account

    def _sign_in_through(
        self, network: Network | None, timeout: float
    ) -> tuple[TokenCredential, bool, AuthenticationRecord | None, SignedIn, str | None]:
        # On the worker thread: `trying` holds for the thread that enters it.
        with trying(network), watching_proxy() as failures:
            try:
                return self._sign_in_blocking(timeout)
            except SignInError as exc:
                if not failures:
                    raise
                # The proxy failed it (a credential chain keeps its credentials' failures as
                # text only: DefaultAzureCredential).
                raise sign_in_error(failures[-1], self.mode, self.authority) from exc

    def _sign_in_blocking(
        self, timeout: float
    ) -> tuple[TokenCredential, bool, AuthenticationRecord | None, SignedIn, str | None]:
        # Runs on the worker thread; it only computes, the caller commits, so an abandoned
        # (cancelled) attempt never changes the session.
        def attempt(
            credential: TokenCredential,
        ) -> tuple[AuthenticationRecord | None, SignedIn]:
            if self.mode is EntraMode.DEFAULT:
                return None, _account_from_token(credential.get_token(self.scope))
            record = credential.authenticate(scopes=[self.scope])  # type: ignore[attr-defined]
            return record, _account_from_record(record)

        cache_failure: BaseException | None = None  # why the OS token cache is not used
        failed_in_use: BaseException | None = None
        persistent = False  # Until a credential with the OS cache exists.
        try:
            credential, persistent, cache_failure = self._credential_for(
                None, timeout, persistent=True
            )
            record, account = attempt(credential)
        except EntraError:
            raise
        except Exception as exc:
            if not (persistent and is_cache_problem(exc)):
                raise sign_in_error(exc, self.mode, self.authority) from exc
            cache_failure = failed_in_use = exc
        if failed_in_use is not None:
            # The OS cache failed on first use, before any prompt: redo it with memory only.
            # Outside the `except` so the retry's own failure is not chained to this one.
            try:
                credential, persistent, _ = self._credential_for(None, timeout, persistent=False)
                record, account = attempt(credential)
            except EntraError:
                raise
            except Exception as exc:
                raise sign_in_error(exc, self.mode, self.authority) from exc
        warning = None if persistent or cache_failure is None else cache_warning(cache_failure)
        return credential, persistent, record, account, warning

    def _build_credential(
        self, record: AuthenticationRecord | None, timeout: float, *, persistent: bool
    ) -> tuple[TokenCredential, bool]:
        credential, persistent, failure = self._credential_for(
            record, timeout, persistent=persistent
        )
        if failure is not None:
            self._note_cache_unavailable(failure)
        return credential, persistent

    def _credential_for(
        self, record: AuthenticationRecord | None, timeout: float, *, persistent: bool
    ) -> tuple[TokenCredential, bool, BaseException | None]:
        """The credential, whether it keeps the OS token cache, and why not when that cache
        failed to open. Raises what building a credential raises for any other reason."""
        def build(use_cache: bool) -> TokenCredential:
            return self._factory(
                mode=self.mode,
                tenant_id=self.tenant_id,
                client_id=self.client_id,
                authority=self.authority,
                transport=self._transport,
                authentication_record=record,
                prompt_callback=self._prompt if self.mode is EntraMode.DEVICE_CODE else None,
                persistent_cache=use_cache,
                timeout=timeout,
            )

        if not (persistent and self.mode.interactive):
            return build(False), False, None
        try:
            return build(True), True, None
        except Exception as exc:
            if not is_cache_problem(exc):
                raise  # e.g. the authority unreachable: a sign-in error, not a cache one
            failure = exc
        # The OS token cache could not open (make_credential opens it up front): memory only.
        return build(False), False, failure

    def _note_cache_unavailable(self, exc: BaseException) -> None:
        # Info, not a warning: the person reads `cache_warning`, not a raw log line.
        _log.info("persistent token cache unavailable: %s", type(exc).__name__)
        self.cache_warning = cache_warning(exc)

    def _prompt(self, verification_uri: str, user_code: str, expires_on: datetime) -> None:
        callback = self._device_code_callback
        if callback is not None:
            callback(DeviceCode(verification_uri, user_code, expires_on))

    # -- tokens ------------------------------------------------------------------------------

    def token_provider(self) -> Callable[[], str]:
        """A callable for the openai client's `api_key=`: each call returns a current access
        token, cached and refreshed before expiry by azure-identity. Runs on whichever thread
        makes the request. Raises SignInRequired (now or on a call) when nobody is signed in
        in browser/device-code mode; other failures become SignInError."""
        if self.mode.interactive and not self.signed_in:
            raise SignInRequired(_SIGN_IN_FIRST)
        return self._provide_token

    def _provide_token(self) -> str:
        # Serialised so parallel requests share one refresh instead of racing for tokens.
        with self._token_lock:
            try:
                return self._bearer_provider()()
            except EntraError:
                raise
            except Exception as exc:
                if not (self._persistent_cache and is_cache_problem(exc)):
                    raise sign_in_error(exc, self.mode, self.authority) from exc
                self._note_cache_unavailable(exc)
                with self._lock:
                    self._persistent_cache = False
                    self._credential = None
                    self._bearer = None
            try:
                return self._bearer_provider()()
            except EntraError:
                raise
            except Exception as exc:
                raise sign_in_error(exc, self.mode, self.authority) from exc

    def _bearer_provider(self) -> Callable[[], str]:
        with self._lock:
            if self._bearer is not None:
                return self._bearer
            if self._credential is None:
                if self.mode.interactive and self._record is None:
                    raise SignInRequired(_SIGN_IN_FIRST)
                # A saved record lets the credential sign in silently from the token cache.
                self._credential, self._persistent_cache = self._build_credential(
                    self._record, 300, persistent=self._persistent_cache
                )
            self._bearer = get_bearer_token_provider(self._credential, self.scope)
            return self._bearer

    # -- record file -------------------------------------------------------------------------

    def _load_record(self) -> AuthenticationRecord | None:
        try:
            text = self.record_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            _log.warning("cannot read %s: %s", self.record_path, exc)
            return None
        try:
            record = AuthenticationRecord.deserialize(text)
        except (ValueError, KeyError, TypeError) as exc:
            _log.warning("ignoring unreadable sign-in record %s: %s", self.record_path, exc)
            return None
        # A record made for another app cannot sign this one in; treat it as absent. (Tenants
        # are not compared: "organizations" or a domain name legitimately differ from the GUID.)
        if self.client_id and record.client_id and record.client_id != self.client_id:
            return None
        return record

    def _store_record(self, record: AuthenticationRecord, persistent: bool) -> None:
        if not persistent:
            # Without the OS token cache a new launch could not sign in silently; saving the
            # record would make it claim to be signed in when it is not.
            self._delete_record()
            return
        try:
            atomic_write_text(self.record_path, record.serialize())
        except OSError as exc:
            _log.warning("cannot save sign-in record %s: %s", self.record_path, exc)

    def _delete_record(self) -> None:
        try:
            self.record_path.unlink(missing_ok=True)
        except OSError as exc:
            _log.warning("cannot delete sign-in record %s: %s", self.record_path, exc)

    def __repr__(self) -> str:
        return f"EntraSession(mode={self.mode.value!r}, signed_in={self.signed_in})"


_SIGN_IN_FIRST = "No one is signed in with Microsoft Entra ID for this profile yet."


# -- helpers -----------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


def _account_from_record(record: AuthenticationRecord) -> SignedIn:
    return SignedIn(
        username=record.username or None,
        tenant_id=record.tenant_id or None,
        authority=record.authority or None,
    )


def _account_from_token(token: AccessToken) -> SignedIn:
    # Who the developer credential acts as, for display only: read, not verified, claims.
    claims = _jwt_claims(token.token)
    username = claims.get("upn") or claims.get("preferred_username") or claims.get("unique_name")
    tenant = claims.get("tid")
    return SignedIn(
        username=username if isinstance(username, str) else None,
        tenant_id=tenant if isinstance(tenant, str) else None,
        authority=None,
    )


def _jwt_claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    with contextlib.suppress(ValueError, binascii.Error, UnicodeDecodeError):
        claims = json.loads(base64.urlsafe_b64decode(payload))
        if isinstance(claims, dict):
            return claims
    return {}
