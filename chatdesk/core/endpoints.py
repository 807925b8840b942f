"""Endpoint URLs as people paste them: `check_endpoint` turns the usual variants (portal
URLs, deployment and Foundry URLs, gateway paths) into the one form chatdesk uses for a kind of
profile, says in `notes` what it changed, and reports as `error` only what cannot work.

Each pasted form and what it becomes is listed in tests/core/test_endpoints.py and
tests/core/test_endpoint_gateways.py.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Literal
from urllib.parse import parse_qsl, quote, urlsplit

import msgspec
import msgspec.structs

from chatdesk.core.choices import Api

# The kinds of endpoint a connection profile talks to (re-exported by core/profiles.py).
ProfileKind = Literal["azure-v1", "azure-api-version", "openai-compatible"]

# The api-version of the v1 API's preview features (`/openai/v1/...?api-version=preview`,
# https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle).
V1_PREVIEW = "preview"

# Azure OpenAI and Foundry resources, in the public, US Government and China clouds.
_AZURE_HOST_SUFFIXES = tuple(
    f".{service}.{cloud}"
    for service in ("openai", "cognitiveservices", "services.ai")
    for cloud in ("azure.com", "azure.us", "azure.cn")
)
# Pasted from chat apps, Word, JSON or Markdown: quotes and angle brackets around the URL.
_WRAPPERS = "\"'<>`“”‘’"


class EndpointCheck(msgspec.Struct):
    """The normalised endpoint, what was changed on the way (`notes`) and what cannot work."""

    url: str
    notes: list[str] = msgspec.field(default_factory=list)
    error: str | None = None
    # Suggestions taken from the pasted URL, for the editor to offer.
    api_version: str | None = None
    deployment: str | None = None
    # Which profile field `error` is about ("endpoint", "deployment", ...); set by profile checks.
    field: str | None = None
    # The URL serves only the dated API (deployments/...?api-version=): the kind must change.
    needs_dated_api: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class UrlFields(msgspec.Struct, frozen=True):
    """What a pasted endpoint URL says of a profile's other fields (see `fields_in_url`)."""

    kind: ProfileKind
    deployment: str | None = None  # None: the URL names none
    api_version: str | None = None  # the dated kind's; None: the URL names none


def fields_in_url(kind: ProfileKind, url: str) -> UrlFields:
    """The kind, deployment and api-version a pasted URL gives a profile of `kind`: the kind
    stays, unless the URL serves only the dated API (a gateway's /deployments/ route without
    /openai), which makes it the api-version kind; the deployment its path names; its
    api-version for that kind. One rule: the Connections dialog's "Use …" button offers what
    this returns, and `chatdesk send --endpoint URL` and AZURE_OPENAI_ENDPOINT take it."""
    check = check_endpoint(kind, url, sends_secret=False)
    if check.needs_dated_api:
        kind = "azure-api-version"
        check = check_endpoint(kind, url, sends_secret=False)
    dated = kind == "azure-api-version"
    return UrlFields(kind, check.deployment, check.api_version if dated else None)


# -- endpoints -------------------------------------------------------------------------------
def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (also as an IPv4-mapped address)."""
    name = host.strip().lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _unwrap(url: str) -> str:
    return url.strip().strip(_WRAPPERS).strip()


def is_azure_host(host: str) -> bool:
    """An Azure OpenAI, Cognitive Services or Foundry resource's host, in any cloud."""
    return host.lower().rstrip(".").endswith(_AZURE_HOST_SUFFIXES)


_is_azure_host = is_azure_host


def check_endpoint(kind: ProfileKind, url: str, *, sends_secret: bool = True) -> EndpointCheck:
    """Normalise a pasted endpoint for `kind`; `sends_secret` False allows http:// anywhere."""
    # Every request checks its profile's endpoint again (the profile may have been edited):
    # the answer for the same text is remembered, and each caller gets its own copy.
    known = _checked(kind, url, sends_secret)
    return msgspec.structs.replace(known, notes=list(known.notes))


@functools.lru_cache(maxsize=64)
def _checked(kind: ProfileKind, url: str, sends_secret: bool) -> EndpointCheck:
    text = _unwrap(url)
    if not text:
        return EndpointCheck(
            "", error="Enter the endpoint URL, e.g. https://my-resource.openai.azure.com/"
        )
    if any(ch.isspace() for ch in text):
        return EndpointCheck(text, error="The endpoint contains a space; paste the URL alone.")
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        example = f" (e.g. https://{text.rstrip('/')}/)" if not sep else ""
        return EndpointCheck(text, error=f"The endpoint must start with https://{example}")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        return EndpointCheck(
            text, error=f"The endpoint {text} is not a valid URL (check the port)."
        )
    if parts.username is not None or parts.password is not None:
        return EndpointCheck(
            text,
            error="The endpoint must not contain a user name or password (the part before @); "
            "chatdesk keeps keys in the system keyring.",
        )
    if not host:
        return EndpointCheck(text, error=f"The endpoint {text} has no host name.")
    scheme = scheme.lower()
    if scheme == "http" and sends_secret and not is_loopback_host(host):
        return EndpointCheck(
            text,
            error="chatdesk will not send a key over plain http:// to a non-local address; "
            "use an https:// address.",
        )
    base = f"{scheme}://{parts.netloc.lower()}"
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qsl(parts.query, keep_blank_values=True)
    if kind == "openai-compatible":
        return _compatible(base, host, segments, query)
    return _azure(kind, base, host, segments, query)


def _query_notes(query: list[tuple[str, str]], notes: list[str]) -> None:
    # Values are not echoed: a pasted query may carry a key.
    names = [k for k, _ in query]
    if any(k.lower().replace("_", "-") in ("api-key", "key", "subscription-key") for k in names):
        notes.append(
            "The URL contained a key parameter; it was removed and is not stored. "
            "Enter the key in the profile's key field."
        )
    elif names:
        notes.append(f"The URL's query ({', '.join(names)}) was removed.")


def _azure(
    kind: ProfileKind,
    base: str,
    host: str,
    segments: list[str],
    query: list[tuple[str, str]],
) -> EndpointCheck:
    notes: list[str] = []
    lower = [s.lower() for s in segments]
    if lower[-2:] == ["chat", "completions"] and "openai" not in lower:
        segments, lower = segments[:-2], lower[:-2]
        notes.append("The URL ended in /chat/completions; chatdesk adds that itself.")
    azure_host = _is_azure_host(host)
    foundry_models = False
    if azure_host and lower[:2] == ["api", "projects"]:
        project = segments[2] if len(segments) > 2 else ""
        notes.append(
            f"This is a Foundry project endpoint (project {project!r}); the chat completions "
            f"of the resource's deployments are served by the resource itself, {base}/."
        )
        segments, lower = segments[3:], lower[3:]
    elif azure_host and lower[:1] == ["models"]:
        foundry_models = True
        notes.append(
            "This is Foundry's model-inference URL (/models); chatdesk reaches the same "
            "deployments through the resource's Azure OpenAI API (/openai)."
        )
        segments, lower = [], []

    gateway_deployments = False
    if "openai" in lower:
        at = lower.index("openai")
        prefix, rest, rest_raw = segments[:at], lower[at + 1 :], segments[at + 1 :]
    elif not azure_host and "deployments" in lower:
        # API Management's import of Azure OpenAI serves /SUFFIX/deployments/... (no /openai).
        at = lower.index("deployments")
        prefix, rest, rest_raw = segments[:at], lower[at:], segments[at:]
        gateway_deployments = True
    else:
        prefix, rest, rest_raw = segments, [], []
    # A gateway (API Management) may put the API under a path; an Azure resource never does.
    if prefix and azure_host:
        notes.append(f"The path /{'/'.join(prefix)} is not part of an Azure endpoint; removed.")
        prefix = []

    deployment: str | None = None
    if rest[:1] == ["deployments"] and len(rest) >= 2:
        deployment = rest_raw[1]
        base_name = "resource endpoint" if azure_host else "gateway's base URL"
        notes.append(
            f"The URL contained the deployment path for '{deployment}'; chatdesk uses the "
            f"{base_name} and sends the deployment separately."
        )
    elif rest[:1] == ["v1"] and rest[1:] == ["chat", "completions"]:
        notes.append("The URL ended in /chat/completions; chatdesk adds that itself.")
    elif rest == ["v1"] and kind == "azure-api-version":
        notes.append(
            "The URL is a v1 endpoint (/openai/v1/); this kind uses the resource root. "
            "The Azure (v1) kind takes the URL as it is."
        )
    elif rest not in ([], ["v1"], ["deployments"]):
        notes.append(f"The path after /openai (/{'/'.join(rest_raw)}) was removed.")

    api_version: str | None = None
    others: list[tuple[str, str]] = []
    for key, value in query:
        if key.lower() == "api-version" and value:
            api_version = value
        else:
            others.append((key, value))
    _query_notes(others, notes)
    if foundry_models:
        api_version = None  # the model-inference API's versions are not Azure OpenAI's
    elif api_version is not None:
        if kind == "azure-v1" and api_version == V1_PREVIEW:
            notes.append(
                "?api-version=preview is kept: it selects the v1 API's preview features."
            )
        elif kind == "azure-v1":
            notes.append(
                f"The v1 endpoint needs no api-version; ?api-version={api_version} was removed."
            )
            api_version = None
        else:
            notes.append(f"The URL names api-version {api_version}.")

    root = base + "/" + "".join(s + "/" for s in prefix)
    if gateway_deployments:
        if kind == "azure-v1":
            return EndpointCheck(
                root,
                notes,
                error=f"This gateway URL serves deployments under /{'/'.join(prefix)}/"
                "deployments/ (the dated API's route, without /openai). Choose the Azure "
                "(api-version) kind for it, or enter the gateway's v1 base URL.",
                deployment=deployment,
                needs_dated_api=True,
            )
        url = root + "deployments/"
        notes.append(
            f"This gateway serves the API under /{'/'.join(prefix)} rather than /openai; "
            f"requests go to {url}{deployment or '<deployment>'}/chat/completions."
        )
        return EndpointCheck(url, notes, api_version=api_version, deployment=deployment)
    if kind == "azure-v1" and not azure_host and "openai" not in lower and lower[-1:] == ["v1"]:
        # A gateway's own v1 base URL (e.g. /team-a/v1): used as it is.
        return EndpointCheck(root, notes)
    url = root + "openai/v1/" if kind == "azure-v1" else root
    if kind == "azure-v1" and api_version == V1_PREVIEW:
        return EndpointCheck(url + "?api-version=preview", notes)
    if prefix and not azure_host and "openai" not in lower:
        notes.append(
            f"Requests go to {url}{'' if kind == 'azure-v1' else 'openai/deployments/…/'}"
            "chat/completions (the gateway path, then Azure's /openai path). If the gateway "
            "serves the API directly under this path, paste a full request URL from its "
            "documentation instead."
        )
    return EndpointCheck(url, notes, api_version=api_version, deployment=deployment)


# The Foundry model-inference API's version (https://learn.microsoft.com/azure/ai-foundry/
# model-inference/reference/reference-model-inference-api).
FOUNDRY_MODELS_API_VERSION = "2024-05-01-preview"


def _compatible(
    base: str, host: str, segments: list[str], query: list[tuple[str, str]]
) -> EndpointCheck:
    notes: list[str] = []
    if [s.lower() for s in segments[-2:]] == ["chat", "completions"]:
        segments = segments[:-2]
        notes.append("The URL ended in /chat/completions; chatdesk adds that itself.")
    # A gateway or Foundry's model-inference API may need its api-version: it is kept.
    api_version = next((v for k, v in query if k.lower() == "api-version" and v), None)
    _query_notes([(k, v) for k, v in query if k.lower() != "api-version"], notes)
    lower = [s.lower() for s in segments]
    foundry_models = _is_azure_host(host) and lower[:1] == ["models"]
    if foundry_models and api_version is None:
        api_version = FOUNDRY_MODELS_API_VERSION
        notes.append(
            f"Foundry's model-inference API needs an api-version; {api_version} was added."
        )
    if _is_azure_host(host) and "openai" not in lower and not foundry_models:
        notes.append("This is an Azure OpenAI resource; the Azure (v1) kind sets the path for you.")
    elif not segments:
        notes.append(
            "The URL has no path; OpenAI-compatible servers usually serve under /v1 "
            "(e.g. http://localhost:11434/v1)."
        )
    url = base + "".join("/" + s for s in segments)
    if api_version is not None:
        url += "?api-version=" + quote(api_version, safe="")
    return EndpointCheck(url, notes, api_version=api_version)


class Target(msgspec.Struct, frozen=True):
    """How the openai SDK reaches a profile's chat completions: the one rule the client, View
    code and `chatdesk send --dry-run` share.

    `client` is the SDK class; it is built with `base_url` or (AzureOpenAI) `azure_endpoint`,
    plus `api_version` (AzureOpenAI only) and `default_query` (sent with every request). `url`
    is where a chat completions request goes, `responses_url` where a Responses API request
    goes (the SDK's `responses` resource: under the base URL, or the resource's
    `/openai/responses` for the api-version kind, never under a deployment).
    """

    client: Literal["OpenAI", "AzureOpenAI"]
    url: str
    base_url: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    default_query: dict[str, str] = msgspec.field(default_factory=dict)
    responses_url: str = ""

    def url_for(self, api: str) -> str:
        """Where a request of `api` ("chat" or "responses") goes."""
        return self.responses_url if api == Api.RESPONSES else self.url


def target_for(kind: ProfileKind, checked_url: str, api_version: str, deployment: str) -> Target:
    """The `Target` for a checked endpoint (`check_endpoint(...).url`) of `kind`."""
    if kind == "azure-v1":
        # check_endpoint keeps a pasted ?api-version=preview on the v1 base URL.
        base, _, query = checked_url.partition("?")
        suffix = f"?{query}" if query else ""
        return Target(
            "OpenAI",
            f"{base}chat/completions{suffix}",
            base_url=base,
            default_query=dict(parse_qsl(query)),
            responses_url=f"{base}responses{suffix}",
        )
    if kind == "openai-compatible":
        base, _, query = checked_url.partition("?")
        params = dict(parse_qsl(query))
        suffix = f"?{query}" if query else ""
        return Target("OpenAI", f"{base}/chat/completions{suffix}", base, default_query=params,
                      responses_url=f"{base}/responses{suffix}")  # fmt: skip
    version = quote(api_version, safe="")
    # A gateway serving /SUFFIX/deployments/ (check_endpoint's form for it), or the resource.
    gateway = checked_url.endswith("/deployments/")
    api_root = checked_url[: -len("deployments/")] if gateway else checked_url + "openai/"
    if api_version == V1_PREVIEW:
        base = api_root + "v1/"
        return Target(
            "OpenAI",
            f"{base}chat/completions?api-version={version}",
            base_url=base,
            default_query={"api-version": api_version},
            responses_url=f"{base}responses?api-version={version}",
        )
    url = f"{api_root}deployments/{quote(deployment.strip(), safe='')}/chat/completions"
    return Target(
        "AzureOpenAI",
        f"{url}?api-version={version}",
        base_url=api_root.rstrip("/") if gateway else None,
        azure_endpoint=None if gateway else checked_url,
        api_version=api_version,
        responses_url=f"{api_root}responses?api-version={version}",
    )
