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

`sign_out()` forgets the record and drops the credential. azure-identity has no API to remove
one account from its persistent cache, so the refresh token stays there, OS-protected, until it
expires (Entra ID refresh tokens lapse after 90 days unused); chatdesk does not use it again
until the person signs in. Revoke sessions from the Microsoft account page if needed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.identity import (
    AuthenticationRecord,
    AuthenticationRequiredError,
    CredentialUnavailableError,
    DefaultAzureCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
    TokenCachePersistenceOptions,
    get_bearer_token_provider,
)

from chatdesk.core.atomic import atomic_write_text
from chatdesk.core.paths import config_dir
from chatdesk.service.error_context import exception_chain

__all__ = [
    "SCOPE",
    "DeviceCode",
    "EntraMode",
    "EntraSession",
    "SignInCancelled",
    "SignInError",
    "SignInRequired",
    "SignedIn",
    "make_credential",
]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

SCOPE = "https://cognitiveservices.azure.com/.default"
CACHE_NAME = "chatdesk"
RECORD_FILE = "entra-auth-record.json"
_POLL_SECONDS = 0.05


class EntraMode(str, Enum):
    BROWSER = "browser"
    DEVICE_CODE = "device-code"
    # DefaultAzureCredential: Azure CLI / azd / PowerShell / environment / managed identity.
    DEFAULT = "default"

    @property
    def interactive(self) -> bool:
        return self is not EntraMode.DEFAULT


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the person must see to finish device-code sign-in on another device."""

    verification_uri: str
    user_code: str
    expires_on: datetime


@dataclass(frozen=True, slots=True)
class SignedIn:
    username: str | None
    tenant_id: str | None
    authority: str | None


class EntraError(Exception):
    """Base of this module's errors; the message is fit to show and never holds a token."""


class SignInError(EntraError):
    """Sign-in or a token request failed; the message says what to do."""


class SignInRequired(SignInError):
    """A token is needed but nobody is signed in: ask the person to sign in explicitly."""


class SignInCancelled(EntraError):
    """The person cancelled sign-in. Not an error to show."""


def make_credential(
    *,
    mode: EntraMode,
    tenant_id: str | None = None,
    client_id: str | None = None,
    authority: str | None = None,
    transport: Any = None,
    authentication_record: AuthenticationRecord | None = None,
    prompt_callback: Callable[[str, str, datetime], None] | None = None,
    persistent_cache: bool = True,
    timeout: float = 300,
) -> TokenCredential:
    """The real credential factory. Custom factories receive the same keyword arguments.

    `authority` is the Entra ID host of the profile's cloud (login.microsoftonline.us...), and
    `transport` the azure-core transport that carries chatdesk's trust store and proxy."""
    common: dict[str, Any] = {}
    if authority:
        common["authority"] = authority
    if transport is not None:
        common["transport"] = transport
    if mode is EntraMode.DEFAULT:
        return DefaultAzureCredential(exclude_interactive_browser_credential=True, **common)
    kwargs: dict[str, Any] = {
        **common,
        "authentication_record": authentication_record,
        # A token request from a background worker must never open a browser by itself.
        "disable_automatic_authentication": True,
        "timeout": max(1, int(timeout)),
    }
    if tenant_id:
        kwargs["tenant_id"] = tenant_id
    if client_id:
        kwargs["client_id"] = client_id
    if persistent_cache:
        # allow_unencrypted_storage stays False: no token ever lands in a plaintext file.
        options = TokenCachePersistenceOptions(name=CACHE_NAME)
        try:
            _open_persistent_cache(options)
        except Exception as exc:
            # Linux without PyGObject: keep MSAL's cache in the Secret Service ourselves.
            cache = _secret_service_cache(exc)
            if cache is None:
                raise
            from chatdesk.service.token_cache import MsalUserCredential

            return MsalUserCredential(  # type: ignore[return-value]
                device_code=mode is EntraMode.DEVICE_CODE,
                cache=cache,
                tenant_id=tenant_id,
                client_id=client_id,
                authority=authority,
                authentication_record=authentication_record,
                prompt_callback=prompt_callback,
                http_client=_identity_session(transport),
                timeout=timeout,
            )
        kwargs["cache_persistence_options"] = options
    if mode is EntraMode.BROWSER:
        return InteractiveBrowserCredential(**kwargs)
    return DeviceCodeCredential(prompt_callback=prompt_callback, **kwargs)


def _open_persistent_cache(options: TokenCachePersistenceOptions) -> None:
    """Open the OS-protected token cache now, as azure-identity would on first use, so a
    failure (Linux without PyGObject/libsecret or without a keyring) raises here, before a
    sign-in starts: azure-identity fails only after starting its localhost listener for the
    browser and does not close it. Raises what azure-identity raises (ValueError mostly)."""
    try:
        # Private, hence guarded: if it moves, EntraSession's first-use fallback still works.
        from azure.identity._persistent_cache import _load_persistent_cache
    except ImportError:
        return
    _load_persistent_cache(options)


def _secret_service_cache(failure: BaseException) -> Any | None:
    """The Secret Service token cache, where azure-identity's failed for want of PyGObject."""
    if not any(
        isinstance(e, ModuleNotFoundError) and e.name == "gi" for e in exception_chain(failure)
    ):
        return None
    from chatdesk.core.paths import config_dir
    from chatdesk.service.token_cache import secret_service_cache

    return secret_service_cache(CACHE_NAME, config_dir() / "entra" / "token-cache.lock")


def _identity_session(transport: Any) -> Any:
    from chatdesk.service.network import identity_session

    return identity_session() if transport is not None else None


CredentialFactory = Callable[..., TokenCredential]

_CACHE_WARNING = (
    "chatdesk cannot remember your Microsoft sign-in on this system because no protected "
    "token store is available (on Linux this needs libsecret and a running keyring such as "
    "GNOME Keyring). You are signed in for this session only and will be asked again next time."
)
_SESSION_ONLY = "You are signed in for this session only and will be asked again next time."


def cache_warning(exc: BaseException) -> str:
    """Why the OS-protected token cache could not open, naming the real cause where known.

    On Linux azure-identity stores tokens through msal-extensions' libsecret binding, which
    needs PyGObject (the `gi` module) and libsecret's introspection data; neither comes with
    pip alone. A missing keyring daemon or a locked keyring are different causes."""
    chain = exception_chain(exc)
    missing = next(
        (e for e in chain if isinstance(e, ModuleNotFoundError) and e.name == "gi"), None
    )
    if missing is not None or any("import module 'gi'" in str(e) for e in chain):
        return (
            "chatdesk cannot remember your Microsoft sign-in: the token cache on Linux uses "
            "libsecret through PyGObject, and PyGObject (the Python module 'gi') is not "
            "installed in chatdesk's Python. Install it with the system's packages (Debian/"
            "Ubuntu: apt install python3-gi gir1.2-secret-1; Fedora: dnf install "
            "python3-gobject libsecret), or pip install PyGObject next to chatdesk. "
            + _SESSION_ONLY
        )
    text = " ".join(str(e) for e in chain).lower()
    if "namespace secret not available" in text or ("secret" in text and "typelib" in text):
        return (
            "chatdesk cannot remember your Microsoft sign-in: libsecret's introspection data is "
            "missing (Debian/Ubuntu: apt install gir1.2-secret-1). " + _SESSION_ONLY
        )
    if "locked" in text or "dismissed" in text:
        return (
            "chatdesk cannot remember your Microsoft sign-in: the keyring is locked. Unlock it "
            "(log in to the desktop, or open Passwords and Keys) and sign in again. "
            + _SESSION_ONLY
        )
    if "dbus" in text or "secret service" in text or "org.freedesktop.secrets" in text:
        return (
            "chatdesk cannot remember your Microsoft sign-in: no Secret Service is running "
            "(start GNOME Keyring or KWallet). " + _SESSION_ONLY
        )
    return _CACHE_WARNING


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
    ) -> None:
        self.mode = EntraMode(mode)
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
        """Forget the account: delete the saved record and drop the credential and its tokens
        held in memory. See the module docstring for what stays in the OS token cache."""
        with self._lock:
            self._generation += 1
            self._credential = None
            self._bearer = None
            self._record = None
            self._account = None
            if self.mode.interactive:
                self._delete_record()

    # -- sign-in -----------------------------------------------------------------------------

    def sign_in(self, cancel: threading.Event | None = None, timeout: float = 300) -> SignedIn:
        """Sign in interactively (browser / device code) or verify the developer sign-in
        (default mode). Blocks; raises SignInCancelled soon after `cancel` is set."""
        if self.mode is EntraMode.DEVICE_CODE and self._device_code_callback is None:
            raise ValueError("device-code sign-in needs a device_code_callback to show the code")
        with self._lock:
            generation = self._generation
        outcome = _run_cancellable(lambda: self._sign_in_blocking(timeout), cancel, timeout)
        if isinstance(outcome, _Timeout):
            raise SignInError(
                f"Sign-in did not finish within {_duration(timeout)}. Try again, and complete "
                "the sign-in in the browser or on the other device."
            )
        credential, persistent, record, account = outcome
        with self._lock:
            if generation != self._generation:
                raise SignInCancelled("Sign-in was cancelled: you signed out meanwhile.")
            self._credential = credential
            self._bearer = None
            self._persistent_cache = persistent
            self._record = record
            self._account = account
            if record is not None:
                self._store_record(record, persistent)
        return account

    def _sign_in_blocking(
        self, timeout: float
    ) -> tuple[TokenCredential, bool, AuthenticationRecord | None, SignedIn]:
        # Runs on the worker thread; it only computes, the caller commits, so an abandoned
        # (cancelled) attempt never changes the session.
        def attempt(
            credential: TokenCredential,
        ) -> tuple[AuthenticationRecord | None, SignedIn]:
            if self.mode is EntraMode.DEFAULT:
                return None, _account_from_token(credential.get_token(self.scope))
            record = credential.authenticate(scopes=[self.scope])  # type: ignore[attr-defined]
            return record, _account_from_record(record)

        cache_failure: Exception | None = None
        persistent = False  # Until a credential with the OS cache exists.
        try:
            credential, persistent = self._build_credential(None, timeout, persistent=True)
            record, account = attempt(credential)
        except EntraError:
            raise
        except Exception as exc:
            if not (persistent and _is_cache_problem(exc)):
                raise _sign_in_error(exc, self.mode, self.authority) from exc
            cache_failure = exc
        if cache_failure is not None:
            # The OS cache failed on first use, before any prompt: redo it with memory only.
            # Outside the `except` so the retry's own failure is not chained to this one.
            self._note_cache_unavailable(cache_failure)
            try:
                credential, persistent = self._build_credential(None, timeout, persistent=False)
                record, account = attempt(credential)
            except EntraError:
                raise
            except Exception as exc:
                raise _sign_in_error(exc, self.mode, self.authority) from exc
        return credential, persistent, record, account

    def _build_credential(
        self, record: AuthenticationRecord | None, timeout: float, *, persistent: bool
    ) -> tuple[TokenCredential, bool]:
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
            return build(False), False
        try:
            return build(True), True
        except Exception as exc:
            failure = exc
        # Building with the persistent cache failed (make_credential opens it up front). If a
        # credential without it works, the cache was the problem; otherwise report that error.
        credential = build(False)
        self._note_cache_unavailable(failure)
        return credential, False

    def _note_cache_unavailable(self, exc: BaseException) -> None:
        _log.warning("persistent token cache unavailable: %s", type(exc).__name__)
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
                if not (self._persistent_cache and _is_cache_problem(exc)):
                    raise _sign_in_error(exc, self.mode, self.authority) from exc
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
                raise _sign_in_error(exc, self.mode, self.authority) from exc

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


_SIGN_IN_FIRST = "Sign in with Microsoft Entra ID first: choose Sign in for this profile."


# -- helpers -----------------------------------------------------------------------------------


class _Timeout:
    pass


def _run_cancellable(
    fn: Callable[[], _T], cancel: threading.Event | None, timeout: float
) -> _T | _Timeout:
    """Run `fn` on a daemon thread and wait, checking `cancel` every 50 ms.

    A cancelled or timed-out call is abandoned, not killed: azure-identity has no way to stop
    a pending browser or device-code wait, which ends on the credential's own timeout.
    """
    result: list[_T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            result.append(fn())
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="chatdesk-entra-sign-in", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not done.wait(_POLL_SECONDS):
        if cancel is not None and cancel.is_set():
            raise SignInCancelled("Sign-in was cancelled.")
        if time.monotonic() >= deadline:
            return _Timeout()
    if failure:
        raise failure[0]
    return result[0]


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


def _is_cache_problem(exc: BaseException) -> bool:
    """The OS-protected token cache could not be opened (no libsecret, no keyring, ...)."""
    for item in exception_chain(exc):
        if type(item).__module__.startswith("msal_extensions"):
            return True
        if "cache encryption is impossible" in str(item).lower():
            return True
    return False


def _is_network_problem(exc: BaseException) -> bool:
    # azure-identity wraps transport errors in ClientAuthenticationError; look underneath.
    for item in exception_chain(exc):
        if isinstance(item, ServiceRequestError | ServiceResponseError | ConnectionError):
            return True
        if isinstance(item, socket.gaierror):
            return True
        module = type(item).__module__
        if module.startswith(("requests", "urllib3")) and any(
            word in type(item).__name__ for word in ("Connection", "Timeout", "SSL", "Proxy")
        ):
            return True
    return False


def _network_sign_in_error(exc: BaseException, authority: str) -> SignInError | None:
    """An untrusted certificate or a proxy wanting credentials, on the way to Entra ID."""
    from chatdesk.service.certificates import reason, verification_failure, wrapped
    from chatdesk.service.network import proxy_for
    from chatdesk.service.network_errors import certificate_error, proxy_auth_error

    chain = wrapped(exception_chain(exc))
    url = f"https://{authority}/"
    failure = verification_failure(chain)
    if failure is not None:
        error = certificate_error(url, reason(failure), proxy_for(url))
    elif re.search(r"\b407\b", " ".join(str(e) for e in chain)):
        error = proxy_auth_error(proxy_for(url) or "on the way")
    else:
        return None
    return SignInError(f"Sign-in to Microsoft Entra ID failed. {error.message} {error.action}")


_AADSTS_ADVICE: dict[str, str] = {
    "AADSTS50020": "This account does not belong to the tenant chatdesk signed in to. Check "
    "the tenant ID of this profile, or sign in with an account from that tenant.",
    "AADSTS90002": "That tenant was not found. Check the tenant ID of this profile.",
    "AADSTS900023": "The tenant ID of this profile is not valid. Check it and try again.",
    "AADSTS700016": "The application (client ID) is not registered in this tenant. Check the "
    "client ID of this profile, or leave it empty to use the default.",
    "AADSTS65001": "Your organization has not approved this application. Ask an "
    "administrator to grant consent, or use a client ID your organization allows.",
    "AADSTS50076": "Your organization requires extra verification (such as multi-factor "
    "sign-in). Sign in again with browser sign-in.",
    "AADSTS50079": "Your organization requires you to set up multi-factor sign-in. Sign in "
    "again with browser sign-in.",
    "AADSTS53003": "A conditional access policy of your organization blocked this sign-in. "
    "Ask your administrator, or try from a managed device.",
    "AADSTS50126": "The user name or password was wrong. Try again.",
    "AADSTS70019": "The device code expired before sign-in finished. Start sign-in again.",
    "AADSTS70020": "The device code expired before sign-in finished. Start sign-in again.",
}
# The remembered sign-in has lapsed; the person only needs to sign in again.
_AADSTS_EXPIRED = {"AADSTS50173", "AADSTS700082", "AADSTS70043", "AADSTS70008", "AADSTS50078"}

_NO_DEVELOPER_SIGN_IN = (
    "No developer sign-in was found. Run `az login`, or choose browser or device-code sign-in."
)


def _sign_in_error(
    exc: BaseException, mode: EntraMode, authority: str | None = None
) -> SignInError:
    """Turn an azure-identity failure into a message for a person. The library's own text is
    used only to classify, never shown, so nothing token-like can leak into it."""
    if isinstance(exc, SignInError):
        return exc
    network = _network_sign_in_error(exc, authority or "login.microsoftonline.com")
    if network is not None:
        return network
    if isinstance(exc, AuthenticationRequiredError):
        return SignInRequired(
            "Your Microsoft Entra ID sign-in has expired or was not remembered. Sign in again."
        )
    text = " ".join(str(item) for item in exception_chain(exc))
    lowered = text.lower()
    codes = re.findall(r"AADSTS\d+", text)
    code = codes[0] if codes else None
    if code in _AADSTS_EXPIRED:
        return SignInRequired("Your Microsoft Entra ID sign-in has expired. Sign in again.")
    if (
        mode is EntraMode.DEFAULT
        and code is None
        and (
            isinstance(exc, CredentialUnavailableError)
            or "failed to retrieve a token from the included credentials" in lowered
        )
    ):
        return SignInError(_NO_DEVELOPER_SIGN_IN)
    if code in _AADSTS_ADVICE:
        return SignInError(_AADSTS_ADVICE[code])
    if _is_network_problem(exc):
        return SignInError(
            "Could not reach Microsoft Entra ID. Check your internet connection (and proxy) "
            "and try again."
        )
    if "timed out" in lowered or isinstance(exc, TimeoutError):
        return SignInError(
            "Sign-in was not completed in time. Start it again and finish it in the browser "
            "or on the other device."
        )
    if isinstance(exc, CredentialUnavailableError):
        if "browser" in lowered:
            return SignInError(
                "chatdesk could not open a web browser for sign-in. Choose device-code "
                "sign-in instead and finish it on any device."
            )
        if "http server" in lowered:
            return SignInError(
                "chatdesk could not listen on localhost for the browser sign-in to return. "
                "Choose device-code sign-in instead."
            )
        return SignInError(
            "This sign-in method is not available here. Choose another sign-in method."
        )
    if code is not None:
        return SignInError(
            f"Microsoft Entra ID refused the sign-in ({code}). Check the tenant and client ID "
            "of this profile and the account you used, then try again."
        )
    if isinstance(exc, ClientAuthenticationError):
        return SignInError(
            "Microsoft Entra ID refused the sign-in. Check the tenant and client ID of this "
            "profile and the account you used, then try again."
        )
    if isinstance(exc, AzureError):
        return SignInError(f"Sign-in failed ({type(exc).__name__}). Try again.")
    return SignInError(
        f"Sign-in failed unexpectedly ({type(exc).__name__}). Try again, or choose another "
        "sign-in method."
    )
