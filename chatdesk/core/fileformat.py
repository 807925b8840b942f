"""The conversation file: versioned JSON whose messages are in the Chat Completions shape.

    {"format": "chatdesk.conversation", "version": 2, "title": "...", "profile": "work",
     "deployment": "chat-prod", "model": "gpt-4o", "params": {...},
     "request": {"tools": [...], ...}, "trimming": {...}, "draft": "", "pinned": true,
     "messages": [{"role": "system", "content": "..."},
                  {"role": "user", "content": "...", "pinned": true},
                  {"role": "user", "content": [{"type": "text", "text": "..."},
                                               {"type": "image_url", "image_url": {...}}]},
                  {"role": "assistant", "content": null, "tool_calls": [...]},
                  {"role": "tool", "tool_call_id": "...", "content": "..."},
                  {"role": "assistant", "content": "...", "metadata": {"finish_reason": "stop"}}]}

`deployment` names the profile's deployment the conversation sends to (absent: the profile's
default). A leading system (or developer) message is the system prompt; `pinned` messages (or
ones named example_user / example_assistant) are the few-shot examples. The document's own
"pinned" (only written when true) keeps the conversation on top of the library's list. Messages
are kept whole: content parts of any type, tool calls, and fields chatdesk does not know are
saved and sent as they came. `request` holds the request fields chatdesk does not set itself
(`tools`, `tool_choice`, a `json_schema` response format, `reasoning_effort`, `user`,
`metadata`, ...), likewise kept.
Version 1 (text-only messages, no `request`) is read and migrated; a bare Chat Completions
request body (`{"model": ..., "messages": [...]}`) opens as a new conversation. Opening never
crashes: every problem is a `ConversationFileError` naming the file and what is wrong.
Only regular files are read, at most 64 MB (`safe_read`); numbers JSON and the API do not take
(NaN, Infinity, 1e999, integers of thousands of digits) and parameters out of the API's range
are refused naming the field (`params_check`); lone surrogates in the text become U+FFFD and
`Opened.replaced` says how many (`text_policy`). A file tagged with another program's
"format", or a chatdesk format version this one does not know, is refused.

Saving returns the file's `DiskState`; given the state the conversation was read with, saving
refuses (`ChangedOnDisk`) rather than wipe what another program wrote since.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from chatdesk.core import alternatives
from chatdesk.core.atomic import atomic_write_bytes, folder_lock
from chatdesk.core.conversation import (
    API_KINDS,
    HISTORY_KEEPERS,
    REASONING_SUMMARIES,
    RESPONSE_FORMATS,
    TRIM_POLICIES,
    Conversation,
    GenerationParams,
    TrimSettings,
)
from chatdesk.core.disk_state import ChangedOnDisk, DiskState, changed_since
from chatdesk.core.image_spans import LIFT_FROM, lift_images, restore_images
from chatdesk.core.messages import EXAMPLE_NAMES, ROLES, Message, RawMessage
from chatdesk.core.params_check import ParamError, check_value
from chatdesk.core.safe_read import FileTooLarge, NotRegularFile, read_regular
from chatdesk.core.text_policy import (
    JsonProblem,
    clean_strings,
    may_hold_surrogates,
    parse_json,
    storable,
)

FORMAT = "chatdesk.conversation"
VERSION = 2
MAX_FILE_BYTES = 64 * 1024 * 1024
# A name pattern of chatdesk's own, so a desktop can tell conversations from other JSON
# (the MIME type in resources/chatdesk-mime.xml matches it).
FILE_SUFFIX = ".chatdesk.json"


class ConversationFileError(ValueError):
    """A file that cannot be opened as a conversation; the text says which and why."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{os.fspath(path)}: {problem}")


@dataclass
class Opened:
    """A conversation read from a file."""

    conversation: Conversation
    imported: bool  # a bare request body: a new conversation, not yet saved anywhere
    replaced: int = 0  # lone surrogates replaced by U+FFFD (tell the user when not 0)
    disk: DiskState | None = None  # the file as read: what a later save compares against

    def notice(self) -> str | None:
        """A sentence for the user about what was changed while reading, or None."""
        if not self.replaced:
            return None
        n = self.replaced
        return (
            f"{n:,} character{'s' if n != 1 else ''} that UTF-8 cannot hold (half of an emoji, "
            "a lone surrogate) were replaced with \ufffd."
        )


# -- writing ---------------------------------------------------------------------------------
def suggested_file_name(title: str) -> str:
    """A file name for a conversation: "Tax questions" -> "Tax questions.chatdesk.json".

    Characters no common file system takes (/ \\ : * ? " < > | and control characters) become
    spaces; an empty title gives "conversation.chatdesk.json"."""
    cleaned = "".join(" " if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in title)
    stem = " ".join(cleaned.split()).strip(". ")[:80] or "conversation"
    return stem + FILE_SUFFIX


def to_document(conv: Conversation) -> dict[str, Any]:
    """The conversation as the JSON document that is saved."""
    messages: list[dict[str, Any]] = []
    system = conv.system_message()
    if system:
        messages.append(system.to_raw())
    for example in conv.examples:
        messages.append({**example.to_api(), "pinned": True})
    messages.extend(message.to_raw() for message in conv)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "title": conv.title,
        "created_at": conv.created_at,
        "profile": conv.profile,
        "deployment": conv.deployment,
        "model": conv.model,
        "params": conv.params.to_json(),
        "request": dict(conv.request_extra),
        "api": conv.api,
        "history": conv.history_keeper,
        "trimming": conv.trimming.to_json(),
        "draft": conv.draft,
        "draft_images": list(conv.draft_images),
        "messages": messages,
    }
    if not conv.draft_images:
        del document["draft_images"]
    if not conv.request_extra:
        del document["request"]
    if conv.pinned_in_list:
        document["pinned"] = True
    if conv.deployment is None:
        del document["deployment"]
    if conv.api is None:  # the profile's default: older chatdesks read the file as before
        del document["api"]
    if conv.history_keeper == "chatdesk":
        del document["history"]
    return document


def dumps(conv: Conversation) -> str:
    return json.dumps(to_document(conv), ensure_ascii=False, indent=1) + "\n"


_NO_CHECK: Any = object()


def save_conversation(
    conv: Conversation, path: str | os.PathLike[str], expect: DiskState | None = _NO_CHECK
) -> DiskState:
    """Save atomically: the old file stays intact until the new one is complete on disk.

    `expect`: the state the file had when this conversation was read or last saved; when the
    file differs now, `ChangedOnDisk` is raised and nothing is written. Left out: no check (a
    new file, or the user chose to overwrite). Returns the saved file's state. Raises OSError.
    """
    data = storable(dumps(conv)).encode("utf-8")
    if expect is _NO_CHECK or expect is None:
        return DiskState.of(data, atomic_write_bytes(path, data))
    folder = os.path.dirname(os.path.abspath(path))
    with folder_lock(folder):  # another chatdesk's check-then-write waits for this one
        if changed_since(path, expect, MAX_FILE_BYTES):
            raise ChangedOnDisk(path)
        return DiskState.of(data, atomic_write_bytes(path, data))


# -- reading ---------------------------------------------------------------------------------
def load_conversation(path: str | os.PathLike[str]) -> Opened:
    try:
        read = read_regular(path, MAX_FILE_BYTES)
    except NotRegularFile as exc:
        raise ConversationFileError(path, f"is {exc.kind}, not a conversation file.") from None
    except FileTooLarge as exc:
        raise ConversationFileError(
            path, f"is too large to open ({exc.size / 2**20:.0f} MB; the limit is 64 MB)."
        ) from None
    except FileNotFoundError:
        raise ConversationFileError(path, "does not exist.") from None
    except OSError as exc:
        raise ConversationFileError(path, f"cannot be read ({exc.strerror}).") from None
    opened = loads(read.data, path)
    opened.disk = DiskState.read(read.data, read.mtime_ns, read.size)
    return opened


def loads(raw: bytes | str, path: str | os.PathLike[str] = "conversation") -> Opened:
    lifted: dict[str, str] = {}
    if isinstance(raw, bytes) and len(raw) >= LIFT_FROM:  # images: not parsed as JSON text
        raw, lifted = lift_images(raw)
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ConversationFileError(path, "is not UTF-8 text.") from None
    if not text.strip():
        raise ConversationFileError(path, "is empty.")
    try:
        data = parse_json(text)
    except JsonProblem as exc:
        raise ConversationFileError(path, f"cannot be opened: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise ConversationFileError(
            path,
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "It may be truncated or damaged.",
        ) from None
    except RecursionError:
        raise ConversationFileError(path, "is nested too deeply to be a conversation.") from None
    if not isinstance(data, dict):
        raise ConversationFileError(
            path, f"holds a JSON {_kind(data)}, not a conversation (an object)."
        )
    replaced = 0
    if may_hold_surrogates(text):
        data, replaced = clean_strings(data)
    if lifted:
        data = restore_images(data, lifted)
    tag = data.get("format")
    if tag is not None and tag != FORMAT:
        shown = repr(tag) if isinstance(tag, str) and len(tag) < 60 else f"a JSON {_kind(tag)}"
        raise ConversationFileError(
            path,
            f'is tagged "format": {shown}, another program\'s file, not a chatdesk '
            "conversation; it was not opened.",
        )
    try:
        if tag == FORMAT:
            return Opened(_from_document(data), imported=False, replaced=replaced)
        if "messages" in data:
            return Opened(_from_request_body(data), imported=True, replaced=replaced)
    except (_Invalid, ParamError) as exc:
        raise ConversationFileError(path, str(exc)) from None
    raise ConversationFileError(
        path,
        "is neither a chatdesk conversation nor a Chat Completions request "
        '(it has no "format" or "messages").',
    )


class _Invalid(ValueError):
    pass


def _from_document(data: dict[str, Any]) -> Conversation:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _Invalid('has no valid "version" number.')
    if version > VERSION:
        raise _Invalid(
            f"was written by a newer chatdesk (format version {version}); this version reads "
            f"format {VERSION}. Update chatdesk to open it."
        )
    if version < 1:
        raise _Invalid(f"has an unknown format version {version}.")
    if version == 1:
        data = _migrate_v1(data)
    conv = _conversation_from_messages(_field(data, "messages", list))
    conv.title = _field(data, "title", str, "")
    conv.created_at = _field(data, "created_at", str, conv.created_at)
    conv.profile = _field(data, "profile", str, None)
    conv.deployment = _field(data, "deployment", str, None)
    conv.model = _field(data, "model", str, None)
    conv.draft = _field(data, "draft", str, "")
    conv.pinned_in_list = _field(data, "pinned", bool, False)
    draft_images = _field(data, "draft_images", list, [])
    _check_content(draft_images, '"draft_images"')
    conv.draft_images = [p for p in draft_images if p.get("type") == "image_url"]
    conv.params = _params(_field(data, "params", dict, {}), "params")
    conv.request_extra = dict(_field(data, "request", dict, {}))
    conv.trimming = _trimming(_field(data, "trimming", dict, {}))
    conv.api = _choice(data, "api", API_KINDS, None)
    conv.history_keeper = _choice(data, "history", HISTORY_KEEPERS, "chatdesk")
    return conv


def _choice(data: dict[str, Any], key: str, allowed: tuple[str, ...], default: Any) -> Any:
    value = data.get(key)
    if value is None:
        return default
    if value not in allowed:
        names = ", ".join(f'"{a}"' for a in allowed)
        raise _Invalid(f'"{key}" is {json.dumps(value)[:60]}; chatdesk reads {names}.')
    return value


def _migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 document as version 2. Version 1 held text-only messages of three roles
    and no request fields, all of which version 2 reads the same way: only the number
    changes (the next save writes 2, which an older chatdesk refuses in words rather than
    dropping the parts, tool calls and request fields it cannot hold)."""
    return {**data, "version": 2}


# Request fields chatdesk sets itself; everything else in a body is kept in `request_extra`.
_OWN_REQUEST_FIELDS = frozenset(
    ("model", "messages", "max_completion_tokens", "stream", "stream_options")
) | frozenset(GenerationParams.__dataclass_fields__)


def _from_request_body(data: dict[str, Any]) -> Conversation:
    conv = _conversation_from_messages(_field(data, "messages", list))
    conv.model = _field(data, "model", str, None)
    params = dict(data)
    if "max_completion_tokens" in params and "max_tokens" not in params:
        params["max_tokens"] = params["max_completion_tokens"]
    extra = {k: v for k, v in data.items() if k not in _OWN_REQUEST_FIELDS}
    fmt = params.get("response_format")
    if isinstance(fmt, dict) and set(fmt) == {"type"} and fmt["type"] in RESPONSE_FORMATS:
        params["response_format"] = fmt["type"]
    elif fmt is not None:  # a json_schema format (or one not known yet): sent as it came
        extra["response_format"] = fmt
        params["response_format"] = "text"
    if isinstance(params.get("stop"), str):
        params["stop"] = [params["stop"]]
    conv.params = _params(params, "request")
    conv.request_extra = extra
    return conv


def _conversation_from_messages(items: list[Any]) -> Conversation:
    # Every item is checked now (a bad file is refused before anything shows), but history
    # items stay the file's dicts until read: the window builds only the rows it shows.
    system: Message | None = None
    examples: list[Message] = []
    history: list[RawMessage] = []
    for index, item in enumerate(items):
        checked = _checked(item, index)
        if item.get("pinned") is True or item.get("name") in EXAMPLE_NAMES:
            examples.append(Message.from_raw(checked))
        elif index == 0 and item["role"] in ("system", "developer"):
            system = Message.from_raw(checked)
        else:
            history.append(checked)
    conv = Conversation(examples=examples, history=history)  # one list, not 10,000 appends
    if system is not None:
        conv.set_system_message(system)
    return conv


def _checked(item: Any, index: int, where: str | None = None) -> RawMessage:
    """The item, ready for `Message.from_raw` (a copy if its content needed converting).

    Runs once per message of a file that may hold thousands: the error texts are built only
    when there is an error. `where` names a message that is not in `messages` itself.
    """

    def label() -> str:
        return where or f"message {index + 1}"

    if not isinstance(item, dict):
        raise _Invalid(f"{label()} is a JSON {_kind(item)}, not an object.")
    role = item.get("role")
    if role not in ROLES:
        allowed = ", ".join(ROLES)
        raise _Invalid(f"{label()} has role {role!r}; chatdesk reads {allowed}.")
    content = item.get("content")
    if type(content) is not str:  # content parts or null: checked, kept as they are
        _check_content(content, label())
    calls = item.get("tool_calls")
    if calls is not None:
        _check_tool_calls(calls, label())
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise _Invalid(f'{label()} has a "name" that is not text.')
    meta = item.get("metadata")
    if meta:
        _check_meta(meta, label())
    elif not (meta is None or meta == {}):
        raise _Invalid(f'{label()} has "metadata" that is not an object.')
    return item


def _check_tool_calls(value: Any, where: str) -> None:
    """A list of tool calls, each an object; "function", when there, an object too."""
    if not isinstance(value, list):
        raise _Invalid(f'{where} has "tool_calls" that is a JSON {_kind(value)}, not a list.')
    for number, call in enumerate(value, 1):
        if not isinstance(call, dict):
            raise _Invalid(f'{where}: tool call {number} in "tool_calls" is not an object.')
        function = call.get("function")
        if function is not None and not isinstance(function, dict):
            raise _Invalid(f'{where}: tool call {number} has a "function" that is not an object.')


def _check_meta(data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise _Invalid(f'{where} has "metadata" that is not an object.')
    for key, value in data.items():
        expected = _META_TYPES.get(key)
        if expected and value is not None and not isinstance(value, expected):
            raise _Invalid(f'{where}: metadata "{key}" has the wrong type.')
    summary = data.get("reasoning_summary")
    if isinstance(summary, list) and not all(isinstance(s, str) for s in summary):
        raise _Invalid(f'{where}: metadata "reasoning_summary" must be a list of texts.')
    versions = data.get("alternatives")
    if versions is not None:
        problem = alternatives.check(versions, where, _check_kept)
        if problem:
            raise _Invalid(f'{where}: metadata "alternatives" {problem}.')


def _check_kept(item: Any, where: str) -> None:
    """A message kept in another message's alternatives, checked as a history message."""
    _checked(item, -1, where)


_META_TYPES: dict[str, type | tuple[type, ...]] = {
    "created_at": str, "finish_reason": str, "usage": dict, "content_filter": dict,
    "prompt_filter": list, "model": str, "request_id": str, "latency_ms": (int, float),
    "incomplete": bool, "error": str, "error_code": str, "stopped": bool, "include": bool,
    "alternatives": dict, "response_id": str, "store": bool, "reasoning_summary": list,
}  # fmt: skip


def _check_content(value: Any, where: str) -> None:
    """Null, or a list of content parts: objects with a "type" (any type is kept)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise _Invalid(f'{where} has "content" that is a JSON {_kind(value)}, not text or parts.')
    for number, part in enumerate(value, 1):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise _Invalid(f'{where}: content part {number} is not an object with a "type".')
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise _Invalid(f'{where}: text part {number} has no "text".')


_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "temperature": (int, float),
    "top_p": (int, float),
    "max_tokens": (int,),
    "presence_penalty": (int, float),
    "frequency_penalty": (int, float),
    "seed": (int,),
}


def _params(data: dict[str, Any], where: str) -> GenerationParams:
    params = GenerationParams()
    for key, types in _PARAM_TYPES.items():
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            raise _Invalid(f'{where}: "{key}" must be a number, not {value!r}.')
        setattr(params, key, check_value(key, value, where))
    stop = data.get("stop") or []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise _Invalid(f'{where}: "stop" must be a list of strings.')
    params.stop = stop
    fmt = data.get("response_format", "text")
    if fmt not in RESPONSE_FORMATS:
        raise _Invalid(f'{where}: "response_format" must be one of {", ".join(RESPONSE_FORMATS)}.')
    params.response_format = fmt
    summary = data.get("reasoning_summary")
    if summary is not None and summary not in REASONING_SUMMARIES:
        names = ", ".join(REASONING_SUMMARIES)
        raise _Invalid(f'{where}: "reasoning_summary" must be one of {names}, not {summary!r}.')
    params.reasoning_summary = summary
    for key in ("reasoning_effort", "verbosity"):
        value = data.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise _Invalid(f'{where}: "{key}" must be a name such as "medium", not {value!r}.')
        setattr(params, key, value)
    stream = data.get("stream", True)
    if not isinstance(stream, bool):
        raise _Invalid(f'{where}: "stream" must be true or false.')
    params.stream = stream
    return params


def _trimming(data: dict[str, Any]) -> TrimSettings:
    trim = TrimSettings()
    policy = data.get("policy", trim.policy)
    if policy not in TRIM_POLICIES:
        raise _Invalid(f'trimming: "policy" must be one of {", ".join(TRIM_POLICIES)}.')
    trim.policy = policy
    for key in ("limit", "max_turns"):
        value = data.get(key, getattr(trim, key))
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _Invalid(f'trimming: "{key}" must be a whole number.')
        if value is not None and value < 1:
            raise _Invalid(f'trimming: "{key}" must be at least 1.')
        setattr(trim, key, value)
    whole = data.get("whole_turns", True)
    if not isinstance(whole, bool):
        raise _Invalid('trimming: "whole_turns" must be true or false.')
    trim.whole_turns = whole
    return trim


def _field(data: dict[str, Any], key: str, kind: type, default: Any = ...) -> Any:
    if key not in data or data[key] is None:
        if default is ...:
            raise _Invalid(f'has no "{key}".')
        return default
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Invalid(f'"{key}" is a JSON {_kind(value)}, not {_KIND_NAMES[kind]}.')
    return value


_KIND_NAMES = {dict: "an object", list: "a list", str: "text", int: "a number", bool: "a boolean"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {
        dict: "object", list: "list", str: "string", int: "number", float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)  # fmt: skip
