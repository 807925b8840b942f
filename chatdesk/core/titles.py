"""A conversation's title, made from its first exchange, locally (no request is sent).

One rule for the window's sidebar and the command line's `chatdesk list`: the user's first
message, reduced to its first line of prose (Markdown marks, code fences and links' URLs left
out, whitespace collapsed) and cut at a word boundary to `TITLE_LENGTH` characters with "…".
A first question with no words (an image alone) takes its reply's instead; a reply with no
question before it (its question deleted) names nothing: "New conversation". A conversation
with nothing sent yet is named by the draft being written in it, by the same rule, marked as
one: "How long do I knead rye? (draft)" (after a crash, each new conversation holding only a
draft is told apart; its first question, sent, names it the same way without the mark). A
title the user gave (`Conversation.title`) always wins over these. A file of the user's,
opened from outside the library, is named by the title it gives, else by the file's name
(`file_title`): its first words are no name for a file the user named.

Cost: the first two or three messages, whatever the conversation's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import islice
from typing import Any

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, parts_text
from chatdesk.core.patterns import LazyPattern

TITLE_LENGTH = 50  # characters; what a sidebar row of ~200 px shows in full, give or take
UNTITLED = "New conversation"
DRAFT_MARK = " (draft)"
# Of a draft, only its beginning is looked at: a title is made at each write of it.
_DRAFT_LOOK = 2000
# How many leading messages are looked at: a system turn, the question, the reply.
_LOOK_AT = 8

_FENCE = LazyPattern(r"^\s*(```|~~~)")
_LINK = LazyPattern(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and ![alt](src): the words
_MARKS = LazyPattern(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+")  # heading, quote, list
_EMPHASIS = LazyPattern(r"(\*\*|__|\*|`+|~~)")
_SPACE = LazyPattern(r"\s+")


def _role_and_text(message: Message | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(message, Message):
        return message.role, message.content
    return str(message.get("role", "")), parts_text(message.get("content"))


def title_line(text: str, limit: int = TITLE_LENGTH) -> str:
    """The first line of prose in `text`, as a title of at most `limit` characters ("" if
    `text` holds no words outside code blocks)."""
    in_code = False
    for raw in text.splitlines():
        if _FENCE.match(raw):
            in_code = not in_code
            continue
        if in_code:
            continue
        line = _LINK.sub(r"\1", raw)
        line = _MARKS.sub("", line)
        line = _SPACE.sub(" ", _EMPHASIS.sub("", line)).strip()
        if any(c.isalnum() for c in line):
            return shorten(line, limit)
    return ""


def shorten(text: str, limit: int = TITLE_LENGTH) -> str:
    """`text` cut to at most `limit` characters at a word boundary, ending in "…" if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a word boundary not too far back; else cut inside the word
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def title_from_messages(messages: Iterable[Message | Mapping[str, Any]]) -> str:
    """The automatic title of a conversation whose history is `messages`: `Message` objects or
    message dicts as a file holds them (`{"role": ..., "content": ...}`). "" when there is
    no first exchange with words in it yet (show `UNTITLED` then)."""
    return _title_of(tuple(_role_and_text(m) for m in islice(messages, _LOOK_AT)))


@lru_cache(maxsize=8)
def _title_of(exchange: tuple[tuple[str, str], ...]) -> str:
    """`title_from_messages` of the first messages' (role, text), kept for the last few asked:
    the window asks again after each write of a reply, and reading the lines costs ~0.1 ms
    where hashing the same texts again costs a lookup (a str keeps its hash)."""
    asked = False  # a reply names the conversation only after a question without words
    first_reply = ""
    for role, text in exchange:
        if role == "user":
            asked = True
            first_user = title_line(text)
            if first_user:
                return first_user
        elif role == "assistant" and asked and not first_reply:
            # Not a reply left alone (its question deleted) or a greeting before any
            # question: "You said: …" is no name for a conversation.
            first_reply = title_line(text)
    return first_reply


def conversation_title(conv: Conversation) -> str:
    """What to call a conversation: the title the user gave it, else the automatic one, else
    (nothing sent yet) its draft's, marked `DRAFT_MARK`, else `UNTITLED`. Only the first few
    messages are read (and built)."""
    if conv.title.strip():
        return conv.title.strip()
    made = title_from_messages(conv.messages(0, _LOOK_AT))
    if made:
        return made
    if not len(conv):
        draft = title_line(conv.draft[:_DRAFT_LOOK], TITLE_LENGTH - len(DRAFT_MARK))
        if draft:
            return draft + DRAFT_MARK
    return UNTITLED


def file_title(title: str, file_name: str, with_file: bool = False) -> str:
    """What to call a conversation opened from the user's file `file_name`: the `title` the
    file gives (`Conversation.title`, which wins in `conversation_title` too), else the file's
    name. `with_file`: the file's name as well where the file matters (the window's title,
    Save's question, a recovery copy of it): "Trip plan (plan.json)"."""
    title = " ".join(title.split())
    if not title:
        return file_name
    return f"{title} ({file_name})" if with_file else title
