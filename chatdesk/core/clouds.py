"""Azure clouds: which Entra ID authority signs in and which token scope Azure OpenAI accepts.

An Azure OpenAI resource lives in one cloud, and its host name says which:

- public: hosts end in ``.azure.com``; authority login.microsoftonline.com; scope
  https://cognitiveservices.azure.com/.default
- US Government: ``.azure.us``; login.microsoftonline.us; https://cognitiveservices.azure.us/.default
- China (21Vianet): ``.azure.cn``; login.chinacloudapi.cn; https://cognitiveservices.azure.cn/.default

Sources: https://learn.microsoft.com/azure/azure-government/
documentation-government-developer-guide (endpoint mapping),
https://learn.microsoft.com/azure/china/resources-developer-guide, and azure-identity's
`AzureAuthorityHosts`. A gateway or private host does not say, so it counts as the public cloud
unless the profile names another (`cloud`) or gives its own scope.
"""

from __future__ import annotations

from typing import Literal, get_args
from urllib.parse import urlsplit

import msgspec

CloudName = Literal["auto", "public", "usgovernment", "china"]
CLOUD_NAMES: tuple[CloudName, ...] = get_args(CloudName)


class Cloud(msgspec.Struct, frozen=True):
    name: CloudName
    label: str
    host_suffix: str  # what the endpoint hosts of this cloud end in
    authority: str  # the Entra ID authority host (no scheme), as azure-identity takes it
    scope: str  # the token scope for Azure OpenAI / Cognitive Services
    az_cloud: str  # its name to the Azure CLI (`az cloud set --name`), which signs in per cloud

    @property
    def authority_url(self) -> str:
        return f"https://{self.authority}"


PUBLIC = Cloud(
    "public",
    "Azure (public)",
    ".azure.com",
    "login.microsoftonline.com",
    "https://cognitiveservices.azure.com/.default",
    "AzureCloud",
)
US_GOVERNMENT = Cloud(
    "usgovernment",
    "Azure US Government",
    ".azure.us",
    "login.microsoftonline.us",
    "https://cognitiveservices.azure.us/.default",
    "AzureUSGovernment",
)
CHINA = Cloud(
    "china",
    "Azure China (21Vianet)",
    ".azure.cn",
    "login.chinacloudapi.cn",
    "https://cognitiveservices.azure.cn/.default",
    "AzureChinaCloud",
)
CLOUDS: dict[str, Cloud] = {c.name: c for c in (PUBLIC, US_GOVERNMENT, CHINA)}


def cloud_of_host(host: str) -> Cloud | None:
    """The cloud a host name belongs to, or None for a host that does not say (a gateway)."""
    name = host.strip().lower().rstrip(".")
    for cloud in CLOUDS.values():
        if name.endswith(cloud.host_suffix):
            return cloud
    return None


def cloud_of_authority(authority: str) -> Cloud | None:
    """The cloud whose Entra ID authority host `authority` is, or None (a private one)."""
    name = authority.strip().lower().removeprefix("https://").rstrip("/")
    return next((c for c in CLOUDS.values() if c.authority == name), None)


def cloud_for(endpoint: str, choice: str = "auto") -> Cloud:
    """The cloud of a profile: its explicit `choice`, else the endpoint's host, else public."""
    if choice in CLOUDS:
        return CLOUDS[choice]
    try:
        host = urlsplit(endpoint.strip().strip("\"'<>`")).hostname or ""
    except ValueError:
        host = ""
    return cloud_of_host(host) or PUBLIC


def entra_scope(endpoint: str, choice: str = "auto", override: str | None = None) -> str:
    """The token scope to request: the profile's own `override`, else its cloud's scope."""
    if override and override.strip():
        return override.strip()
    return cloud_for(endpoint, choice).scope


def check_scope(scope: str) -> str | None:
    """Why a scope override cannot be requested, or None. Entra scopes are URIs ending in
    /.default for resource access (https://learn.microsoft.com/entra/identity-platform/scopes-oidc)."""
    text = scope.strip()
    if not text:
        return None
    if any(ch.isspace() for ch in text):
        return "The token scope must be one URI without spaces."
    if "://" not in text and not text.startswith("api://"):
        return f"The token scope should look like {PUBLIC.scope}."
    return None
