"""Connection profiles: where requests go and how they authenticate. Settings, never secrets.
(Endpoint URLs are checked and normalised in core/endpoints.py.)

Three kinds of endpoint:

- ``azure-v1``: the Azure OpenAI v1 API. The OpenAI client gets
  ``base_url="https://<resource>.openai.azure.com/openai/v1/"`` and the deployment as ``model``.
- ``azure-api-version``: the dated API. The AzureOpenAI client gets ``azure_endpoint`` (the
  resource root), ``api_version`` and the deployment.
- ``openai-compatible``: any ``base_url`` (OpenAI, llama.cpp, vLLM, Ollama); ``deployment``
  holds the model name.

People paste whatever URL the portal showed them, so `check_endpoint` turns the usual variants
into the one form chatdesk uses and explains in `notes` what it changed; only what cannot work
is an `error`. A key is never a field here: `key_env` names an environment variable at most.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import msgspec
import msgspec.structs

from chatdesk.core.choices import Api, EntraMode
from chatdesk.core.clouds import CLOUD_NAMES, Cloud, CloudName, check_scope, cloud_for
from chatdesk.core.conversation import API_KINDS

# Re-exported: endpoint checking lives in core/endpoints.py; callers import it from here too.
from chatdesk.core.endpoints import FOUNDRY_MODELS_API_VERSION as FOUNDRY_MODELS_API_VERSION
from chatdesk.core.endpoints import V1_PREVIEW as V1_PREVIEW
from chatdesk.core.endpoints import EndpointCheck as EndpointCheck
from chatdesk.core.endpoints import ProfileKind as ProfileKind
from chatdesk.core.endpoints import Target as Target
from chatdesk.core.endpoints import check_endpoint as check_endpoint
from chatdesk.core.endpoints import is_azure_host as is_azure_host
from chatdesk.core.endpoints import is_loopback_host as is_loopback_host
from chatdesk.core.endpoints import target_for as target_for
from chatdesk.core.http_headers import SECRET_HEADER_HINTS as SECRET_HEADER_HINTS
from chatdesk.core.http_headers import check_header_name as check_header_name
from chatdesk.core.http_headers import check_header_value as check_header_value
from chatdesk.core.http_headers import looks_secret_header as looks_secret_header
from chatdesk.core.http_headers import parse_header as parse_header
from chatdesk.core.models import DEFAULT_FAMILY, ModelInfo, ModelMatch, match_model
from chatdesk.core.patterns import LazyPattern
from chatdesk.core.profile_deployments import (
    Deployment,
    DeploymentError,
    duplicate_name,
    find,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    # Imported where prices are read: decimal is not needed to start the window.
    from chatdesk.core.pricing import PriceBook, Prices

AuthMode = Literal["key", "entra"]
# How a key travels: "auto" is the kind's usual header (api-key for the dated API, else Bearer).
KeyHeader = Literal["auto", "api-key", "bearer"]

KINDS: tuple[ProfileKind, ...] = get_args(ProfileKind)
AUTH_MODES: tuple[AuthMode, ...] = get_args(AuthMode)
ENTRA_MODES = EntraMode.values()
KEY_HEADERS: tuple[KeyHeader, ...] = get_args(KeyHeader)

DEFAULT_API_VERSION = "2024-10-21"
OPENAI_BASE_URL = "https://api.openai.com/v1"
ENV_PROFILE_NAME = "From environment"
# The profile `chatdesk send --endpoint/--base-url` builds from its options.
CLI_PROFILE_NAME = "command line"

# A dated version, or "preview": the v1 API's preview features (`/openai/v1/...?api-version=
# preview`, https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle).
_API_VERSION_RE = LazyPattern(r"\d{4}-\d{2}-\d{2}(-preview)?|preview")
_ENV_NAME_RE = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*")
_HEX_KEY_RE = LazyPattern(r"[0-9a-fA-F]{32}")  # the shape of a classic Azure OpenAI key
_AZURE_DEPLOYMENT_BAD = "/\\?#%"


class ProfileError(ValueError):
    """A profile that cannot be used or read; `field` names the offending field, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


def check_deployment(kind: ProfileKind, deployment: str) -> str | None:
    """Why `deployment` cannot be sent as it is, or None. Hints only where the mistake is clear."""
    name = deployment.strip()
    azure = kind != "openai-compatible"
    what = "deployment name" if azure else "model name"
    where = "the name from Azure AI Foundry → Deployments"
    if not name:
        return f"Enter the {what}" + (f" ({where})." if azure else ".")
    if "://" in name:
        fix = (
            f"use {where}, not the endpoint" if azure else "enter the model name the server serves"
        )
        return f"The {what} looks like a URL; {fix}."
    if any(ch.isspace() for ch in name):
        hint = f" — use {where}, not the model's display name" if azure else ""
        return f"The {what} '{name}' contains a space{hint}."
    # Model names like "Qwen/Qwen2.5-7B" are normal on vLLM; an Azure deployment has no slash.
    bad = next((ch for ch in name if ch in _AZURE_DEPLOYMENT_BAD), None) if azure else None
    if bad is not None:
        return f"The deployment name '{name}' contains '{bad}' — use {where}, not the model name."
    return None


def looks_like_env_name(value: str) -> bool:
    """An environment variable name, and not something shaped like a pasted key."""
    return bool(_ENV_NAME_RE.fullmatch(value)) and not _HEX_KEY_RE.fullmatch(value)


def gone_profile_text(named: str, stand_in: str | None) -> str:
    """What a conversation whose profile `named` is not set up (removed, or made on another
    machine) says when opened: the profile it names and the one it is sent with meanwhile
    (`stand_in`, the default; None: there is none).
    The window's status line shows it; `chatdesk send`, which stands nothing in, names the
    profile in its error (cli/send_connection.py)."""
    gone = f"This conversation's profile '{named}' is not among your profiles"
    if stand_in is None:
        return f"{gone}; add or choose one in Connections (Ctrl+K)."
    return f"{gone}; it uses '{stand_in}' (the default) until you choose another above."


def gone_new_profile_text(named: str, stand_in: str | None) -> str:
    """What New conversation says when the profile Preferences chose for it (`named`) is not
    set up: it starts on the default (`stand_in`) instead, and says so rather than quietly."""
    gone = f"New conversation's profile '{named}' (Preferences) is not among your profiles"
    if stand_in is None:
        return f"{gone}; add or choose one in Connections (Ctrl+K)."
    return f"{gone}; this one uses '{stand_in}' (the default). Choose another in Preferences."


def gone_preferences_profile_text(named: str, stand_in: str | None) -> str:
    """What Preferences says under New conversation's profile when the one it names is not set
    up: it shows the default, which new conversations use meanwhile (`stand_in`)."""
    gone = f"'{named}', chosen before, is not among your profiles"
    if stand_in is None:
        return f"{gone}; add one in Connections (Ctrl+K). OK keeps the default."
    return f"{gone}: new conversations use the default, '{stand_in}'. OK keeps this."


# -- profiles --------------------------------------------------------------------------------
class ConnectionProfile(msgspec.Struct):
    """A resource (endpoint), its sign-in, and its deployments. Switching `auth` keeps the
    other mode's fields.

    `deployments` lists every deployment (core/profile_deployments.py); `deployment` and
    `model` are the one in use and its model: the profile's default, which a new conversation
    starts with, or (from `using`) the one a conversation picked. A profile built with one
    `deployment` and no list gets a list of that one.
    """

    name: str
    kind: ProfileKind
    endpoint: str
    deployment: str
    api_version: str = DEFAULT_API_VERSION
    auth: AuthMode = "key"
    entra_mode: EntraMode = EntraMode.BROWSER
    tenant_id: str | None = None
    client_id: str | None = None
    # The model the deployment serves ("this deployment is model X", a catalog key), when its
    # name does not say: it decides counting, limits and the request's parameters.
    model: str | None = None
    # The model counted with, as an estimate, when neither `model` nor the deployment name
    # is known.
    model_family: str = DEFAULT_FAMILY
    # The name of an environment variable holding the key (env-derived profiles); never a key.
    # With Entra auth it names a variable holding a ready access token (AZURE_OPENAI_AD_TOKEN).
    key_env: str | None = None
    # The Azure cloud ("auto": from the endpoint's host) and a token scope of the profile's
    # own (a gateway fronting Azure OpenAI with another audience); see core/clouds.py.
    cloud: CloudName = "auto"
    entra_scope: str | None = None
    key_header: KeyHeader = "auto"
    # Extra headers sent with every request (a gateway's routing or tracing headers). The
    # values of `secret_headers` (e.g. Ocp-Apim-Subscription-Key) live in the keyring instead.
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    secret_headers: list[str] = msgspec.field(default_factory=list)
    # What each deployment costs, keyed by deployment name (see core/pricing.py); empty:
    # chatdesk shows no costs.
    prices: dict[str, Prices] = msgspec.field(default_factory=dict)
    deployments: list[Deployment] = msgspec.field(default_factory=list)
    # The API a conversation without its own choice is sent through: "chat" (Chat
    # Completions) or "responses" (see core/responses_request.py).
    api: str = Api.CHAT

    def __post_init__(self) -> None:
        self.deployments = list(self.deployments)
        if not self.deployment.strip() and self.deployments:
            self.deployment = self.deployments[0].name
        entry = find(self.deployments, self.deployment)
        if entry is None and self.deployment.strip() and not self.deployments:
            self.deployments = [Deployment(self.deployment.strip(), self.model)]
        elif entry is not None:
            # The entry is the record; a model given with the name (a profile built or
            # replaced with `model=`) becomes the entry's, so `model` and entry never differ.
            if self.model and entry.model != self.model:
                at = self.deployments.index(entry)
                entry = self.deployments[at] = msgspec.structs.replace(entry, model=self.model)
            self.model = entry.model

    def deployment_names(self) -> list[str]:
        return [d.name for d in self.deployments]

    def using(self, deployment: str | None) -> ConnectionProfile:
        """This profile sending to `deployment` (one of its own, or a name typed for one
        request); None or blank: the profile's default. The model is that entry's."""
        name = (deployment or "").strip()
        if not name or name == self.deployment.strip():
            return self
        entry = find(self.deployments, name)
        return msgspec.structs.replace(self, deployment=name, model=entry.model if entry else None)

    def picked(self, deployment: str | None) -> ConnectionProfile:
        """This profile as a conversation that recorded `deployment` uses it: sending to it
        when it is one of the profile's deployments, else to the default (one rule for the
        window, `chatdesk tokens` and View code)."""
        return self.using(deployment) if deployment in self.deployment_names() else self

    def with_default(self, deployment: str, model: str | None) -> ConnectionProfile:
        """A copy whose default deployment is renamed to `deployment` serving `model`; its
        other fields and the other entries stay (the single-deployment form edits this)."""
        name = deployment.strip()
        entry = find(self.deployments, self.deployment) or next(iter(self.deployments), None)
        renamed = Deployment(name, model, dict(entry.extra) if entry else {})
        entries = [renamed if d is entry else d for d in self.deployments] or [renamed]
        return msgspec.structs.replace(self, deployment=name, model=model, deployments=entries)

    def azure_cloud(self) -> Cloud:
        """The cloud whose Entra ID authority signs this profile in."""
        return cloud_for(self.endpoint, self.cloud)

    def scope(self) -> str:
        """The Entra token scope: the profile's own, else its cloud's."""
        return (self.entra_scope or "").strip() or self.azure_cloud().scope

    def sends_key_as(self) -> Literal["api-key", "bearer"]:
        """The header a key goes in: `key_header`, or the kind's usual one."""
        if self.key_header != "auto":
            return self.key_header
        return "api-key" if self.kind == "azure-api-version" else "bearer"

    def key_variable(self) -> str | None:
        """The environment variable a key is read from when the keyring has none: `key_env`,
        else the SDK's usual one for the kind (AZURE_OPENAI_API_KEY, OPENAI_API_KEY). One rule
        for the window and `chatdesk send --profile`. None with Entra auth and no `key_env`."""
        if self.key_env or self.auth != "key":
            return self.key_env
        return "OPENAI_API_KEY" if self.kind == "openai-compatible" else "AZURE_OPENAI_API_KEY"

    def auth_header(self) -> str:
        """The header chatdesk puts the key or token in: Authorization or api-key."""
        if self.auth == "key" and self.sends_key_as() == "api-key":
            return "api-key"
        return "Authorization"

    def auth_override(self) -> str | None:
        """The name of an extra or keyring header that takes the place of `auth_header()` (any
        case), or None. Such a header is sent instead of the profile's own credentials."""
        wanted = self.auth_header().lower()
        return next((n for n in [*self.headers, *self.secret_headers] if n.lower() == wanted), None)

    def with_auth(self, auth: AuthMode) -> ConnectionProfile:
        """A copy using `auth`; the other mode's settings stay for switching back."""
        return msgspec.structs.replace(self, auth=auth)

    def check(self, *, sends_secret: bool = True) -> EndpointCheck:
        """The endpoint check, with the first problem in any other field as the error."""
        result = check_endpoint(self.kind, self.endpoint, sends_secret=sends_secret)
        if result.error is not None:
            result.field = "endpoint"
            return result
        problem = self._problem()
        if problem is not None:
            result.field, result.error = problem
        return result

    def _problem(self) -> tuple[str, str] | None:
        if not self.name.strip():
            return "name", "The profile needs a name."
        deployment = check_deployment(self.kind, self.deployment)
        if deployment is not None:
            return "deployment", deployment
        for entry in self.deployments:
            if (problem := check_deployment(self.kind, entry.name)) is not None:
                return "deployments", problem
        if (twice := duplicate_name(self.deployments)) is not None:
            return "deployments", f"The deployment '{twice}' is listed twice."
        if self.kind == "azure-api-version" and not _API_VERSION_RE.fullmatch(self.api_version):
            return "api_version", (
                f"The API version '{self.api_version}' should look like {DEFAULT_API_VERSION}."
            )
        if self.key_env is not None and not looks_like_env_name(self.key_env):
            return "key_env", "key_env must name an environment variable, not hold the key."
        if self.entra_scope and (problem := check_scope(self.entra_scope)):
            return "entra_scope", problem
        for name in [*self.headers, *self.secret_headers]:
            if (problem := check_header_name(name)) is not None:
                return "headers", problem
        for name, value in self.headers.items():
            if (problem := check_header_value(name, value)) is not None:
                return "headers", problem
        return None

    @property
    def may_go_keyless(self) -> bool:
        """An OpenAI-compatible server may take no key (a local or LAN Ollama, LM Studio), so
        its endpoint is checked as one that sends none: plain http is allowed to any host. The
        key itself is never sent over plain http (the client checks with the actual
        credentials). Azure's kinds always send a key or token."""
        return self.kind == "openai-compatible"

    def _require_ok(self) -> EndpointCheck:
        result = self.check(sends_secret=not self.may_go_keyless)
        if result.error is not None:
            raise ProfileError(result.error, result.field)
        return result

    def base_url(self) -> str:
        """What the SDK client is built with: base_url, or azure_endpoint for azure-api-version."""
        return self._require_ok().url

    def resolved_url(self) -> str:
        """The URL requests go to (for azure-v1, the base_url the deployment is sent to)."""
        target = self.target()
        return target.base_url or "" if self.kind == "azure-v1" else target.url

    def target(self) -> Target:
        """How the SDK client reaches this profile's chat completions (ProfileError if the
        profile cannot be used)."""
        url = self._require_ok().url
        return target_for(self.kind, url, self.api_version, self.deployment)

    def model_match(self, name: str | None = None) -> ModelMatch:
        """The model behind the deployment: the declared `model`, else the deployment's name,
        else `name` (a file's model field, which named the deployment its code was written
        for); when none is known, `model_family`, as an estimate."""
        return match_model([self.model, self.deployment, name], self.model_family)

    def model_info(self, name: str | None = None) -> ModelInfo:
        return self.model_match(name).family

    def deployment_prices(self, deployment: str | None = None) -> Prices | None:
        """The prices set for `deployment` (default: the profile's own), or None."""
        if not self.prices:
            return None
        from chatdesk.core.pricing import prices_for

        return prices_for(self.prices, deployment or self.deployment)

    def price_book(self, others: Iterable[ConnectionProfile] = ()) -> PriceBook | None:
        """Replies priced at the profile and deployment that made each (this one's, or one of
        `others`), the next request at this profile's deployment (see `PriceBook`); None when
        no prices are set at all."""
        tables = {p.name: dict(p.prices) for p in others if p.name != self.name and p.prices}
        if all(p.empty for table in (self.prices, *tables.values()) for p in table.values()):
            return None
        from chatdesk.core.pricing import PriceBook

        return PriceBook(dict(self.prices), self.deployment, tables, self.name)

    def to_json(self) -> dict[str, Any]:
        """The saved shape: `deployment` names the default; each entry keeps its model."""
        # Copies of its lists and dicts: what the caller does to the result leaves the profile be.
        data = {k: copy.copy(v) for k, v in msgspec.structs.asdict(self).items()}
        del data["model"]
        data["deployments"] = [d.to_json() for d in self.deployments]
        data["prices"] = {name: p.to_json() for name, p in self.prices.items() if not p.empty}
        if not data["prices"]:
            del data["prices"]
        return data

    @classmethod
    def from_json(cls, data: Any) -> ConnectionProfile:
        """Read a profile; unknown keys are ignored, a wrong type raises ProfileError."""
        if not isinstance(data, dict):
            raise ProfileError(f"A profile must be a JSON object, not {json_kind(data)}.")
        label = f"Profile '{data['name']}'" if isinstance(data.get("name"), str) else "A profile"

        def text(key: str, default: str | None = None, *, optional: bool = False) -> Any:
            if key not in data:
                if default is None and not optional:
                    raise ProfileError(f"{label} has no '{key}'.", key)
                return default
            value = data[key]
            if value is None and optional:
                return None
            if not isinstance(value, str):
                raise ProfileError(
                    f"{label}: '{key}' must be a string, not {json_kind(value)}.", key
                )
            return value

        def choice(key: str, allowed: tuple[str, ...], default: str | None = None) -> Any:
            value = text(key, default)
            if value not in allowed:
                raise ProfileError(
                    f"{label}: '{key}' is '{value}'; expected one of {', '.join(allowed)}.", key
                )
            return value

        deployments = _deployments(data.get("deployments", []), label)
        return cls(
            name=text("name"),
            kind=cast(ProfileKind, choice("kind", KINDS)),
            endpoint=text("endpoint"),
            deployment=text("deployment", "" if deployments else None),
            api_version=text("api_version", DEFAULT_API_VERSION),
            auth=cast(AuthMode, choice("auth", AUTH_MODES, "key")),
            entra_mode=EntraMode(choice("entra_mode", ENTRA_MODES, "browser")),
            tenant_id=text("tenant_id", optional=True),
            client_id=text("client_id", optional=True),
            model=text("model", optional=True),
            model_family=text("model_family", DEFAULT_FAMILY),
            key_env=text("key_env", optional=True),
            cloud=cast(CloudName, choice("cloud", CLOUD_NAMES, "auto")),
            entra_scope=text("entra_scope", optional=True),
            key_header=cast(KeyHeader, choice("key_header", KEY_HEADERS, "auto")),
            headers=_headers(data.get("headers", {}), label),
            secret_headers=_names(data.get("secret_headers", []), label),
            prices=_prices(data.get("prices", {}), label),
            deployments=deployments,
            api=Api(choice("api", API_KINDS, "chat")),
        )


def _deployments(value: Any, label: str) -> list[Deployment]:
    if not isinstance(value, list):
        raise ProfileError(f"{label}: 'deployments' must be a list.", "deployments")
    try:
        return [
            Deployment.from_json(item, f"{label}: deployments[{i}]") for i, item in enumerate(value)
        ]
    except DeploymentError as exc:
        raise ProfileError(str(exc), "deployments") from None


def _headers(value: Any, label: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ProfileError(f"{label}: 'headers' must map header names to strings.", "headers")
    for name, text in value.items():
        if (problem := check_header_value(name, text)) is not None:
            raise ProfileError(f"{label}: {problem}", "headers")
    return dict(value)


def _prices(value: Any, label: str) -> dict[str, Prices]:
    if not isinstance(value, dict):
        raise ProfileError(f"{label}: 'prices' must map deployment names to prices.", "prices")
    if not value:
        return {}
    from chatdesk.core.pricing import PriceError, Prices

    try:
        return {
            str(name): Prices.from_json(item, f"prices[{name!r}]") for name, item in value.items()
        }
    except PriceError as exc:
        raise ProfileError(f"{label}: {exc}.", "prices") from None


def _names(value: Any, label: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{label}: 'secret_headers' must be a list of names.", "headers")
    return list(value)


def json_kind(value: Any) -> str:
    """How a JSON value's type reads in a sentence."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
