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
saved and sent as they came. Keys chatdesk does not know at the top level and inside `params`,
`trimming` and a message's `metadata` are saved as they came, after chatdesk's own, and never
sent (`messages.unknown_fields`). `request` holds the request fields chatdesk does not set itself
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
from typing import Any

import msgspec

from chatdesk.core.atomic import atomic_write_bytes, folder_lock
from chatdesk.core.choices import Api, HistoryKeeper
from chatdesk.core.conversation import (
    API_KINDS,
    HISTORY_KEEPERS,
    RESPONSE_FORMATS,
    Conversation,
    GenerationParams,
    TrimSettings,
)
from chatdesk.core.disk_state import ChangedOnDisk, DiskState, changed_since
from chatdesk.core.file_fields import (
    InvalidField,
    check_content,
    checked_message,
    choice,
    field,
    kind_of,
    params_from,
    trimming_from,
)
from chatdesk.core.image_spans import LIFT_FROM, lift_images, restore_images
from chatdesk.core.messages import (
    EXAMPLE_NAMES,
    ROLES,
    Message,
    RawMessage,
    unknown_fields,
    written_back,
)
from chatdesk.core.params_check import ParamError
from chatdesk.core.safe_read import FileRead, FileTooLarge, NotRegularFile, read_regular
from chatdesk.core.text_policy import (
    JsonProblem,
    clean_strings,
    may_hold_surrogates,
    parse_json,
    replaced_notice,
    storable,
    utf8_text,
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


class Opened(msgspec.Struct):
    """A conversation read from a file."""

    conversation: Conversation
    imported: bool  # a bare request body: a new conversation, not yet saved anywhere
    replaced: int = 0  # lone surrogates replaced by U+FFFD (tell the user when not 0)
    disk: DiskState | None = None  # the file as read: what a later save compares against
    pending: int = 0  # images still being read (`core/images_first.py`): loading until read

    def notice(self) -> str | None:
        """A sentence for the user about what was changed while reading, or None."""
        if not self.replaced:
            return None
        return replaced_notice(self.replaced, why="half of an emoji, a lone surrogate")


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
        messages.append({**example.to_raw(), "pinned": True})
    messages.extend(message.to_raw() for message in conv)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "title": conv.title,
        "created_at": conv.created_at,
        "profile": conv.profile,
        "deployment": conv.deployment,
        "model": conv.model,
        "params": written_back(conv.params.to_json(), conv.kept_params),
        "request": dict(conv.request_extra),
        "api": conv.api,
        "history": conv.history_keeper,
        "trimming": written_back(conv.trimming.to_json(), conv.kept_trimming),
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
    if conv.history_keeper == HistoryKeeper.CHATDESK:
        del document["history"]
    return written_back(document, conv.kept_fields)


def dumps(conv: Conversation) -> str:
    return json.dumps(to_document(conv), ensure_ascii=False, indent=1) + "\n"


_NO_CHECK: Any = object()


def save_conversation(
    conv: Conversation, path: str | os.PathLike[str], expect: DiskState | None = _NO_CHECK,
    *, tidy: bool = True,
) -> DiskState:  # fmt: skip
    """Save atomically: the old file stays intact until the new one is complete on disk.

    `expect`: the state the file had when this conversation was read or last saved; when the
    file differs now, `ChangedOnDisk` is raised and nothing is written. Left out: no check (a
    new file, or the user chose to overwrite). Returns the saved file's state. Raises OSError.
    `tidy`: remove what killed writers of the file left (`atomic`; the library does it itself).
    """
    data = storable(dumps(conv)).encode("utf-8")
    if expect is _NO_CHECK or expect is None:
        return DiskState.of(data, atomic_write_bytes(path, data, tidy=tidy))
    folder = os.path.dirname(os.path.abspath(path))
    with folder_lock(folder):  # another chatdesk's check-then-write waits for this one
        if changed_since(path, expect, MAX_FILE_BYTES):
            raise ChangedOnDisk(path)
        return DiskState.of(data, atomic_write_bytes(path, data, tidy=tidy))


# -- reading ---------------------------------------------------------------------------------
def load_conversation(path: str | os.PathLike[str]) -> Opened:
    read = read_file(path)
    opened = loads(read.data, path)
    opened.disk = DiskState.read(read.data, read.mtime_ns, read.size)
    return opened


def read_file(path: str | os.PathLike[str]) -> FileRead:
    """The file's bytes (at most `MAX_FILE_BYTES`); raises ConversationFileError saying why
    it cannot be read."""
    try:
        return read_regular(path, MAX_FILE_BYTES)
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


def loads(raw: bytes | str, path: str | os.PathLike[str] = "conversation") -> Opened:
    data, replaced = parse_document(raw, path)
    return opened_from(data, replaced, path)


def parse_document(raw: bytes | str, path: str | os.PathLike[str]) -> tuple[Any, int]:
    """(the JSON value of `raw`, lone surrogates replaced in it); raises ConversationFileError
    for text that is not UTF-8 or not JSON chatdesk takes."""
    lifted: dict[str, str] = {}
    if isinstance(raw, bytes) and len(raw) >= LIFT_FROM:  # images: not parsed as JSON text
        raw, lifted = lift_images(raw)
    try:
        text = utf8_text(raw) if isinstance(raw, bytes) else raw
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
            # json's msg ends in " at" where its own text goes on with the place, said here.
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg.removesuffix(' at')}). "
            "It may be truncated or damaged.",
        ) from None
    except RecursionError:
        raise ConversationFileError(path, "is nested too deeply to be a conversation.") from None
    replaced = 0
    if may_hold_surrogates(text):
        data, replaced = clean_strings(data)
    if lifted:
        data = restore_images(data, lifted)
    return data, replaced


def opened_from(data: Any, replaced: int, path: str | os.PathLike[str]) -> Opened:
    """The conversation (or imported request body) a parsed file's JSON value holds, with
    `replaced` lone surrogates; raises ConversationFileError naming `path`."""
    if not isinstance(data, dict):
        raise ConversationFileError(
            path, f"holds a JSON {kind_of(data)}, not a conversation (an object)."
        )
    tag = data.get("format")
    if tag is not None and tag != FORMAT:
        shown = repr(tag) if isinstance(tag, str) and len(tag) < 60 else f"a JSON {kind_of(tag)}"
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
    except (InvalidField, ParamError) as exc:
        raise ConversationFileError(path, str(exc)) from None
    raise ConversationFileError(
        path,
        "is neither a chatdesk conversation nor a Chat Completions request "
        '(it has no "format" or "messages").',
    )


def document_part(
    data: dict[str, Any], items: list[Any], first: int, path: str | os.PathLike[str]
) -> Conversation:
    """The conversation a chatdesk document describes with `items` (its messages from index
    `first` on) in place of its "messages"; raises ConversationFileError. For reading a file
    in steps (`core/file_steps.py`): the caller has checked the document's "format"."""
    try:
        return _from_document(data, items, first)
    except (InvalidField, ParamError) as exc:
        raise ConversationFileError(path, str(exc)) from None


def _from_document(
    data: dict[str, Any], items: list[Any] | None = None, first: int = 0
) -> Conversation:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidField('has no valid "version" number.')
    if version > VERSION:
        raise InvalidField(
            f"was written by a newer chatdesk (format version {version}); this version reads "
            f"format {VERSION}. Update chatdesk to open it."
        )
    if version < 1:
        raise InvalidField(f"has an unknown format version {version}.")
    if version == 1:
        data = _migrate_v1(data)
    if items is None:
        items = field(data, "messages", list)
    conv = _conversation_from_messages(items, first)
    conv.title = field(data, "title", str, "")
    conv.created_at = field(data, "created_at", str, conv.created_at)
    conv.profile = field(data, "profile", str, None)
    conv.deployment = field(data, "deployment", str, None)
    conv.model = field(data, "model", str, None)
    conv.draft = field(data, "draft", str, "")
    conv.pinned_in_list = field(data, "pinned", bool, False)
    draft_images = field(data, "draft_images", list, [])
    check_content(draft_images, '"draft_images"')
    conv.draft_images = [p for p in draft_images if p.get("type") == "image_url"]
    params = field(data, "params", dict, {})
    conv.params = params_from(params, "params")
    conv.kept_params = unknown_fields(params, _PARAM_FIELDS)
    conv.request_extra = dict(field(data, "request", dict, {}))
    trimming = field(data, "trimming", dict, {})
    conv.trimming = trimming_from(trimming)
    conv.kept_trimming = unknown_fields(trimming, _TRIMMING_FIELDS)
    api = choice(data, "api", API_KINDS, None)
    conv.api = Api(api) if api is not None else None
    conv.history_keeper = HistoryKeeper(choice(data, "history", HISTORY_KEEPERS, "chatdesk"))
    conv.kept_fields = unknown_fields(data, _DOCUMENT_FIELDS)
    return conv


# The fields chatdesk reads itself, at the top level of a document (`to_document`) and in its
# "params" and "trimming"; others are kept as they came (`unknown_fields`).
_DOCUMENT_FIELDS = frozenset((
    "format", "version", "title", "created_at", "profile", "deployment", "model", "params",
    "request", "api", "history", "trimming", "draft", "draft_images", "messages", "pinned",
))  # fmt: skip
_PARAM_FIELDS = frozenset(GenerationParams.__struct_fields__)  # in "params"
_TRIMMING_FIELDS = frozenset(TrimSettings.__struct_fields__)  # in "trimming"


def _migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 document as version 2. Version 1 held text-only messages of three roles
    and no request fields, all of which version 2 reads the same way: only the number
    changes (the next save writes 2, which an older chatdesk refuses in words rather than
    dropping the parts, tool calls and request fields it cannot hold)."""
    return {**data, "version": 2}


# Request fields chatdesk sets itself; everything else in a body is kept in `request_extra`.
# `title` is no request parameter (Azure answers 400 "Unrecognized request argument"): a body
# of one's own that gives it names the conversation, as a chatdesk file's does.
_OWN_REQUEST_FIELDS = frozenset(
    ("model", "messages", "max_completion_tokens", "stream", "stream_options", "title")
) | frozenset(GenerationParams.__struct_fields__)


def _from_request_body(data: dict[str, Any]) -> Conversation:
    conv = _conversation_from_messages(field(data, "messages", list))
    conv.model = field(data, "model", str, None)
    conv.title = field(data, "title", str, "")
    params = dict(data)
    names: dict[str, str] = {}  # a parameter read under another name, for messages
    if "max_completion_tokens" in params and "max_tokens" not in params:
        params["max_tokens"] = params["max_completion_tokens"]
        names["max_tokens"] = "max_completion_tokens"
    extra = {k: v for k, v in data.items() if k not in _OWN_REQUEST_FIELDS}
    fmt = params.get("response_format")
    if isinstance(fmt, dict) and set(fmt) == {"type"} and fmt["type"] in RESPONSE_FORMATS:
        params["response_format"] = fmt["type"]
    elif fmt is not None:  # a json_schema format (or one not known yet): sent as it came
        extra["response_format"] = fmt
        params["response_format"] = "text"
    if isinstance(params.get("stop"), str):
        params["stop"] = [params["stop"]]
    conv.params = params_from(params, "request", names)
    conv.request_extra = extra
    return conv


_ROLE_NAMES = {role: role for role in ROLES}


def _conversation_from_messages(items: list[Any], first: int = 0) -> Conversation:
    # Every item is checked now (a bad file is refused before anything shows), but history
    # items stay the file's dicts until read: the window builds only the rows it shows.
    system: Message | None = None
    examples: list[Message] = []
    history: list[RawMessage] = []
    for index, item in enumerate(items, first):
        checked = checked_message(item, index)
        checked["role"] = _ROLE_NAMES[checked["role"]]  # one str per role, not per message
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
