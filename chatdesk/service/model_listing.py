"""The deployments a server lists: `GET {base_url}/models` on an OpenAI-compatible server
(OpenAI, vLLM, Ollama, LM Studio, llama.cpp) names every model it serves, and each name is
what a request sends as `model` — a deployment, in a profile's terms.

Azure OpenAI has no such list of *deployments* on its data plane: its `/openai/v1/models`
lists the models the resource could deploy (base models and fine-tunes), not the deployment
names requests must carry, and listing deployments takes the Azure Resource Manager API
(another sign-in scope, a subscription and a resource group). So for the Azure kinds
`listing_unavailable` says why and where the names are; the user types them.
(https://learn.microsoft.com/azure/ai-foundry/openai/reference-preview-latest#list-models,
https://platform.openai.com/docs/api-reference/models/list)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.client import Credentials, make_client
from chatdesk.service.error_context import ErrorContext
from chatdesk.service.events import ChatError

AZURE_NO_LISTING = (
    "Azure OpenAI does not list a resource's deployments to chat clients (its /models lists "
    "the models it could deploy). Type the deployment names from Azure AI Foundry → "
    "Deployments."
)


def listing_unavailable(profile: ConnectionProfile) -> str | None:
    """Why `profile`'s server cannot list its deployments, or None when it can."""
    return AZURE_NO_LISTING if profile.kind != "openai-compatible" else None


def list_deployments(
    profile: ConnectionProfile,
    credentials: Credentials,
    client_factory: Callable[..., Any] = make_client,
) -> list[str]:
    """The model names the server lists (sorted, as given), for `profile`'s deployments.
    One GET request with the profile's credentials and headers. Raises ChatError: the server's
    refusal in words (401, 404: no /models here, a gateway's text...), or `listing_unavailable`."""
    why = listing_unavailable(profile)
    if why is not None:
        raise ChatError("No list of deployments", why, "")
    auth = credentials.resolve(profile)
    client = client_factory(profile, auth)
    try:
        names = [str(model.id) for model in client.models.list() if getattr(model, "id", None)]
    except ChatError:
        raise
    except Exception as exc:
        # Imported here: errors.py loads the openai SDK, which the dialog must not load early.
        from chatdesk.service.errors import map_error

        ctx = ErrorContext(
            profile=profile.name, kind=profile.kind, url=profile.resolved_url(),
            auth=profile.auth, secrets=lambda: list(auth.secrets()),
        )  # fmt: skip
        raise map_error(exc, ctx) from None
    finally:
        client.close()
    return sorted(dict.fromkeys(names))
