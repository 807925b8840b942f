"""A profile's deployments: the names a conversation can send its requests to, each with the
model it serves. A profile is a resource and its sign-in; its deployments share both.

One entry, as saved in a profile's ``deployments`` list in the settings file:

    {"name": "chat-prod", "model": "gpt-5", ...}

- ``name``: what a request sends as ``model`` (the Azure deployment name; for an
  OpenAI-compatible server, the model name it serves). Unique within its profile.
- ``model``: the catalog key of the model behind it (`chatdesk.core.models`), when the name
  does not say; None reads the model from the name. It decides counting, the context window
  and which parameters a request may carry.
- Any other field is the entry's too and is kept: read, written back unchanged, and passed on
  in `Deployment.extra`. Features that describe a deployment add their field here (per-1M-token
  prices, a default API mode); one that chatdesk learns to read becomes a typed attribute with
  a default, read in `Deployment.from_json` and written in `to_json`. Nothing secret belongs in
  an entry: the settings file refuses to save a field named like a key or token.

Profiles saved before deployments were a list (settings schema 1: one ``deployment`` and an
optional ``model``) become a list of one in `chatdesk.core.settings`' migration.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from chatdesk.core.models import DEFAULT_FAMILY, ModelMatch, known_model, match_model


class DeploymentError(ValueError):
    """An entry that cannot be read; the text names the entry and the field."""


class Deployment(msgspec.Struct):
    """One deployment of a profile (see the module docstring for the saved shape)."""

    name: str
    model: str | None = None
    # The entry's other fields (prices, an API mode, ...), kept as they came.
    extra: dict[str, Any] = msgspec.field(default_factory=dict)

    def model_match(self, fallback: str = DEFAULT_FAMILY) -> ModelMatch:
        """The model behind the deployment: the declared `model`, else the name's; when
        neither is known, `fallback` as an estimate."""
        return match_model([self.model, self.name], fallback)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.model:
            out["model"] = self.model
        out.update((k, v) for k, v in self.extra.items() if k not in ("name", "model"))
        return out

    @classmethod
    def from_json(cls, data: Any, where: str = "A deployment") -> Deployment:
        """Read an entry; DeploymentError (naming `where` and the field) for a wrong shape."""
        if isinstance(data, str):  # a bare name is a deployment whose model is its name's
            data = {"name": data}
        if not isinstance(data, dict):
            raise DeploymentError(f"{where} must be an object with a 'name'.")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DeploymentError(f"{where} needs a 'name' (the deployment name).")
        model = data.get("model")
        if model is not None and not isinstance(model, str):
            raise DeploymentError(f"{where} ('{name}'): 'model' must be a string.")
        extra = {k: v for k, v in data.items() if k not in ("name", "model")}
        return cls(name.strip(), (model or "").strip() or None, extra)


def find(deployments: Iterable[Deployment], name: str | None) -> Deployment | None:
    """The entry called `name` (exactly, after trimming spaces), or None."""
    wanted = (name or "").strip()
    return next((d for d in deployments if d.name == wanted), None)


def duplicate_name(deployments: Iterable[Deployment]) -> str | None:
    """The first name used twice, or None."""
    seen: set[str] = set()
    for entry in deployments:
        if entry.name in seen:
            return entry.name
        seen.add(entry.name)
    return None


def listing_default(
    deployments: list[Deployment], default: str, model: str | None
) -> list[Deployment]:
    """`deployments` with the default among them: a default not listed (a profile built with
    one name, an older file) comes first, with `model`."""
    name = default.strip()
    if name and find(deployments, name) is None:
        return [Deployment(name, model), *deployments]
    return list(deployments)


def merge_listed(current: list[Deployment], listed: Iterable[str]) -> list[Deployment]:
    """`current` plus an entry for each listed name it lacks (a server's `/models` answer);
    existing entries, their models and their other fields stay as they are."""
    out = list(current)
    for name in listed:
        if name.strip() and find(out, name) is None:
            out.append(Deployment(name.strip()))
    return out


def for_model(deployments: Iterable[Deployment], model: str | None) -> Deployment | None:
    """The deployment a request body's `model` asks for: the one named `model`, else the
    first whose model (declared, else read from its name) is the catalog model `model` names
    ("gpt-4.1-2025-04-14" finds a deployment of gpt-4.1); None when none is."""
    named = find(deployments, model)
    if named is not None or not model:
        return named
    wanted = known_model(model)
    if wanted is None:
        return None
    return next((d for d in deployments if _serves(d, wanted)), None)


def _serves(entry: Deployment, wanted: object) -> bool:
    match = entry.model_match()
    return match.exact and match.family is wanted
