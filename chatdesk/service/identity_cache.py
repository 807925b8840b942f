"""azure-identity's OS-protected token cache, opened through msal-extensions' public API.

azure-identity keeps the tokens of a credential built with `TokenCachePersistenceOptions(name=N)`
in an msal-extensions persistence named `N.nocae` (and `N.cae` for continuous access
evaluation): a DPAPI-protected file under %LOCALAPPDATA%\\.IdentityService on Windows, the
Keychain on macOS, libsecret on Linux. azure-identity has no public way to open that cache
(to check it opens before a sign-in starts, or to remove an account at sign-out), so chatdesk
builds the same persistence with msal-extensions' public classes. The layout is azure-identity
1.x's (azure/identity/_persistent_cache.py); tests/service/test_identity_cache.py checks it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import msal_extensions
from azure.identity import TokenCachePersistenceOptions

# azure-identity's names for its cache entries (its _persistent_cache.py and _constants.py).
SUFFIXES = {False: ".nocae", True: ".cae"}
ACCOUNT_NAME = "MSALCache"
KEYCHAIN_SERVICE = "Microsoft.Developer.IdentityService"
LIBSECRET_ATTRIBUTES = {"MsalClientID": "Microsoft.Developer.IdentityService"}


def open_cache(
    options: TokenCachePersistenceOptions, *, is_cae: bool = False
) -> msal_extensions.PersistedTokenCache:
    """The MSAL token cache azure-identity uses for `options` (an MSAL `TokenCache`: `search`,
    `remove_rt`...). Reads nothing yet. Raises ValueError (chained to the cause) when the OS
    protection is unavailable (Linux without PyGObject/libsecret or without a keyring), as
    azure-identity does; NotImplementedError on another platform."""
    return msal_extensions.PersistedTokenCache(_persistence(options, is_cae))


def _persistence(
    options: TokenCachePersistenceOptions, is_cae: bool
) -> msal_extensions.persistence.BasePersistence:
    cache_name = options.name + SUFFIXES[is_cae]
    if sys.platform.startswith("win") and "LOCALAPPDATA" in os.environ:
        location = Path(os.environ["LOCALAPPDATA"], ".IdentityService", cache_name)
        return msal_extensions.FilePersistenceWithDataProtection(str(location))
    location = Path.home() / ".IdentityService" / cache_name
    if sys.platform.startswith("darwin"):
        return msal_extensions.KeychainPersistence(str(location), KEYCHAIN_SERVICE, cache_name)
    if sys.platform.startswith("linux"):
        try:
            return msal_extensions.LibsecretPersistence(
                str(location), cache_name, dict(LIBSECRET_ATTRIBUTES), label=ACCOUNT_NAME
            )
        except Exception as exc:
            if options.allow_unencrypted_storage:
                return msal_extensions.FilePersistence(str(location))
            # azure-identity's wording, which entra_errors.is_cache_problem recognises.
            raise ValueError(
                "Cache encryption is impossible because libsecret dependencies are not "
                "installed or are unusable (the chained exception has more information)."
            ) from exc
    raise NotImplementedError("A persistent token cache is not available on this platform.")
