"""The connection the environment describes: the variables the openai SDK reads
(AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION, AZURE_OPENAI_API_KEY, AZURE_OPENAI_AD_TOKEN,
OPENAI_BASE_URL, OPENAI_API_KEY...), as the profile "From environment"."""

from __future__ import annotations

from collections.abc import Mapping

from chatdesk.core.choices import EntraMode
from chatdesk.core.endpoints import ProfileKind, check_endpoint, fields_in_url
from chatdesk.core.profiles import (
    DEFAULT_API_VERSION,
    ENV_PROFILE_NAME,
    OPENAI_BASE_URL,
    ConnectionProfile,
)


def profile_from_env(env: Mapping[str, str]) -> ConnectionProfile | None:
    """A profile from the variables the openai SDK reads, or None. Keys are named, not read."""

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    def normalised(kind: ProfileKind, url: str) -> str:
        result = check_endpoint(kind, url)
        return result.url if result.ok else url

    azure_endpoint = get("AZURE_OPENAI_ENDPOINT")
    if azure_endpoint is not None:
        version = get("OPENAI_API_VERSION")
        # A full request URL names the deployment and api-version, as the window reads it.
        named = fields_in_url("azure-api-version" if version else "azure-v1", azure_endpoint)
        kind = named.kind
        has_key = get("AZURE_OPENAI_API_KEY") is not None
        # The SDK's AZURE_OPENAI_AD_TOKEN: a ready Entra token, used as it is (no sign-in).
        token_env = "AZURE_OPENAI_AD_TOKEN" if get("AZURE_OPENAI_AD_TOKEN") else None
        return ConnectionProfile(
            name=ENV_PROFILE_NAME,
            kind=kind,
            endpoint=normalised(kind, azure_endpoint),
            deployment=get("AZURE_OPENAI_DEPLOYMENT")
            or get("AZURE_OPENAI_DEPLOYMENT_NAME")
            or named.deployment
            or "gpt-4o",
            api_version=version or named.api_version or DEFAULT_API_VERSION,
            auth="key" if has_key else "entra",
            entra_mode=EntraMode.BROWSER if has_key else EntraMode.DEFAULT,
            key_env="AZURE_OPENAI_API_KEY" if has_key else token_env,
        )
    has_openai_key = get("OPENAI_API_KEY") is not None
    base_url = get("OPENAI_BASE_URL")
    if base_url is None and not has_openai_key:
        return None
    return ConnectionProfile(
        name=ENV_PROFILE_NAME,
        kind="openai-compatible",
        endpoint=normalised("openai-compatible", base_url or OPENAI_BASE_URL),
        deployment="gpt-4o",
        key_env="OPENAI_API_KEY" if has_openai_key else None,
    )
