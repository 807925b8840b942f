"""The openai SDK client for a connection profile, and the credentials it authenticates with.

Three endpoint kinds, as Microsoft's "Work with chat completion models"
(https://learn.microsoft.com/azure/ai-foundry/openai/how-to/chatgpt) shows them:

- azure-v1: `OpenAI(base_url="https://RESOURCE.openai.azure.com/openai/v1/", api_key=...)`; the
  key, or an Entra token provider, goes out as `Authorization: Bearer`.
- azure-api-version: `AzureOpenAI(azure_endpoint=..., api_version=...)` with the key as the
  `api-key` header, or `azure_ad_token_provider=` for Entra (Bearer).
- openai-compatible: `OpenAI(base_url=..., api_key=key or "not-needed")`.

Timeouts are chosen here rather than left at the SDK's 600 s, and the SDK never retries: the
chat service does, so each wait is announced and Stop can interrupt it.

`openai`, azure-identity and keyring are imported when first needed, not with this module: the
window builds `Credentials` at startup, and importing them costs most of a second.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from chatdesk.core.deployments import READ_TIMEOUT
from chatdesk.core.profiles import (
    CLI_PROFILE_NAME,
    ENV_PROFILE_NAME,
    ConnectionProfile,
    EndpointCheck,
)
from chatdesk.service.events import ChatError
from chatdesk.service.network import CONNECT_TIMEOUT

if TYPE_CHECKING:
    import openai

    from chatdesk.service.entra import EntraSession
    from chatdesk.service.secrets import Secret, SecretStore

# 10 s to connect (network.py: sign-in too) and core.deployments.READ_TIMEOUT of silence
# between bytes of an answer. Built on first use (`DEFAULT_TIMEOUT`).


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_TIMEOUT":
        return _default_timeout()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=1)
def _default_timeout() -> openai.Timeout:
    import openai

    return openai.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


NO_KEY = "not-needed"  # OpenAI-compatible local servers need some api_key string


class TokenSource(Protocol):
    """What Entra auth needs from a session: `EntraSession` or a test double."""

    def token_provider(self) -> Callable[[], str]: ...


class _TrackedProvider:
    """Wraps a token provider to remember the last token, only so error texts can scrub it."""

    __slots__ = ("_provider", "last")

    def __init__(self, provider: Callable[[], str]) -> None:
        self._provider = provider
        self.last: str | None = None

    def __call__(self) -> str:
        token = self._provider()
        self.last = token
        return token

    def __repr__(self) -> str:
        return "TokenProvider(***)"


class Auth(msgspec.Struct, frozen=True):
    """A profile's resolved credentials: a key, an Entra token provider, or none."""

    mode: Literal["key", "entra", "none"]
    key: Secret | None = None
    token_provider: Callable[[], str] | None = None
    # Header values from the keyring (a gateway's subscription key...), by header name.
    headers: Mapping[str, Secret] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:  # the mode and header names only, never a credential
        return f"Auth(mode={self.mode!r}, headers={sorted(self.headers)!r})"

    def header_values(self) -> dict[str, str]:
        return {name: value.reveal() for name, value in self.headers.items()}

    def secrets(self) -> Iterator[str]:
        """The values error texts must never show."""
        if self.key is not None:
            yield self.key.reveal()
        for value in self.headers.values():
            yield value.reveal()
        last = getattr(self.token_provider, "last", None)
        if last:
            yield last


def auth_kind(profile: ConnectionProfile, auth: Auth | None = None) -> str:
    """How requests of this profile authenticate, in words for the connection test."""
    mode = auth.mode if auth is not None else profile.auth
    if mode == "entra":
        return "bearer (Entra)"
    if mode == "none":
        return "none"
    return "api-key" if profile.sends_key_as() == "api-key" else "bearer (key)"


def header_secret_name(profile: str, header: str) -> str:
    """The keyring entry holding the value of a profile's secret header."""
    return f"{profile} / header {header}"


def entra_session_key(profile: ConnectionProfile) -> tuple[str | None, ...]:
    """What makes two profiles' Entra sessions the same one."""
    return (
        profile.name,
        profile.entra_mode,
        profile.tenant_id,
        profile.client_id,
        profile.scope(),
        profile.azure_cloud().authority,
    )


def entra_session_options(profile: ConnectionProfile) -> dict[str, Any]:
    """The EntraSession keywords a profile decides: its cloud's authority, its token scope, and
    the transport that trusts what chat requests trust (service/network.py)."""
    from chatdesk.service.network import identity_transport

    return {
        "scope": profile.scope(),
        "authority": profile.azure_cloud().authority,
        "transport": identity_transport(),
    }


class Credentials:
    """Resolves a profile's auth: its keyring entry, else the env var `key_variable()`, or the
    profile's Entra session. Thread-safe; the store may block, so call it off the GUI thread."""

    def __init__(
        self,
        secrets: SecretStore | None = None,
        *,
        env: Mapping[str, str] | None = None,
        entra: Callable[[ConnectionProfile], TokenSource] | None = None,
    ) -> None:
        self._secrets = secrets
        self._env = env  # None: os.environ, read when needed, not at import
        self._entra = entra or self._default_entra
        self._sessions: dict[tuple[str | None, ...], EntraSession] = {}
        self._lock = threading.Lock()

    def _default_entra(self, profile: ConnectionProfile) -> EntraSession:
        from chatdesk.service.entra import EntraSession

        key = entra_session_key(profile)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                session = EntraSession(
                    profile.entra_mode,
                    profile.tenant_id,
                    profile.client_id,
                    **entra_session_options(profile),
                )
                self._sessions[key] = session
            return session

    def instant(self, profile: ConnectionProfile) -> bool:
        """Whether `resolve(profile)` returns without waiting on anything (a key in memory or
        in the environment), so a request need not resolve it on a helper thread."""
        if profile.auth == "entra":
            return False
        return self._secrets is None or self._secrets.instant

    def resolve(self, profile: ConnectionProfile) -> Auth:
        """The profile's credentials; ChatError (with what to do) when there are none."""
        from chatdesk.service.errors import ErrorContext, map_error
        from chatdesk.service.secrets import Secret

        ctx = ErrorContext(profile=profile.name, kind=profile.kind, auth=profile.auth)
        try:
            headers = self.header_secrets(profile)
            token = self._env_value(profile.key_env) if profile.auth == "entra" else None
            if token is not None:  # a ready token (AZURE_OPENAI_AD_TOKEN): no sign-in
                provider = _TrackedProvider(lambda: token)
                return Auth("entra", token_provider=provider, headers=headers)
            if profile.auth == "entra":
                fetch = self._entra(profile).token_provider()
                return Auth("entra", token_provider=_TrackedProvider(fetch), headers=headers)
            key = self._secrets.get(profile.name) if self._secrets is not None else None
        except Exception as exc:
            raise map_error(exc, ctx) from None
        variable = profile.key_variable()
        if key is None and variable:
            value = self._env_value(variable)
            key = Secret(value) if value else None
        if key is not None:
            return Auth("key", key=key, headers=headers)
        if profile.kind == "openai-compatible" or headers:
            return Auth("none", headers=headers)
        # The title already says "No API key"; the message says where chatdesk looked.
        if self._secrets is None or self._secrets.is_secure:
            where, kept = "in the system keyring", "chatdesk keeps it in the system keyring"
        else:  # no secure keyring: keys typed in the window live in memory until chatdesk exits
            where = "for this session (there is no secure keyring on this system)"
            kept = "without a keyring chatdesk keeps it in memory until it exits"
        raise ChatError(
            "No API key",
            f"Profile {profile.name!r} has no key {where}, and the environment "
            f"variable {variable} is not set.",
            f"Enter the key in the profile's settings ({kept}), "
            f"set {variable}, or switch the profile to Microsoft Entra ID sign-in.",
        )

    def _env_value(self, name: str | None) -> str | None:
        if not name:
            return None
        env = os.environ if self._env is None else self._env
        return env.get(name, "").strip() or None

    def header_secrets(self, profile: ConnectionProfile) -> dict[str, Secret]:
        """The values of the profile's secret headers from the keyring, by header name; every
        request sends them, whatever the profile signs in with. ChatError (what to do) for a
        header whose value is not stored."""
        if not profile.secret_headers or self._secrets is None:
            return {}
        found = {}
        for name in profile.secret_headers:
            value = self._secrets.get(header_secret_name(profile.name, name))
            if value is None:
                raise ChatError(
                    "A header's value is missing",
                    f"No value is stored for the header {name} of profile {profile.name!r}.",
                    "Enter it in the profile's gateway headers (chatdesk keeps it in the "
                    "system keyring).",
                )
            found[name] = value
        return found


def require_usable(profile: ConnectionProfile, *, sends_secret: bool) -> EndpointCheck:
    """The profile's checked endpoint; ChatError, naming the field to correct, when the profile
    cannot be used as it stands."""
    check = profile.check(sends_secret=sends_secret)
    if check.error is not None:
        field = check.field or "endpoint"
        if profile.name == ENV_PROFILE_NAME:  # nothing to edit: the environment describes it
            variable = _ENV_VARIABLES.get(field, "AZURE_OPENAI_ENDPOINT")
            action = f"Correct the environment variable {variable}, or set up a profile."
        elif profile.name == CLI_PROFILE_NAME:  # built from chatdesk send's options
            action = _cli_action(profile, field)
        else:
            action = f"Edit profile {profile.name!r} and correct its {field}."
        raise ChatError("The profile needs attention", check.error, action)
    return check


def _cli_action(profile: ConnectionProfile, field: str) -> str:
    if profile.kind == "openai-compatible":
        option = {"deployment": "--model"}.get(field, "--base-url")
    else:
        option = {"deployment": "--deployment", "api_version": "--api-version"}.get(
            field, "--endpoint"
        )
    return f"Correct {option}."


_ENV_VARIABLES = {
    "endpoint": "AZURE_OPENAI_ENDPOINT (or OPENAI_BASE_URL)",
    "deployment": "AZURE_OPENAI_DEPLOYMENT",
    "api_version": "OPENAI_API_VERSION",
}


def make_client(
    profile: ConnectionProfile,
    credentials: Credentials | Auth,
    *,
    timeout: openai.Timeout | None = None,
) -> openai.OpenAI:
    """The SDK client for `profile` (an `AzureOpenAI` for the dated API). Close it after use.
    Raises ChatError for a profile that cannot work or has no credentials."""
    import openai

    from chatdesk.service.interrupt import mark_interruptible
    from chatdesk.service.transport import http_client

    timeout = timeout if timeout is not None else _default_timeout()
    auth = credentials if isinstance(credentials, Auth) else credentials.resolve(profile)
    require_usable(profile, sends_secret=auth.mode != "none" or bool(auth.headers))
    target = profile.target()
    key = auth.key.reveal() if auth.mode == "key" and auth.key is not None else None
    headers: dict[str, str] = {**profile.headers, **auth.header_values()}
    # A header of the user's that replaces the auth header is the one sent, whatever its case.
    override = profile.auth_override()
    fixed = {override: headers[override]} if override in headers else {}
    # The OpenAI class always sets Authorization and AzureOpenAI api-key; where the key goes in
    # the other header, or a gateway takes its own headers alone, the SDK's is dropped on the
    # way out (httpx's public request hook).
    drop: list[str] = []
    if target.client == "OpenAI":
        if key is not None and profile.sends_key_as() == "api-key":
            headers["api-key"] = key
            drop.append("Authorization")
        elif auth.mode == "none" and profile.kind != "openai-compatible":
            drop.append("Authorization")
    elif auth.mode == "none":
        drop.append("api-key")
    hooks = {"request": [functools.partial(_fix_headers, drop, fixed)]} if drop or fixed else {}
    common: dict[str, Any] = {
        "timeout": timeout,
        "max_retries": 0,
        "http_client": http_client(timeout=timeout, event_hooks=hooks),
        "default_headers": headers or None,
        "default_query": target.default_query or None,
    }
    if target.client == "AzureOpenAI":
        where = (
            {"azure_endpoint": target.azure_endpoint}
            if target.azure_endpoint
            else {"base_url": target.base_url}
        )
        if auth.mode == "entra":
            credential: dict[str, Any] = {"azure_ad_token_provider": auth.token_provider}
        elif key is not None and profile.sends_key_as() == "bearer":
            credential = {"azure_ad_token": key}
        else:
            credential = {"api_key": key or NO_KEY}
        client: openai.OpenAI = openai.AzureOpenAI(
            **where, api_version=target.api_version, **credential, **common
        )
    else:
        api_key: str | Callable[[], str]
        if auth.mode == "entra" and auth.token_provider is not None:
            api_key = auth.token_provider  # the SDK calls it per request: tokens refresh themselves
        else:
            api_key = key or NO_KEY
        client = openai.OpenAI(base_url=target.base_url, api_key=api_key, **common)
    mark_interruptible(client)  # every request goes through service/transport.py's backend
    return client


def _fix_headers(drop: list[str], fixed: dict[str, str], request: Any) -> None:
    for name in drop:
        request.headers.pop(name, None)
    for name, value in fixed.items():
        request.headers[name] = value  # replaces every value under any case of the name


ClientFactory = Callable[[ConnectionProfile, Auth], "openai.OpenAI"]
