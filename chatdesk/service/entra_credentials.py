"""The credentials Entra ID sign-in runs on, and the token caches they keep.

`make_credential` builds azure-identity's browser, device-code or developer credential (its
Azure CLI member runs `az` through chatdesk's proxy: azure_cli.py) with the OS-protected
persistent cache (Keychain, DPAPI, libsecret), or, on Linux without PyGObject, chatdesk's own
MSAL credential over the Secret Service (service/token_cache.py).
`forget_tokens` removes one account's tokens from those caches when it signs out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from azure.core.credentials import TokenCredential
from azure.identity import (
    AuthenticationRecord,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
    TokenCachePersistenceOptions,
)

from chatdesk.service.azure_cli import DeveloperCredential
from chatdesk.service.entra_types import EntraMode, exception_chain
from chatdesk.service.identity_cache import open_cache

_log = logging.getLogger(__name__)

CACHE_NAME = "chatdesk"
# azure-identity, azure-core, MSAL and urllib3 log a failed sign-in or token request as a
# WARNING with their raw text ("DeviceCodeCredential.get_token failed: ..."), which Python prints
# on stderr when nothing else is set up. chatdesk says what went wrong itself (entra_errors), so
# those lines stay quiet unless a level was set for them on purpose.
LIBRARY_LOGGERS = ("azure.identity", "azure.core", "msal", "msal_extensions", "urllib3")


def quiet_library_logs() -> None:
    """Raise the sign-in libraries' loggers to ERROR, leaving any level already chosen."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.ERROR)


quiet_library_logs()


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
        # DefaultAzureCredential, with `az` run through the proxy chat uses (azure_cli.py).
        return DeveloperCredential(exclude_interactive_browser_credential=True, **common)
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
        cache: Any = None
        try:
            _open_persistent_cache(options)
        except Exception as exc:
            # Linux without PyGObject: keep MSAL's cache in the Secret Service ourselves.
            cache = _secret_service_cache(exc)
            if cache is None:
                raise
        if cache is not None:
            # Built outside the `except`: MSAL reaches the authority as it is built, and a
            # network failure chained to the cache's ImportError read as a cache problem
            # (tester: "PyGObject is not installed" under a failed sign-in).
            from chatdesk.service.token_cache import MsalUserCredential

            return MsalUserCredential(
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
    open_cache(options)


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


def forget_tokens(record: AuthenticationRecord) -> int:
    """Remove the account of `record` (its refresh, access and ID tokens and the account
    entry) from every token cache chatdesk signs in with; returns how many entries went.
    Blocks on the OS keyring: call it off the GUI thread. A cache that cannot be opened holds
    nothing of chatdesk's, so it is skipped."""
    removed = 0
    for cache in _token_caches():
        try:
            removed += _remove_account(cache, record.home_account_id)
        except Exception as exc:  # the cache failed now; what it holds is not used again
            _log.warning("cannot remove the account from a token cache: %s", type(exc).__name__)
    return removed


def _token_caches() -> Iterator[Any]:
    """azure-identity's persistent caches (with and without CAE), then the Secret Service one."""
    options = TokenCachePersistenceOptions(name=CACHE_NAME)
    for is_cae in (False, True):
        try:
            yield open_cache(options, is_cae=is_cae)
        except Exception:  # absent on this system (no libsecret, no keyring...)
            continue
    from chatdesk.core.paths import config_dir
    from chatdesk.service.token_cache import secret_service_cache

    cache = secret_service_cache(CACHE_NAME, config_dir() / "entra" / "token-cache.lock")
    if cache is not None:
        yield cache


def _remove_account(cache: Any, home_account_id: str) -> int:
    """MSAL's TokenCache API: find the account's items of each kind and remove them."""
    kinds = cache.CredentialType
    removers = (
        (kinds.REFRESH_TOKEN, cache.remove_rt),
        (kinds.ACCESS_TOKEN, cache.remove_at),
        (kinds.ID_TOKEN, cache.remove_idt),
        (kinds.ACCOUNT, cache.remove_account),
    )
    removed = 0
    for kind, remove in removers:
        for item in list(cache.search(kind, query={"home_account_id": home_account_id})):
            remove(item)
            removed += 1
    return removed
