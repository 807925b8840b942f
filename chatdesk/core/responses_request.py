"""The Responses API request body for a conversation: the same conversation, mapped.

Chat Completions carries everything as `messages`; the Responses API
(https://platform.openai.com/docs/api-reference/responses/create, on Azure at the resource's
`/openai/v1/responses`) takes the system prompt as `instructions`, the rest as `input` items,
the reply's limit as `max_output_tokens`, `reasoning: {effort, summary}` and
`text: {format, verbosity}`. Two ways to keep the history (`Conversation.history_keeper`):

- "chatdesk": the trimmed history is sent as `input` every time, with `store: false` (nothing
  is kept on the service); the meter and "What will be sent" show exactly that.
- "service": each response is stored (`store: true`); the next request names the newest
  stored reply as `previous_response_id` and sends only the messages after it, and the
  service fits the chain to the model (`truncation: "auto"`). Without such a reply (the
  first turn, a reply from Chat Completions, or after the service lost it) the trimmed
  history is sent, stored.

`unsent_fields` names what a Chat Completions conversation holds that the Responses API has
no field for (stop sequences, seed, penalties, ...): it is left out and said, never sent.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from chatdesk.core.choices import Api, HistoryKeeper
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, parts_text
from chatdesk.core.models import ModelFamily
from chatdesk.core.request import build_request, model_choices, reply_limit, unsent
from chatdesk.core.text_policy import storable
from chatdesk.core.trimming import TrimPlan

# Chat Completions parameters the Responses API has no field for.
_NO_FIELD = ("stop", "seed", "presence_penalty", "frequency_penalty")
# Chat Completions request fields with no Responses counterpart: left out, and said.
_CHAT_ONLY = frozenset(
    (
        "n", "logit_bias", "logprobs", "modalities", "audio", "prediction",
        "web_search_options", "functions", "function_call", "stream_options",
        "max_tokens", "max_completion_tokens", "messages",
    )
)  # fmt: skip
# Fields of `request_extra` this module maps itself (below), never passed as they came.
_MAPPED = frozenset(("tools", "tool_choice", "response_format", "reasoning_effort", "verbosity"))


class Anchor(msgspec.Struct, frozen=True):
    """The newest reply the service stored: the next request continues from it."""

    index: int  # its position in the history
    response_id: str


def default_api(profile_default: str, family: ModelFamily) -> str:
    """The API of a conversation that has not chosen one: "responses" for a model served
    only there (the catalog's `chat_completions`), else the profile's default."""
    if not family.chat_completions:
        return Api.RESPONSES
    return Api(profile_default) if profile_default in Api.values() else Api.CHAT


def api_of(conv: Conversation, profile_default: str, family: ModelFamily) -> str:
    """The API the conversation is sent through: its own choice, else `default_api`."""
    return conv.api if conv.api is not None else default_api(profile_default, family)


def find_anchor(conv: Conversation) -> Anchor | None:
    """The newest complete assistant reply the service stored (metadata `response_id` with
    `store`), or None. A reply cut off or stopped is no anchor: the service holds more of it
    than the file does, so the request goes from the one before and sends the partial text;
    nor is one the user left out of requests.
    Reads from the end: the anchor is normally the last or second-last message."""
    for index in range(len(conv) - 1, -1, -1):
        message = conv[index]
        meta = message.meta
        stored = message.role == "assistant" and meta.response_id and meta.store
        if stored and not meta.incomplete and not meta.error and meta.include is not False:
            return Anchor(index, str(meta.response_id))
    return None


def input_items(messages: list[Message]) -> list[dict[str, Any]]:
    """The messages as Responses `input` items: user, system and developer messages with
    `input_text` / `input_image` / `input_file` parts, assistant text as an assistant
    message, an assistant's tool calls as `function_call` items and tool results as
    `function_call_output` items (matched by `call_id`). Legacy `function` messages have no
    counterpart and are left out (`unsent_messages` says so)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.role
        if role == "tool":
            call_id = message.extra.get("tool_call_id")
            items.append(
                {"type": "function_call_output", "call_id": call_id, "output": message.content}
            )
        elif role == "assistant":
            text = message.content or str(message.extra.get("refusal") or "")
            if text:
                items.append({"role": "assistant", "content": storable(text)})
            for call in message.tool_calls:
                function = call.get("function") or {}
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.get("id", ""),
                        "name": function.get("name", ""),
                        "arguments": _arguments(function.get("arguments", "")),
                    }
                )
        elif role != "function":
            items.append({"role": role, "content": _input_content(message.api_content())})
    return items


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _input_content(content: Any) -> Any:
    """A message's content as input content: text stays text; content parts become input
    parts (`text` → `input_text`, `image_url` → `input_image`, `file` → `input_file`), and a
    part of another type goes as it came."""
    if not isinstance(content, list):
        return storable(parts_text(content))
    parts: list[Any] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append({"type": "input_text", "text": storable(str(part.get("text", "")))})
        elif kind == "image_url":
            image = part.get("image_url") or {}
            url = image.get("url") if isinstance(image, dict) else image
            out = {"type": "input_image", "image_url": url, "detail": "auto"}
            if isinstance(image, dict) and image.get("detail"):
                out["detail"] = image["detail"]
            parts.append(out)
        elif kind == "file" and isinstance(part.get("file"), dict):
            parts.append({"type": "input_file", **part["file"]})
        else:
            parts.append(part)
    return parts


# The Responses API refuses a smaller `max_output_tokens` ("integer below minimum value.
# Expected a value >= 16"); a smaller reply limit is sent as 16 and said.
MIN_OUTPUT_TOKENS = 16


def unsent_messages(messages: list[Message]) -> list[str]:
    """One line when legacy `function` messages are among `messages` (not sent)."""
    count = sum(m.role == "function" for m in messages)
    if not count:
        return []
    return [f"The Responses API takes no legacy function messages: {count} not sent."]


def unsent_fields(conv: Conversation) -> list[str]:
    """One line per parameter or request field that has no Responses counterpart (left out),
    e.g. 'The Responses API has no stop: not sent.'"""
    p = conv.params
    lines = [
        f"The Responses API has no {key}: not sent."
        for key in _NO_FIELD
        if getattr(p, key) not in (None, [])
    ]
    lines += [
        f"The Responses API has no {key}: not sent."
        for key in conv.request_extra
        if key in _CHAT_ONLY
    ]
    if p.max_tokens is not None and 0 < p.max_tokens < MIN_OUTPUT_TOKENS:
        lines.append(
            f"The Responses API takes a reply limit of at least {MIN_OUTPUT_TOKENS} tokens: "
            f"{MIN_OUTPUT_TOKENS} is sent instead of {p.max_tokens}."
        )
    return lines


def unsent_for(conv: Conversation, family: ModelFamily, exact: bool, api: str) -> list[str]:
    """Every line saying what the request through `api` leaves out: the values the model
    does not take (`request.unsent`), and with Responses what that API has no field for."""
    lines = unsent(conv, family, exact)
    if api == Api.RESPONSES:
        lines += unsent_fields(conv) + unsent_messages(conv.messages())
    return lines


def _tool(tool: Any) -> Any:
    """A Chat Completions tool definition as Responses takes it: a function's name,
    description, parameters and strict at the top level; other tool types as they came."""
    if isinstance(tool, dict) and tool.get("type") == "function":
        function = tool.get("function")
        if isinstance(function, dict):
            return {"type": "function", **function}
    return tool


def _tool_choice(choice: Any) -> Any:
    """{"type": "function", "function": {"name": N}} → {"type": "function", "name": N}."""
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": choice.get("type", "function"), "name": choice["function"].get("name")}
    return choice


def _text_format(fmt: Any) -> dict[str, Any] | None:
    """A `response_format` as Responses' `text.format`: json_object as it is, a json_schema's
    name, schema, strict and description at the top level."""
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema" and isinstance(fmt.get("json_schema"), dict):
        return {"type": "json_schema", **fmt["json_schema"]}
    return dict(fmt)


def build_responses_request(
    conv: Conversation,
    plan: TrimPlan,
    *,
    model: str,
    family: ModelFamily,
    stream: bool = True,
    exact: bool = True,
    anchor: Anchor | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `client.responses.create`.

    With `anchor` (the service keeps the history and stored that reply) the input is every
    message after it, and `previous_response_id` its id; otherwise the pinned examples and
    the history the plan keeps. Parameters the model does not take are left out as in
    Chat Completions (`core/request.py`); `unsent_fields` names the ones Responses lacks."""
    p = conv.params
    service = conv.history_keeper == HistoryKeeper.SERVICE
    body: dict[str, Any] = {"model": model}
    system = conv.system_message()
    if system is not None and system.content:
        body["instructions"] = storable(system.content)
    if anchor is not None and service:
        body["previous_response_id"] = anchor.response_id
        # What is new since, but turns left out of requests (failed, blocked: core/sending.py)
        left_out = set(plan.left_out)
        after = range(anchor.index + 1, len(conv))
        sent = [conv[i] for i in after if i not in left_out]
    else:
        sent = [*conv.examples, *(conv[i] for i in plan.sent)]
    body["input"] = input_items(sent)
    if not family.fixed_sampling:
        for key in ("temperature", "top_p"):
            if getattr(p, key) is not None:
                body[key] = getattr(p, key)
    limit = reply_limit(p.max_tokens, family, exact)  # capped as in Chat Completions
    if limit is not None:
        body["max_output_tokens"] = max(limit, MIN_OUTPUT_TOKENS)  # said by unsent_fields
    reasoning: dict[str, Any] = {}
    choices = model_choices(conv, family, exact)  # as in Chat Completions
    if "reasoning_effort" in choices:
        reasoning["effort"] = choices["reasoning_effort"]
    if p.reasoning_summary is not None and (not exact or family.reasoning):
        reasoning["summary"] = p.reasoning_summary
    if reasoning:
        body["reasoning"] = reasoning
    text: dict[str, Any] = {}
    fmt = _text_format(conv.request_extra.get("response_format"))
    if fmt is None and p.response_format == "json_object":
        fmt = {"type": "json_object"}
    if fmt is not None:
        text["format"] = fmt
    if "verbosity" in choices:
        text["verbosity"] = choices["verbosity"]
    if text:
        body["text"] = text
    extra = conv.request_extra
    if isinstance(extra.get("tools"), list):
        body["tools"] = [_tool(t) for t in extra["tools"]]
    if "tool_choice" in extra:
        body["tool_choice"] = _tool_choice(extra["tool_choice"])
    for key, value in extra.items():  # user, metadata, parallel_tool_calls, newer fields
        if key not in body and key not in _MAPPED and key not in _CHAT_ONLY:
            body[key] = value
    body["store"] = service
    if service:
        body["truncation"] = "auto"
    if stream and p.stream and family.streaming:
        body["stream"] = True
    return body


def responses_bodies(
    conv: Conversation,
    plan: TrimPlan,
    *,
    model: str,
    family: ModelFamily,
    stream: bool = True,
    exact: bool = True,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The body to send, and, when it continues from a stored response, the body sending
    the trimmed history instead (for a service that no longer has that response), else None."""
    anchor = find_anchor(conv) if conv.history_keeper == HistoryKeeper.SERVICE else None
    kwargs: dict[str, Any] = {"model": model, "family": family, "stream": stream, "exact": exact}
    history = build_responses_request(conv, plan, **kwargs)
    if anchor is None:
        return history, None
    return build_responses_request(conv, plan, anchor=anchor, **kwargs), history


def request_bodies(
    api: str,
    conv: Conversation,
    plan: TrimPlan,
    *,
    model: str,
    family: ModelFamily,
    stream: bool = True,
    exact: bool = True,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The request body for `api` (`api_of`): Chat Completions' (`build_request`), or the
    Responses API's with its fallback (`responses_bodies`; None for Chat Completions). What
    chatdesk sends and what View code writes, from one place."""
    if api == Api.RESPONSES:
        return responses_bodies(conv, plan, model=model, family=family, stream=stream, exact=exact)
    return build_request(conv, plan, model=model, family=family, stream=stream, exact=exact), None
