"""Checking the parts of a conversation file as they are read: each message (role, content
parts, tool calls, metadata), the parameters (in the API's range: `params_check`) and the
trimming settings. Every problem is an `InvalidField` whose text names the field and what is
wrong; `fileformat` adds the file's name.
"""

from __future__ import annotations

import json
from typing import Any

from chatdesk.core import alternatives
from chatdesk.core.choices import TrimPolicy
from chatdesk.core.conversation import (
    REASONING_SUMMARIES,
    RESPONSE_FORMATS,
    TRIM_POLICIES,
    GenerationParams,
    TrimSettings,
)
from chatdesk.core.messages import ROLES, RawMessage
from chatdesk.core.params_check import check_value, json_shown


class InvalidField(ValueError):
    """A part of the document is not what the format allows (the text says which, how)."""


def choice(data: dict[str, Any], key: str, allowed: tuple[str, ...], default: Any) -> Any:
    """data[key], one of `allowed`; `default` when absent or null."""
    value = data.get(key)
    if value is None:
        return default
    if value not in allowed:
        names = ", ".join(f'"{a}"' for a in allowed)
        raise InvalidField(f'"{key}" is {json.dumps(value)[:60]}; chatdesk reads {names}.')
    return value


def checked_message(item: Any, index: int, where: str | None = None) -> RawMessage:
    """The item, ready for `Message.from_raw` (a copy if its content needed converting).

    Runs once per message of a file that may hold thousands: the error texts are built only
    when there is an error. `where` names a message that is not in `messages` itself.
    """

    def label() -> str:
        return where or f"message {index + 1}"

    if not isinstance(item, dict):
        raise InvalidField(f"{label()} is a JSON {kind_of(item)}, not an object.")
    role = item.get("role")
    if role not in ROLES:
        allowed = ", ".join(ROLES)
        raise InvalidField(f"{label()} has role {role!r}; chatdesk reads {allowed}.")
    content = item.get("content")
    if type(content) is not str:  # content parts or null: checked, kept as they are
        check_content(content, label())
    calls = item.get("tool_calls")
    if calls is not None:
        _check_tool_calls(calls, label())
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidField(f'{label()} has a "name" that is not text.')
    meta = item.get("metadata")
    if meta:
        _check_meta(meta, label())
    elif not (meta is None or meta == {}):
        raise InvalidField(f'{label()} has "metadata" that is not an object.')
    return item


def _check_tool_calls(value: Any, where: str) -> None:
    """A list of tool calls, each an object; "function", when there, an object too."""
    if not isinstance(value, list):
        raise InvalidField(f'{where} has "tool_calls" that is a JSON {kind_of(value)}, not a list.')
    for number, call in enumerate(value, 1):
        if not isinstance(call, dict):
            raise InvalidField(f'{where}: tool call {number} in "tool_calls" is not an object.')
        function = call.get("function")
        if function is not None and not isinstance(function, dict):
            raise InvalidField(
                f'{where}: tool call {number} has a "function" that is not an object.'
            )


def _check_meta(data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise InvalidField(f'{where} has "metadata" that is not an object.')
    for key, value in data.items():
        expected = _META_TYPES.get(key)
        if expected and value is not None and not isinstance(value, expected):
            raise InvalidField(f'{where}: metadata "{key}" has the wrong type.')
    summary = data.get("reasoning_summary")
    if isinstance(summary, list) and not all(isinstance(s, str) for s in summary):
        raise InvalidField(f'{where}: metadata "reasoning_summary" must be a list of texts.')
    continued = data.get("continued")
    if isinstance(continued, list) and not all(isinstance(s, str) for s in continued):
        raise InvalidField(f'{where}: metadata "continued" must be a list of texts.')
    versions = data.get("alternatives")
    if versions is not None:
        problem = alternatives.check(versions, where, _check_kept)
        if problem:
            raise InvalidField(f'{where}: metadata "alternatives" {problem}.')


def _check_kept(item: Any, where: str) -> None:
    """A message kept in another message's alternatives, checked as a history message."""
    checked_message(item, -1, where)


_META_TYPES: dict[str, type | tuple[type, ...]] = {
    "created_at": str, "finish_reason": str, "usage": dict, "usage_parts": list,
    "content_filter": dict,
    "prompt_filter": list, "model": str, "request_id": str, "latency_ms": (int, float),
    "profile": str, "deployment": str, "part_sources": list,
    "incomplete": bool, "error": str, "error_code": str, "stopped": bool, "include": bool,
    "service_failed": bool, "continued": list,
    "alternatives": dict, "response_id": str, "store": bool, "reasoning_summary": list,
}  # fmt: skip


def check_content(value: Any, where: str) -> None:
    """Null, or a list of content parts: objects with a "type" (any type is kept)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise InvalidField(
            f'{where} has "content" that is a JSON {kind_of(value)}, not text or parts.'
        )
    for number, part in enumerate(value, 1):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise InvalidField(f'{where}: content part {number} is not an object with a "type".')
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise InvalidField(f'{where}: text part {number} has no "text".')


_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "temperature": (int, float),
    "top_p": (int, float),
    "max_tokens": (int,),
    "presence_penalty": (int, float),
    "frequency_penalty": (int, float),
    "seed": (int,),
}


def params_from(
    data: dict[str, Any], where: str, read_as: dict[str, str] | None = None
) -> GenerationParams:
    """The generation parameters in `data`, each checked against the API's range. `read_as`:
    parameters read from a field of another name (`max_tokens` from `max_completion_tokens`),
    which messages name as the file wrote it."""
    params = GenerationParams()
    for key, types in _PARAM_TYPES.items():
        value = data.get(key)
        if value is None:
            continue
        name = (read_as or {}).get(key, key)
        if isinstance(value, bool) or not isinstance(value, types):
            # Said in the file's own terms: JSON's true, "text", [..], not Python's True.
            kind = "a whole number" if types == (int,) else "a number"
            raise InvalidField(f'{where}: "{name}" must be {kind}, not {json_shown(value)}.')
        setattr(params, key, check_value(key, value, where, name))
    stop = data.get("stop") or []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise InvalidField(f'{where}: "stop" must be a list of strings.')
    params.stop = stop
    fmt = data.get("response_format", "text")
    if fmt not in RESPONSE_FORMATS:
        raise InvalidField(
            f'{where}: "response_format" must be one of {", ".join(RESPONSE_FORMATS)}.'
        )
    params.response_format = fmt
    summary = data.get("reasoning_summary")
    if summary is not None and summary not in REASONING_SUMMARIES:
        names = ", ".join(REASONING_SUMMARIES)
        raise InvalidField(f'{where}: "reasoning_summary" must be one of {names}, not {summary!r}.')
    params.reasoning_summary = summary
    for key in ("reasoning_effort", "verbosity"):
        value = data.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise InvalidField(f'{where}: "{key}" must be a name such as "medium", not {value!r}.')
        setattr(params, key, value)
    stream = data.get("stream", True)
    if not isinstance(stream, bool):
        raise InvalidField(f'{where}: "stream" must be true or false.')
    params.stream = stream
    return params


def trimming_from(data: dict[str, Any]) -> TrimSettings:
    """The trimming settings in `data` (the document's "trimming")."""
    trim = TrimSettings()
    policy = data.get("policy", trim.policy)
    if policy not in TRIM_POLICIES:
        raise InvalidField(f'trimming: "policy" must be one of {", ".join(TRIM_POLICIES)}.')
    trim.policy = TrimPolicy(policy)
    for key in ("limit", "max_turns"):
        value = data.get(key, getattr(trim, key))
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidField(f'trimming: "{key}" must be a whole number.')
        if value is not None and value < 1:
            raise InvalidField(f'trimming: "{key}" must be at least 1.')
        setattr(trim, key, value)
    whole = data.get("whole_turns", True)
    if not isinstance(whole, bool):
        raise InvalidField('trimming: "whole_turns" must be true or false.')
    trim.whole_turns = whole
    return trim


def field(data: dict[str, Any], key: str, kind: type, default: Any = ...) -> Any:
    """data[key] of type `kind`; `default` when absent or null (required without one)."""
    if key not in data or data[key] is None:
        if default is ...:
            raise InvalidField(f'has no "{key}".')
        return default
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidField(f'"{key}" is a JSON {kind_of(value)}, not {_KIND_NAMES[kind]}.')
    return value


_KIND_NAMES = {dict: "an object", list: "a list", str: "text", int: "a number", bool: "a boolean"}


def kind_of(value: Any) -> str:
    """What a JSON value is, in words ("an object", "text"...), for error texts."""
    if isinstance(value, bool):
        return "boolean"
    return {
        dict: "object", list: "list", str: "string", int: "number", float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)  # fmt: skip
