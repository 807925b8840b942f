"""The parameters the next request sends, and those it leaves out with why, for "What will be
sent" (Ctrl+I).

One rule with the request itself: the body is built by `request_bodies` (what the service
sends and View code writes), then taken as the deployment is known to take it
(`DeploymentNote.apply`, as `ChatService.prepare` does); what is left out is said by the same
rules (`unsent_for`: the model's catalog row and the API; `DeploymentNote.left_out`: what the
deployment refused before; `fixed_sampling_unsent`: sampling for a model that takes only its
defaults). Only the parameters are built: the messages are the dialog's
rows, so a 25,000-message conversation costs no more than a short one.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from msgspec.structs import replace

from chatdesk.core.choices import Api
from chatdesk.core.conversation import Conversation
from chatdesk.core.deployments import SYSTEM_ROLES, DeploymentNote
from chatdesk.core.models import ModelFamily
from chatdesk.core.request import SAMPLING_PARAMS, adapt_roles, fixed_sampling_unsent
from chatdesk.core.responses_request import request_bodies, unsent_for
from chatdesk.core.trimming import TrimPlan

# The request's content and routing, shown as the dialog's rows or not parameters at all.
_NOT_PARAMETERS = frozenset(
    ("model", "messages", "input", "instructions", "tools", "previous_response_id")
)


class RequestParameters(msgspec.Struct, frozen=True):
    """`sent`: "name: value" per parameter the request carries (JSON values);
    `left_out`: one sentence per parameter set but not sent, saying why."""

    sent: list[str]
    left_out: list[str]


def request_parameters(
    conv: Conversation,
    plan: TrimPlan,
    *,
    model: str,
    family: ModelFamily,
    exact: bool,
    api: str,
    note: DeploymentNote | None = None,
) -> RequestParameters:
    """What the next request of `conv` to deployment `model` (serving `family`; `exact`: the
    model is known, not guessed) through `api` sends besides its messages, and what it leaves
    out; `note`: what that deployment taught (the settings' `deployments`)."""
    note = note or DeploymentNote()
    bare = replace(plan, first_sent=plan.history_len, left_out=())  # no history to build
    body, _fallback = request_bodies(api, conv, bare, model=model, family=family, exact=exact)
    sent = note.apply(body)
    return RequestParameters(
        [f"{name}: {_shown(value)}" for name, value in sent.items() if name not in _NOT_PARAMETERS],
        [*_sampling(conv, family, api), *unsent_for(conv, family, exact, api),
         *note.left_out(body, model)],
    )  # fmt: skip


def system_prompt_sent_as(
    conv: Conversation,
    *,
    model: str,
    family: ModelFamily,
    exact: bool,
    api: str,
    note: DeploymentNote | None = None,
) -> str:
    """How the next request carries the system prompt, in a few words, read off the request
    itself (`request_bodies`, then `DeploymentNote.apply`, as `request_parameters`): "Sent as
    the developer message: deployment o3 refused the system role." The reason is whichever rule
    changed the role the conversation gives it: the model's catalog row or what the
    deployment refused."""
    if not conv.system_prompt:
        return "No system prompt: the request starts with the examples and the history."
    note = note or DeploymentNote()
    bare = TrimPlan("", 0, 0, 0, 0, 0, history_len=0, first_sent=0, fits=True)  # pinned only
    body, _fallback = request_bodies(api, conv, bare, model=model, family=family, exact=exact)
    if "instructions" in body:
        return "Sent as the Responses API's instructions, ahead of the input."
    given, by_model = conv.system_role, _first_role(body)
    sent = _first_role(note.apply(body))
    if sent == given:
        return f"Sent as the {sent} message."
    if sent != by_model:
        refused = "the system and developer roles" if sent == "user" else f"the {by_model} role"
        why = f"deployment {model} refused {refused}"
    elif sent == "user":
        why = f"{family.key} takes no system or developer message"
    else:
        why = f"{family.key} takes no {given} message"
    if sent == "user":
        return f"Sent at the start of the first user message: {why}."
    return f"Sent as the {sent} message: {why}."


def system_role_choices(
    *, family: ModelFamily, api: str, note: DeploymentNote | None = None
) -> tuple[str, ...]:
    """The roles the user may give the system prompt: those the request sends as given (the
    same rules: `adapt_roles`, then `DeploymentNote.apply`), when there are two to choose
    from (Chat Completions to a model that takes either, o-series and gpt-5, unless the
    deployment refused one); () where the request decides alone."""
    if api != Api.CHAT:
        return ()  # the Responses API takes it as `instructions`
    note = note or DeploymentNote()
    kept = tuple(
        role
        for role in SYSTEM_ROLES
        if _first_role(note.apply({"messages": adapt_roles([{"role": role}], family)})) == role
    )
    return kept if len(kept) > 1 else ()


def _first_role(body: dict[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    return str(messages[0].get("role", ""))


def _sampling(conv: Conversation, family: ModelFamily, api: str) -> list[str]:
    # The Responses API has temperature and top_p only (`unsent_for` names the others).
    names = SAMPLING_PARAMS if api == Api.CHAT else ("temperature", "top_p")
    return fixed_sampling_unsent(conv, family, names)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
