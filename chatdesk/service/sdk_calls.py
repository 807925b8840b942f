"""The openai SDK call a request body goes through: `chat.completions.create` or
`responses.create`, with the body split into the keyword arguments the call names and the rest
in its public `extra_body` (a newer API's fields, a pasted body's), merged into the JSON as
they came."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import openai
from openai.resources.responses import Responses

from chatdesk.core.choices import Api

_NOT_BODY = {"self", "timeout", "extra_body", "extra_headers", "extra_query"}
_FIELDS: dict[str, frozenset[str]] = {
    Api.CHAT: frozenset(inspect.signature(openai.resources.chat.Completions.create).parameters)
    - _NOT_BODY,
    Api.RESPONSES: frozenset(inspect.signature(Responses.create).parameters) - _NOT_BODY,
}


def sdk_arguments(body: dict[str, Any], api: str = Api.CHAT) -> dict[str, Any]:
    """`body` as keyword arguments for the API's `create` ("chat" or "responses"): the fields
    its signature names, and the rest (unknown to this SDK version) in `extra_body`."""
    names = _FIELDS[api]
    known = {k: v for k, v in body.items() if k in names}
    extra = {k: v for k, v in body.items() if k not in known}
    if extra:
        known["extra_body"] = extra
    return known


def create_call(client: Any, api: str, streaming: bool) -> Callable[..., Any]:
    """The SDK's `create` for the API: a stream's, or the raw response's (read whole)."""
    resource = client.responses if api == Api.RESPONSES else client.chat.completions
    create: Callable[..., Any] = (
        resource.create if streaming else resource.with_raw_response.create
    )
    return create
