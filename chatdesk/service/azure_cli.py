"""Developer sign-in through the Azure CLI, by the proxy rule every other request follows.

azure-identity's `AzureCliCredential` runs `az account get-access-token` with chatdesk's own
environment, so the app's proxy (Connections → Gateway & cloud → Proxy, the settings'
`"proxy"`, or a proxy typed in Connections and being tried) never reached `az`: behind a proxy
only the setting names, `az` went direct and failed, while chat, Test connection, browser and
device-code sign-in went through it. `DeveloperCredential` is azure-identity's
`DefaultAzureCredential`, its chain and order as the library builds them (AZURE_TOKEN_CREDENTIALS
included), with that member replaced by `AzureCliThroughProxy`: the same command, its
environment's HTTPS_PROXY and NO_PROXY set by `network.proxy_url` for the Entra ID authority,
read when each token is asked for (so a refresh follows the saved setting, and a sign-in from
Connections the proxy typed there).

`az` trusts what chatdesk trusts: it reads its CAs from the one file REQUESTS_CA_BUNDLE names,
not from the system's store or SSL_CERT_FILE, so its run gets a file holding those too
(`ca_bundle.bundle_file`: certifi's roots, the system's, SSL_CERT_FILE's and
REQUESTS_CA_BUNDLE's), private and removed when az is done.

`az` needs the environment's proxy password to use that proxy, so the child's environment
holds it as chatdesk's own does; nothing here logs the environment, and the CLI's error text
is passed on with any user:password and token taken out. Azure PowerShell and the Azure
Developer CLI members still run with chatdesk's environment.

When `az` says it could not reach Entra ID — the proxy wanted a sign-in (407), refused the
tunnel or could not be reached, the certificate was not trusted, or the network was down — the
failure is `AzureCliUnreachable`, read from the CLI's own words (`unreachable`), and
`DeveloperCredential` keeps it as the cause of the chain's error (which keeps its members'
failures as text only), so entra_errors says what happened, naming the proxy, instead of
"no developer sign-in was found".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AzureCliCredential, CredentialUnavailableError, DefaultAzureCredential

from chatdesk.service.ca_bundle import bundle_file
from chatdesk.service.network import (
    Network,
    NetworkSetupError,
    proxy_advice,
    proxy_for,
    proxy_url,
    unreachable_reason,
)

DEFAULT_AUTHORITY = "login.microsoftonline.com"
# Seconds `az` may take: DefaultAzureCredential's own default for it.
PROCESS_TIMEOUT = 10
# Never through a proxy, whichever is set (network.proxy_url's first rule), for what `az`
# itself decides.
LOOPBACK = ("localhost", "127.0.0.1", "::1")
_TENANT = re.compile(r"[0-9A-Za-z.-]+")


class DeveloperCredential(DefaultAzureCredential):
    """`DefaultAzureCredential` whose Azure CLI member runs `az` through chatdesk's proxy."""

    def __init__(self, *, authority: str | None = None, **kwargs: Any) -> None:
        if authority:
            kwargs["authority"] = authority
        super().__init__(**kwargs)
        cli = AzureCliThroughProxy(authority or DEFAULT_AUTHORITY)
        # ChainedTokenCredential's list of members, which its get_token walks in order.
        self.credentials = tuple(
            cli if isinstance(member, AzureCliCredential) else member for member in self.credentials
        )

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with _unreachable_noted() as noted:
            try:
                return super().get_token(*scopes, **kwargs)
            except ClientAuthenticationError as exc:
                _attach(exc, noted)
                raise

    def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        with _unreachable_noted() as noted:
            try:
                return super().get_token_info(*scopes, options=options)
            except ClientAuthenticationError as exc:
                _attach(exc, noted)
                raise


class AzureCliUnreachable(CredentialUnavailableError):
    """`az` could not reach Microsoft Entra ID, by its own words: `certificate` (OpenSSL's
    reason) when the certificate was not trusted; else through `proxy` (the one it was given,
    without credentials), which answered the tunnel with `status` ("407 Proxy Authentication
    Required") or could not be reached (`why`); else directly (`why`). `advice`: where the
    proxy is set, as it was when az ran; `trusted`: what the CA file az was given holds, in
    words (none: az used its own list). The message is the CLI's text (`scrubbed`)."""

    def __init__(
        self,
        message: str,
        *,
        host: str,
        proxy: str | None = None,
        status: str = "",
        why: str = "",
        certificate: str = "",
        advice: str = "",
        trusted: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message=message)
        self.host = host
        self.proxy = proxy
        self.status = status
        self.why = why
        self.certificate = certificate
        self.advice = advice
        self.trusted = trusted


# The CLI's failures to tell while a DeveloperCredential asks its chain, on this thread.
_noted: ContextVar[list[CredentialUnavailableError] | None] = ContextVar(
    "az_unreachable", default=None
)


@contextmanager
def _unreachable_noted() -> Iterator[list[CredentialUnavailableError]]:
    noted: list[CredentialUnavailableError] = []
    token = _noted.set(noted)
    try:
        yield noted
    finally:
        _noted.reset(token)


def _attach(exc: BaseException, noted: list[CredentialUnavailableError]) -> None:
    # ChainedTokenCredential raises its error after its loop, with the members' failures as
    # text: the CLI's, kept whole, becomes its cause. (A credential that already succeeded is
    # asked alone, and its failure comes out as it is.)
    if noted and noted[-1] is not exc and exc.__cause__ is None:
        exc.__cause__ = noted[-1]


def _note(failure: CredentialUnavailableError) -> None:
    noted = _noted.get()
    if noted is not None:
        noted.append(failure)


class AzureCliThroughProxy:
    """`az account get-access-token`, as azure-identity runs it, with `cli_environment`.
    A member of DefaultAzureCredential's chain: every failure is CredentialUnavailableError,
    so the chain goes on to its next member (as the library's own does there)."""

    def __init__(self, authority: str = DEFAULT_AUTHORITY) -> None:
        self.authority = authority

    def get_token(
        self, *scopes: str, claims: str | None = None, tenant_id: str | None = None, **_: Any
    ) -> AccessToken:
        info = self._token(scopes, claims, tenant_id)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        options = options or {}
        return self._token(scopes, options.get("claims"), options.get("tenant_id"))

    def close(self) -> None:
        pass

    def __enter__(self) -> AzureCliThroughProxy:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def _token(
        self, scopes: tuple[str, ...], claims: str | None, tenant_id: str | None
    ) -> AccessTokenInfo:
        if claims:
            raise CredentialUnavailableError(
                message="The Azure CLI cannot answer a claims challenge: run az login again."
            )
        if len(scopes) != 1:
            raise ValueError("The Azure CLI gives a token for one scope at a time.")
        command = ["account", "get-access-token", "--output", "json"]
        command += ["--resource", scopes[0].removesuffix("/.default")]
        if tenant_id:
            if not _TENANT.fullmatch(tenant_id):
                raise ValueError("A tenant ID holds only letters, digits, '.' and '-'.")
            command += ["--tenant", tenant_id]
        env = cli_environment(self.authority)
        try:
            with bundle_file() as bundle:
                if bundle.path is not None:
                    env["REQUESTS_CA_BUNDLE"] = bundle.path
                try:
                    output = run_az(command, env)
                except AzureCliUnreachable as exc:
                    exc.trusted = bundle.sources
                    raise
        except NetworkSetupError as exc:  # a CA file chatdesk's own requests cannot use either
            unusable = CredentialUnavailableError(message=str(exc))
            unusable.__cause__ = exc  # said as it is (entra_errors), az not run
            _note(unusable)
            raise unusable from exc
        except AzureCliUnreachable as exc:
            _note(exc)
            raise
        token = _parse(output)
        if token is None:  # the output is not quoted: it may hold a token
            raise CredentialUnavailableError(message="The Azure CLI answered without a token.")
        return token


def cli_environment(authority: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment `az` runs with: chatdesk's own (`env`, by default os.environ), its
    HTTPS proxy the one `proxy_url` picks for the authority (the app's setting, a proxy tried
    in Connections, or the environment's, credentials included), or none when the authority
    goes direct; NO_PROXY keeps the environment's hosts and adds loopback."""
    child = dict(os.environ if env is None else env)
    no_proxy = child.get("no_proxy") or child.get("NO_PROXY") or ""
    for name in list(child):
        # urllib's and requests' names, in either case (the lower-case one wins in both).
        if name.lower() in ("https_proxy", "all_proxy", "no_proxy"):
            del child[name]
    hosts = [host.strip() for host in no_proxy.split(",") if host.strip()]
    hosts += [host for host in LOOPBACK if host not in hosts]
    child["NO_PROXY"] = child["no_proxy"] = ",".join(hosts)
    proxy = proxy_url(f"https://{authority}/", env)
    if proxy is not None:
        child["HTTPS_PROXY"] = child["https_proxy"] = proxy
    child["AZURE_CORE_NO_COLOR"] = "true"  # as azure-identity runs it: plain text
    return child


def run_az(command: list[str], env: dict[str, str], timeout: float = PROCESS_TIMEOUT) -> str:
    """`az` with `command`, its standard output; CredentialUnavailableError with the CLI's
    own words (`scrubbed`) when it fails."""
    windows = sys.platform.startswith("win")
    az = (shutil.which("az.cmd") if windows else None) or shutil.which("az")
    if az is None:
        raise CredentialUnavailableError(message="Azure CLI not found on path")
    # From a folder the OS controls, as azure-identity does: not one a program was started in.
    folder = os.environ.get("SYSTEMROOT", "") if windows else "/bin"
    try:
        return subprocess.run(
            [az, *command],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            cwd=folder or None,
            env=env,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        said = exc.stderr or ""
        failure = unreachable(said, env) if exc.returncode != 127 else None
        if failure is not None:
            raise failure from None
        if exc.returncode == 127:
            message = "Azure CLI not found on path"
        elif ("az login" in said or "az account set" in said) and "AADSTS" not in said:
            message = "Please run 'az login' to set up an account"
        else:
            message = scrubbed(said, env) or f"The Azure CLI failed (exit status {exc.returncode})."
        raise CredentialUnavailableError(message=message) from None
    except subprocess.TimeoutExpired:
        raise CredentialUnavailableError(
            message=f"The Azure CLI did not answer within {timeout:g} s."
        ) from None
    except OSError as exc:
        raise CredentialUnavailableError(
            message=f"The Azure CLI could not be run ({type(exc).__name__})."
        ) from None


# What `az` prints when it could not reach Entra ID: azure-cli's handle_exception writes the
# exception's text after "ERROR: " — requests' and urllib3's words (1.26 and 2.x), and for a
# certificate its own advice ("Certificate verification failed. This typically happens when
# using Azure CLI behind a proxy..."). Examples: Azure/azure-cli issues 25126 (407), 22341
# (403), 24518 (a refused proxy), 21696 and 27321 (certificates), 22734 (no name resolution).
_CERTIFICATE = re.compile(
    r"certificate verify failed:\s*([^()'\"\n]+)|Certificate verification failed", re.IGNORECASE
)
_PROXY = re.compile(r"ProxyError|(Cannot|Unable to) connect to proxy|Tunnel connection failed")
_TUNNEL = re.compile(r"Tunnel connection failed: (\d{3}[^'\")\]\n]*)")
_UNREACHABLE = re.compile(
    r"Failed to establish a new connection|NameResolutionError|Failed to resolve|"
    r"ConnectTimeoutError|Connection refused|actively refused|getaddrinfo failed|"
    r"name resolution|Name or service not known|nodename nor servname|Network is unreachable|"
    r"No route to host|timed out"
)
_HOST = re.compile(r"host='([^']+)'")


def unreachable(said: str, env: Mapping[str, str]) -> AzureCliUnreachable | None:
    """`az`'s error text `said` as an AzureCliUnreachable when it says Entra ID could not be
    reached (the proxy named as `env` gave it to az, without credentials), else None."""
    if "AADSTS" in said:  # Entra ID answered
        return None
    found = _HOST.search(said)
    host = found.group(1) if found else DEFAULT_AUTHORITY
    message = scrubbed(said, env)
    certificate = _CERTIFICATE.search(said)
    if certificate is not None:
        why = (certificate.group(1) or "verification failed").strip()
        return AzureCliUnreachable(message, host=host, certificate=why)
    given = next((env[n] for n in ("https_proxy", "HTTPS_PROXY") if env.get(n)), None)
    # Named as az was given it (`cli_environment`), without its user and password.
    proxy = proxy_for(f"https://{host}/", {"https_proxy": given}, Network()) if given else None
    tunnel = _TUNNEL.search(said)
    advice = proxy_advice()
    if _PROXY.search(said) and (proxy is not None or (tunnel and tunnel.group(1)[:3] == "407")):
        if tunnel is not None:
            status = tunnel.group(1).strip()
            return AzureCliUnreachable(
                message, host=host, proxy=proxy, status=status, advice=advice
            )
        why = _why(said)
        return AzureCliUnreachable(message, host=host, proxy=proxy, why=why, advice=advice)
    if _UNREACHABLE.search(said) or _PROXY.search(said):
        return AzureCliUnreachable(message, host=host, why=_why(said), advice=advice)
    return None


def _why(said: str) -> str:
    if re.search(r"timed out|Timeout", said):
        return "no answer in time"
    return unreachable_reason([ConnectionError(said)]) or "the connection failed"


def scrubbed(text: str, env: Mapping[str, str] | None = None) -> str:
    """The CLI's text without a user:password of a URL (a proxy's), the password of `env`'s
    HTTPS proxy however it is quoted, or an access token."""
    for name in ("HTTPS_PROXY", "https_proxy"):
        try:
            password = urlsplit((env or {}).get(name, "")).password
        except ValueError:  # not a URL: nothing of it to look for
            continue
        for said in {password, unquote(password or "")} - {None, ""}:
            text = text.replace(str(said), "***")
    text = re.sub(r"(?<=://)[^/@\s]+@", "***@", text)
    return re.sub(r"\"accessToken\"\s*:\s*\"[^\"]*\"?", '"accessToken": "***"', text).strip()


def _parse(output: str) -> AccessTokenInfo | None:
    """`az account get-access-token --output json`: the token and when it expires
    (`expires_on`, seconds; older CLIs only `expiresOn`, a local time)."""
    try:
        data = json.loads(output)
        token = data["accessToken"]
        if "expires_on" in data:
            expires = int(data["expires_on"])
        else:
            expires = int(datetime.strptime(data["expiresOn"], "%Y-%m-%d %H:%M:%S.%f").timestamp())
    except (ValueError, KeyError, TypeError):
        return None
    return AccessTokenInfo(token, expires) if isinstance(token, str) and token else None
