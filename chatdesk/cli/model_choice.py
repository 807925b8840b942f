"""Which model `chatdesk attach` and `chatdesk tokens` count and size for: the one `chatdesk
send` would send to. A profile named with --profile (else the file's profile, as the window)
with the deployment the file picked; without one, the profile the environment describes
(AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT, as `send` reads them), else the default
profile (`Connections.profile_for`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.models import ModelMatch


class UnknownProfile(LookupError):
    """--profile NAME named no profile of the settings."""


def model_match_for(
    conv: Conversation, given: str | None, env: Mapping[str, str] | None = None
) -> ModelMatch | None:
    """The model `conv` would be sent to, as `ConnectionProfile.model_match` resolves it (the
    file's "model" first); None when neither a profile nor the environment names a deployment.
    Raises UnknownProfile when `given` names no profile."""
    from chatdesk.core.profile_env import profile_from_env
    from chatdesk.core.settings import load_settings
    from chatdesk.service.connections import Connections

    name = given if given is not None else conv.profile
    settings = load_settings().settings
    connections = Connections(settings, env={})  # the saved profiles only
    if name:
        # --profile names a profile exactly; the file's name follows a rename, as in the window.
        found = settings.profile(name) if given is not None else connections.profile(name)
        if found is None and given is not None:
            raise UnknownProfile(f"no profile named {given!r}")
        if found is not None:
            return found.picked(conv.deployment).model_match(conv.model)
    from_env = profile_from_env(os.environ if env is None else env)
    if from_env is None:
        if name:  # a profile not set up here: `send` stands none in
            return None
        # A file naming no profile: the default one, as `send` and the window send it.
        default = connections.profile_for(conv)
        return default.model_match(conv.model) if default is not None else None
    return from_env.model_match(conv.model)  # its default deployment, as `send` sends
