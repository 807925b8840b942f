"""A conversation as Markdown, for reading and sharing: tool calls, tool results and images
as the same cards the window shows (`cards`).

Written to a file (`write_markdown`), each embedded image is written beside it, in the folder
`<name>_images/`, and linked from the text, so the Markdown shows the pictures; a remote image
stays a link to its URL (never fetched)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from chatdesk.core.atomic import atomic_write_bytes, atomic_write_text
from chatdesk.core.cards import ROLE_TITLES, ImageCard, composed_text, image_card, shown_text
from chatdesk.core.choices import FinishReason
from chatdesk.core.conversation import Conversation
from chatdesk.core.endings import continued_text, ending_text
from chatdesk.core.image_input import EXTENSIONS, image_type, part_url
from chatdesk.core.images import data_url_bytes
from chatdesk.core.messages import Message
from chatdesk.core.titles import conversation_title


def to_markdown(conv: Conversation, show_image: ImageCard | None = None) -> str:
    """The Markdown text; images as cards, or as `show_image(part)` says."""

    def text(message: Message) -> str:
        if show_image is None or not message.has_parts:
            return shown_text(message)
        return composed_text(message, show_image)

    parts = [f"# {conversation_title(conv)}\n"]  # as the library lists it
    if conv.system_prompt:
        parts.append(_section("System prompt", conv.system_prompt))
    if conv.examples:
        parts.append("## Examples\n")
        parts.extend(_section(_heading(m), text(m), level=3) for m in conv.examples)
    for message in conv:
        parts.append(_section(_heading(message), text(message)) + _notes(message))
    return "\n".join(parts).rstrip() + "\n"


def image_folder(path: str | os.PathLike[str]) -> Path:
    """Where `write_markdown(conv, path)` puts the images: `<stem>_images` beside the file."""
    path = Path(path)
    return path.with_name(f"{path.stem}_images")


def write_markdown(conv: Conversation, path: str | os.PathLike[str]) -> list[Path]:
    """Write the conversation as Markdown to `path` (atomically) and its embedded images
    beside it (`image_folder`), linked from the text; returns the image files written.
    Raises OSError when a file cannot be written."""
    folder = image_folder(path)
    written: list[Path] = []

    def show(part: dict[str, Any]) -> str:
        url, detail = part_url(part)
        data = data_url_bytes(url)
        kind = image_type(data) if data is not None else None
        if data is None or kind is None:
            return image_card(part)  # remote or unreadable: the card (a link for a URL)
        target = folder / f"image-{len(written) + 1}.{EXTENSIONS[kind]}"
        folder.mkdir(exist_ok=True)
        atomic_write_bytes(target, data)
        written.append(target)
        link = f"{folder.name}/{target.name}"
        return f"![Image {len(written)} (detail {detail})]({link})"

    atomic_write_text(path, to_markdown(conv, show))
    return written


def _heading(message: Message) -> str:
    title = ROLE_TITLES[message.role]
    return f"{title} ({message.name})" if message.name else title


def _section(title: str, body: str, level: int = 2) -> str:
    return f"{'#' * level} {title}\n\n{_below(body, level).rstrip()}\n"


_ATX = re.compile(r"^( {0,3})#+")


def _below(body: str, level: int) -> str:
    """`body` with its own headings moved under its section's heading of `level`: its top
    heading one level lower, the others as far down with it (at most ######), so a reply's
    "# Migration plan" is not a sibling of "## Assistant" in the document's outline. Only the
    headings a Markdown reader sees move: a "#" in a code block, a quote or a list stays."""
    from markdown_it import MarkdownIt  # the CommonMark parser the window renders with

    tokens = MarkdownIt("commonmark").parse(body)
    heads = [(t, tokens[i + 1].content) for i, t in enumerate(tokens)
             if t.type == "heading_open" and t.level == 0 and t.map]  # fmt: skip
    if not heads:
        return body
    shift = level + 1 - min(int(t.tag[1]) for t, _ in heads)
    if shift <= 0:
        return body
    lines = body.splitlines(keepends=True)
    for token, content in reversed(heads):
        start, end = token.map or (0, 0)
        hashes = "#" * min(6, int(token.tag[1]) + shift)
        if token.markup.startswith("#"):
            indent = _ATX.match(lines[start])
            at = indent.end() if indent else 0
            lines[start] = (indent.group(1) if indent else "") + hashes + lines[start][at:]
        else:  # a Setext heading (text, then === or ---): one ATX line of its text
            lines[start:end] = [f"{hashes} {' '.join(content.splitlines())}\n"]
    return "".join(lines)


def _notes(message: Message) -> str:
    meta = message.meta
    notes = []
    for said in (continued_text(meta), ending_text(meta)):  # as the window's badges say it
        if said is not None:
            notes.append(said[0].lower() + said[1:])
    if meta.finish_reason == FinishReason.LENGTH:
        notes.append("stopped at the maximum length")
    if meta.finish_reason == FinishReason.CONTENT_FILTER:
        notes.append("filtered by the content filter")
    if meta.error:
        notes.append(f"error: {meta.error}")
    return "".join(f"\n> *{note}*\n" for note in notes)
