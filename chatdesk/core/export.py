"""A conversation as Markdown, for reading and sharing: tool calls, tool results and images
as the same cards the window shows (`cards`)."""

from __future__ import annotations

from chatdesk.core.cards import ROLE_TITLES, shown_text
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message


def to_markdown(conv: Conversation) -> str:
    parts = [f"# {conv.title or 'Conversation'}\n"]
    if conv.system_prompt:
        parts.append(_section("System prompt", conv.system_prompt))
    if conv.examples:
        parts.append("## Examples\n")
        parts.extend(_section(_heading(m), shown_text(m), level=3) for m in conv.examples)
    for message in conv:
        parts.append(_section(_heading(message), shown_text(message)) + _notes(message))
    return "\n".join(parts).rstrip() + "\n"


def _heading(message: Message) -> str:
    title = ROLE_TITLES[message.role]
    return f"{title} ({message.name})" if message.name else title


def _section(title: str, body: str, level: int = 2) -> str:
    return f"{'#' * level} {title}\n\n{body.rstrip()}\n"


def _notes(message: Message) -> str:
    meta = message.meta
    notes = []
    if meta.incomplete:
        notes.append("incomplete: the reply was cut off")
    if meta.finish_reason == "length":
        notes.append("stopped at the maximum length")
    if meta.finish_reason == "content_filter":
        notes.append("filtered by the content filter")
    if meta.error:
        notes.append(f"error: {meta.error}")
    return "".join(f"\n> *{note}*\n" for note in notes)
