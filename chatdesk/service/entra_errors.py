"""What went wrong in an Entra ID sign-in, in words a person can act on.

azure-identity and MSAL raise their own exceptions, often wrapping a transport error several
causes deep; `sign_in_error` reads the whole chain (AADSTS codes, certificate and proxy
failures, timeouts) and returns a `SignInError` whose text never quotes the library's (so no
token can leak into it). `cache_warning` says why the OS-protected token cache is unavailable.
"""

from __future__ import annotations

import re
import socket

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.identity import AuthenticationRequiredError, CredentialUnavailableError

from chatdesk.service.entra_types import (
    EntraMode,
    SignInError,
    SignInRequired,
    exception_chain,
)

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



def is_cache_problem(exc: BaseException) -> bool:
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
    """An untrusted certificate, or a proxy wanting credentials, unreachable or refusing the
    way, on the way to Entra ID (the proxy named as the request found it: `ProxyFailure`)."""
    from chatdesk.service.certificates import reason, verification_failure, wrapped
    from chatdesk.service.network import ProxyFailure, proxy_for
    from chatdesk.service.network_errors import (
        certificate_error,
        proxy_auth_error,
        proxy_refused_error,
        proxy_unreachable_error,
    )

    chain = wrapped(exception_chain(exc))
    url = f"https://{authority}/"
    failure = verification_failure(chain)
    proxy = next((e for e in chain if isinstance(e, ProxyFailure)), None)
    if failure is not None:
        error = certificate_error(url, reason(failure), proxy_for(url))
    elif re.search(r"\b407\b", " ".join(str(e) for e in chain)):
        error = proxy_auth_error(proxy.proxy if proxy else proxy_for(url) or "on the way", url)
    elif proxy is not None and proxy.status:
        error = proxy_refused_error(proxy.proxy, proxy.host, proxy.status, proxy.advice)
    elif proxy is not None:
        error = proxy_unreachable_error(proxy.proxy, proxy.why, proxy.advice)
    else:
        return None
    message = error.message if error.message.endswith(".") else error.message + "."
    return SignInError(f"Sign-in to Microsoft Entra ID failed. {message} {error.action}")


def _azure_cli_error(exc: BaseException) -> SignInError | None:
    """`az` could not reach Entra ID (`AzureCliUnreachable`, read from its own words): said as
    chatdesk says it of its own requests, the proxy named without its password."""
    from chatdesk.service.azure_cli import AzureCliUnreachable
    from chatdesk.service.network_errors import (
        proxy_auth_error,
        proxy_refused_error,
        proxy_unreachable_error,
    )

    failure = next((e for e in exception_chain(exc) if isinstance(e, AzureCliUnreachable)), None)
    if failure is None:
        return None
    said = "The Azure CLI (az) could not reach Microsoft Entra ID."
    host, proxy = failure.host, failure.proxy
    if failure.certificate:
        # az was given what chatdesk trusts (azure_cli, ca_bundle) where a file can hold it:
        # what it was given is named, and the one fix that reaches az on every system.
        if failure.trusted:
            given = (
                f"chatdesk gave az the certificates it trusts ({_listed(failure.trusted)}), "
                "and none of them vouches for it."
            )
        else:
            given = "az trusted only its own list of public certificates."
        return SignInError(
            f"The Azure CLI (az) did not trust the certificate of {host}: "
            f"{failure.certificate}. {given} If your company inspects HTTPS traffic, name a "
            "file that holds its root certificate in SSL_CERT_FILE before starting chatdesk "
            "(chatdesk gives it to az), or choose browser or device-code sign-in. Otherwise "
            "the connection may be intercepted: do not work around it."
        )
    if failure.status.startswith("407"):
        error = proxy_auth_error(proxy or "on the way", f"https://{host}/")
    elif proxy is not None and failure.status:
        error = proxy_refused_error(proxy, host, failure.status, failure.advice)
    elif proxy is not None:
        error = proxy_unreachable_error(proxy, failure.why, failure.advice)
    else:
        return SignInError(f"{said} {_unreachable(host, failure.why)}")
    message = error.message if error.message.endswith(".") else error.message + "."
    return SignInError(f"{said} {message} {error.action}")


def _listed(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _unreachable(authority: str, why: str = "") -> str:
    # The host, because behind a firewall it is what IT must open (Government and China
    # clouds sign in elsewhere: core/clouds.py).
    return (
        f"Could not reach Microsoft Entra ID at {authority}{f' ({why})' if why else ''}. "
        "Check your internet connection (and proxy) and try again; behind a firewall, ask IT "
        f"to allow https://{authority}."
    )


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

# "The resource principal named https://cognitiveservices.azure.us was not found": the
# tenant signed in to has no such resource, which is what az on another cloud says (az signs
# in to one cloud at a time, AzureCloud unless `az cloud set` chose another).
_RESOURCE_NOT_FOUND = "AADSTS500011"

_NO_DEVELOPER_SIGN_IN = (
    "No developer sign-in was found. Run `az login`, or choose browser or device-code sign-in."
)


def _resource_not_found(mode: EntraMode, authority: str) -> str:
    """AADSTS500011: the tenant signed in to does not know Azure OpenAI of the profile's cloud.
    For developer sign-in that is az signed in to another cloud: the fix names the profile's."""
    from chatdesk.core.clouds import PUBLIC, cloud_of_authority

    cloud = cloud_of_authority(authority) or PUBLIC
    where = f"Azure OpenAI of {cloud.label} ({cloud.scope.removesuffix('/.default')})"
    if mode is EntraMode.DEFAULT:
        return (
            f"The account you signed in with does not know {where}: the Azure CLI is probably "
            f"signed in to another cloud. Run `az cloud set --name {cloud.az_cloud}`, then "
            "`az login`, and sign in again (or choose browser or device-code sign-in)."
        )
    return (
        f"The tenant you signed in to does not know {where}. Check the profile's cloud "
        "(Gateway & cloud) and tenant ID, then try again."
    )


def sign_in_error(
    exc: BaseException, mode: EntraMode, authority: str | None = None
) -> SignInError:
    """Turn an azure-identity failure into a message for a person. The library's own text is
    used only to classify, never shown, so nothing token-like can leak into it."""
    if isinstance(exc, SignInError):
        return exc
    authority = authority or "login.microsoftonline.com"
    from chatdesk.service.network import NetworkSetupError

    # A CA file or proxy setting that cannot be used: its own words say which and what to do.
    unusable = next((e for e in exception_chain(exc) if isinstance(e, NetworkSetupError)), None)
    if unusable is not None:
        return SignInError(str(unusable))
    network = _azure_cli_error(exc) or _network_sign_in_error(exc, authority)
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
    if code == _RESOURCE_NOT_FOUND:
        return SignInError(_resource_not_found(mode, authority))
    if code in _AADSTS_ADVICE:
        return SignInError(_AADSTS_ADVICE[code])
    if _is_network_problem(exc):
        return SignInError(_unreachable(authority))
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
    if code is not None and mode is EntraMode.DEFAULT:  # no client ID of the profile's is used
        return SignInError(
            f"Microsoft Entra ID refused the sign-in ({code}). Check the tenant ID of this "
            "profile and the account you signed in with (az login), then try again."
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
