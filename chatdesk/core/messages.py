"""Chat messages in the Chat Completions shape, with the metadata chatdesk keeps beside them."""

from __future__ import annotations

import copy
import itertools
import json
import time
from collections.abc import Container, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import msgspec

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# The few-shot form some prompts use: system messages named as example turns.
EXAMPLE_NAMES = ("example_user", "example_assistant")

_ids = itertools.count(1)

# A message as its file holds it, already checked by `fileformat`: a dict with a text
# "content", built into a `Message` only when something reads it (see `Conversation`).
RawMessage = dict[str, Any]


# -- fields chatdesk does not know, kept as they came -----------------------------------------
# One rule for a conversation file's top level and for the objects inside it that chatdesk owns
# (`params`, `trimming`, each message's `metadata`): a newer chatdesk's keys, another tool's, ones
# added by hand. Reading keeps every key chatdesk does not read itself, in the file's order;
# saving writes chatdesk's own keys from its own values first and the kept ones after them. A key
# chatdesk knows is never kept, so an edit of it (a changed temperature, a new finish_reason) is
# what is saved, never the file's old value. Kept values are shared, never changed in place.
# Here, not in a module of its own: every message's metadata is read through it, and the first
# frame loads this module anyway (tests/ui/test_startup.py counts the modules it loads).
def unknown_fields(data: Mapping[str, Any], known: Container[str]) -> dict[str, Any]:
    """The items of `data` whose key chatdesk does not know (not in `known`), in their order."""
    return {key: value for key, value in data.items() if key not in known}


def written_back(own: dict[str, Any], kept: Mapping[str, Any] | None) -> dict[str, Any]:
    """`own` (chatdesk's keys, from its values) with the `kept` ones after them; `own` wins."""
    if kept:
        for key, value in kept.items():
            own.setdefault(key, value)
    return own


def now_iso() -> str:
    """Now, in UTC, as ISO 8601 with milliseconds: 2026-11-23T09:30:00.123+00:00.

    From `time`, not `datetime`: a new conversation is stamped before the window first
    paints, and importing datetime would add ~1.5 ms to every start."""
    now = time.time()
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return f"{whole}.{int(now * 1000) % 1000:03d}+00:00"


class MessageMeta(msgspec.Struct):  # no __dict__: a loaded conversation holds one per message
    """What the API said about a message. All optional: a user message has none of it."""

    created_at: str | None = None
    finish_reason: str | None = None  # stop, length, content_filter, or None while in progress
    usage: dict[str, Any] | None = None  # a continued reply's: its requests' added up
    # A reply made by more than one request (Continue): each request's usage, in order.
    usage_parts: list[dict[str, Any]] | None = None
    content_filter: dict[str, Any] | None = None  # per-choice content_filter_results
    prompt_filter: list[Any] | None = None  # prompt_filter_results of the request
    model: str | None = None  # the model that answered, as the API named it
    # The connection profile and deployment the request went to (a reply's cost uses their
    # prices: core/pricing.py); None in files from before they were recorded.
    profile: str | None = None
    deployment: str | None = None
    # A reply made by more than one request (Continue): where each was made, in the order of
    # `usage_parts`: {"profile": name, "deployment": name} (a part may go elsewhere).
    part_sources: list[dict[str, Any]] | None = None
    request_id: str | None = None
    latency_ms: float | None = None
    incomplete: bool = False  # the stream ended without a finish_reason: a partial reply
    error: str | None = None  # the mapped failure of the request this message belongs to
    error_code: str | None = None  # the API's error code of that failure: content_filter...
    stopped: bool = False  # the user pressed Stop: the reply ends where Stop landed
    # The service failed the reply over an intact stream (`response.failed`, an `error` event
    # in a Chat Completions stream): its `error` says why; the connection was fine.
    service_failed: bool = False
    # A reply made by more than one request (Continue): how each earlier part ended, in
    # order (core/endings.py: "stopped", or the finish_reason it had, such as "length").
    continued: list[str] | None = None
    # The user's choice for the next requests: True "Include again", False "Leave out";
    # None follows the rule for failed turns (core/sending.py).
    include: bool | None = None
    # Earlier versions of this turn, kept by Regenerate and edit-and-resend (core/alternatives.py):
    # {"shown": k, "versions": [[message, ...] | None, ...]}, the shown one's slot None.
    alternatives: dict[str, Any] | None = None
    # Responses API: the response's id, whether the service stored it (`store`: a later
    # request may continue from it with `previous_response_id`), and its reasoning summary,
    # one text per summary part (shown, saved, never sent back as text).
    response_id: str | None = None
    store: bool = False
    reasoning_summary: list[str] | None = None
    # The reply's request is in flight (waiting, retrying, streaming): nothing about its turn
    # is judged yet (core/sending.py). Never saved: a copy taken mid-stream reads as ended.
    pending: bool = False
    # Who is streaming this reply into its file, read from the file (core/in_flight.py):
    # {"host", "pid", "at"}. A reply pending here is saved with this process's mark instead.
    writing: dict[str, Any] | None = None
    # The file's metadata keys chatdesk does not know (`unknown_fields`), saved after its own;
    # None for the many messages that have none, so they cost no dict.
    kept: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k in _SAVED if (v := getattr(self, k)) not in (None, False)}
        if self.pending:  # still streaming here: readers of the file see who writes it
            from chatdesk.core.in_flight import writer_mark

            out["writing"] = writer_mark(now_iso())
        if self.include is False:  # a choice, not a default: kept
            out["include"] = False
        return written_back(out, self.kept)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageMeta:
        read = {k: v for k, v in data.items() if k in _READ}
        meta = cls(**read)
        if len(read) < len(data):  # something chatdesk does not read: keep what it does not know
            meta.kept = unknown_fields(data, _KNOWN) or None
        return meta


# The metadata keys chatdesk knows: `pending` is never read from a file (a reply there is not on
# its way any more) nor saved; `kept` is not a key of the file but what holds the others.
_KNOWN = frozenset(MessageMeta.__struct_fields__) - {"kept"}
_READ = _KNOWN - {"pending"}
_SAVED = tuple(k for k in MessageMeta.__struct_fields__ if k in _READ)  # in their order


# The fields a message holds that chatdesk reads itself; every other field (tool_calls,
# tool_call_id, refusal, annotations, audio, function_call, ones not known yet) is kept as is.
_OWN_FIELDS = frozenset(("role", "content", "name", "metadata", "pinned"))
_TEXT: Any = object()  # `Message.source` of a message whose content is a plain string
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})  # `extra` of a loaded message with none


def parts_text(content: Any) -> str:
    """The text of a content value: the string, the text parts joined (as the model reads
    them, one after the other), or "" for null (a tool-calling assistant turn)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part["text"] for part in content if _is_text_part(part))
    return ""


def _is_text_part(part: Any) -> bool:
    return (
        isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
    )


class Message(msgspec.Struct, eq=False):  # no __dict__: ~100 bytes less per loaded message
    """One message. `uid` is stable for the life of the object (the window keys rows on it).

    `content` is the message's text: what is shown, edited and streamed into. A message read
    with content parts or null content keeps that value in `source` and sends it unchanged
    until its text is edited; an edit replaces the text parts and keeps every other part
    (images, refusals, audio). `extra` holds the Chat Completions fields chatdesk does not
    use itself (`tool_calls`, `tool_call_id`, `refusal`, `annotations`, `audio`, unknown
    ones), in their order, sent and saved as they came.

    Token counts are cached on the message by `TokenCounter`, keyed on the content object, so a
    changed content is recounted and an unchanged one never is.
    """

    role: str
    content: str
    name: str | None = None
    meta: MessageMeta = msgspec.field(default_factory=MessageMeta)
    uid: int = msgspec.field(default_factory=lambda: next(_ids))
    token_cache: tuple[Any, ...] | None = None
    source: Any = _TEXT
    # Changed by replacing it (never in place): loaded messages without other fields share one
    # read-only empty mapping (~64 bytes less per message of a long conversation).
    extra: Mapping[str, Any] = msgspec.field(default_factory=dict)
    view_cache: tuple[str, str] | None = None  # see core/cards.py
    # A tool result's: the call it answers in a few words (`call_summary`), found in its
    # conversation when it joins it; None: not found. Shown on its card, never saved.
    answers: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r} (expected one of {', '.join(ROLES)})")

    @classmethod
    def from_raw(cls, item: RawMessage) -> Message:
        """The message a checked file item describes (what loading it eagerly would give)."""
        meta = item.get("metadata")
        content = item.get("content")
        extra = {k: v for k, v in item.items() if k not in _OWN_FIELDS} or _NO_EXTRA
        return cls(
            item["role"], parts_text(content), item.get("name") or None,
            MessageMeta.from_json(meta) if meta else MessageMeta(),
            source=_TEXT if isinstance(content, str) else content, extra=extra,
        )  # fmt: skip

    @classmethod
    def new(cls, role: str, content: str, name: str | None = None) -> Message:
        """A message written now (a loaded one keeps the time its file gives, or none)."""
        return cls(role, content, name, MessageMeta(created_at=now_iso()))

    def with_images(self, images: list[dict[str, Any]]) -> Message:
        """This message with `images` (`image_url` content parts) after its content: the
        user message a draft with attachments becomes. Without images, the message itself."""
        if not images:
            return self
        content = self.api_content()
        parts = list(content) if isinstance(content, list) else []
        if isinstance(content, str) and content:
            parts.append({"type": "text", "text": content})
        out = Message.from_raw({**self.to_api(), "content": parts + list(images)})
        out.meta = copy.copy(self.meta)
        return out

    def with_text(self, text: str) -> Message:
        """This message with `text` added to its words: after its text, a blank line between,
        or before its other parts when it has no text yet (an image-only question)."""
        if not text:
            return self
        content = self.api_content()
        if not isinstance(content, list):
            joined: Any = f"{content}\n\n{text}" if content else text
        else:
            at = max((i for i, p in enumerate(content) if _is_text_part(p)), default=None)
            joined = list(content)
            if at is None:
                joined.insert(0, {"type": "text", "text": text})
            else:
                joined[at] = {**content[at], "text": f"{content[at]['text']}\n\n{text}"}
        out = Message.from_raw({**self.to_api(), "content": joined})
        out.meta = copy.copy(self.meta)
        return out

    def edited(self, text: str, removed: Container[int] = ()) -> Message | None:
        """This message as edited in place: `text` in place of its text, without the content
        parts at the positions `removed` of `api_content()` (images the user took out), every
        other part kept in order; a message left with text alone is plain text again. None
        when nothing would be left to send (no text, no other part). Metadata is not copied."""
        content = self.api_content()
        if isinstance(content, list) and removed:
            content = [part for at, part in enumerate(content) if at not in removed]
            if all(_is_text_part(part) for part in content):
                content = parts_text(content)
        others = isinstance(content, list) and not all(_is_text_part(p) for p in content)
        if not text.strip() and not others:
            return None
        out = Message.from_raw({**self.to_api(), "content": content})
        out.content = text
        return out

    def other_parts(self) -> list[int]:
        """The positions in `api_content()` of the parts that are not text (images...)."""
        content = self.api_content()
        if not isinstance(content, list):
            return []
        return [at for at, part in enumerate(content) if not _is_text_part(part)]

    @property
    def has_parts(self) -> bool:
        """The content is a list of content parts (it may hold images or other non-text)."""
        return isinstance(self.source, list)

    @property
    def plain(self) -> bool:
        """Only role, text and name: nothing but text to show, count or send."""
        return self.source is _TEXT and not self.extra

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        calls = self.extra.get("tool_calls")
        return calls if isinstance(calls, list) else []

    def set_tool_calls(self, calls: list[dict[str, Any]]) -> None:
        """Record the tool calls a reply asked for (shown, never run). A reply with no text
        then has null content, as the API gave it."""
        self.extra = {**self.extra, "tool_calls": calls}
        if not self.content and self.source is _TEXT:
            self.source = None
        self.token_cache = self.view_cache = None  # the count and the card include the calls

    def api_content(self) -> Any:
        """The `content` to send: the source value while the text is unedited, else the text
        (in place of the text parts, the other parts kept in order)."""
        source = self.source
        if source is _TEXT or self.content == parts_text(source):
            return self.content if source is _TEXT else source
        if not isinstance(source, list):
            return self.content  # null content, now given a text
        rebuilt: list[Any] = []
        placed = False
        for part in source:
            if isinstance(part, dict) and part.get("type") == "text":
                if not placed and self.content:
                    rebuilt.append({**part, "text": self.content})
                placed = True
            else:
                rebuilt.append(part)
        if not placed and self.content:
            rebuilt.insert(0, {"type": "text", "text": self.content})
        return rebuilt

    def to_api(self) -> dict[str, Any]:
        """The message as the Chat Completions API takes it."""
        out: dict[str, Any] = {"role": self.role, "content": self.api_content()}
        if self.name:
            out["name"] = self.name
        if self.extra:
            out.update(self.extra)
        return out

    def to_raw(self) -> RawMessage:
        """The message as its file holds it: the API's fields and chatdesk's `metadata`."""
        item = self.to_api()
        meta = self.meta.to_json()
        if meta:
            item["metadata"] = meta
        return item

    def copy(self) -> Message:
        return Message(
            self.role, self.content, self.name, copy.copy(self.meta),
            source=self.source, extra=dict(self.extra),
        )  # fmt: skip


def example_messages(pairs: list[tuple[str, str]], reuse: Sequence[Message] = ()) -> list[Message]:
    """Few-shot (user, assistant) pairs as the messages pinned after the system message.
    A message of `reuse` (the examples before an edit) at the same place with the same role
    and text is kept, so its cached token count is too: an edit recounts only what changed."""
    texts = [(role, text) for pair in pairs for role, text in zip(_ROLES, pair, strict=True)]
    out: list[Message] = []
    for at, (role, text) in enumerate(texts):
        old = reuse[at] if at < len(reuse) else None
        if old is None or (old.role, old.content, old.name) != (role, text, None) or not old.plain:
            old = Message(role, text)
        out.append(old)
    return out


_ROLES = ("user", "assistant")  # of an example pair


def example_pairs(messages: list[Message]) -> list[tuple[str, str]]:
    """Pinned example messages back as (user, assistant) pairs, in order."""
    return [(messages[i].content, messages[i + 1].content) for i in range(0, len(messages) - 1, 2)]


def arguments_text(function: dict[str, Any]) -> str:
    """A tool call's `arguments` as the API carries them: a JSON string. An object or list
    (a hand-written file's) is written as JSON, never as a Python repr; absent: ""."""
    value = function.get("arguments", "")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


SUMMARY_CHARS = 60  # a call's arguments on the card of the result answering it


def call_summary(call: Any) -> str | None:
    """A tool call in a few words, for the card of the result that answers it: the function's
    name and its arguments on one line, cut at `SUMMARY_CHARS` ('get_weather {"city":
    "Boston"}'); None for a call of another type."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return None
    args = arguments_text(function)
    try:
        args = json.dumps(json.loads(args), ensure_ascii=False)  # one line
    except (ValueError, RecursionError):
        args = " ".join(args.split())
    if len(args) > SUMMARY_CHARS:
        args = args[: SUMMARY_CHARS - 1] + "…"
    return f"{function.get('name', '?')} {args}".strip()
