"""What a message shows: its text, and its non-text parts as readable Markdown cards.

A tool call shows the function's name and its arguments pretty-printed; a tool result, the
call it answers and its content; an image, its size and detail; a refusal, the refusal; any
other part, its type. The transcript and `chatdesk export` both show this text, so a message
reads the same in the window and in a file. chatdesk shows tool calls; it never runs one.

A plain text message shows its `content` itself (the same object: the window's render cache
keys on it), and a composed text is cached on the message until its content changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chatdesk.core.image_input import part_url
from chatdesk.core.images import data_url_size
from chatdesk.core.messages import Message, arguments_text

ImageCard = Callable[[dict[str, Any]], str]

ROLE_TITLES = {
    "system": "System",
    "developer": "Developer",
    "user": "User",
    "assistant": "Assistant",
    "tool": "Tool result",
    "function": "Function result",
}


def shown_text(message: Message) -> str:
    """The Markdown the message shows; `message.content` itself for a plain message."""
    if message.plain:
        return message.content
    content = message.content
    cached = message.view_cache
    if cached is not None and cached[0] is content:
        return cached[1]
    text = _compose(message)
    message.view_cache = (content, text)
    return text


def tool_names(tools: Any) -> list[str]:
    """The function names of a request's `tools` (another tool type by its type)."""
    names = []
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict):
            names.append(str(function.get("name", "?")))
        elif isinstance(tool, dict):
            names.append(str(tool.get("type", "?")))
    return names


def composed_text(message: Message, show_image: ImageCard) -> str:
    """The message's Markdown with each image part shown by `show_image(part)` (export
    links the files it wrote); not cached."""
    return _compose(message, show_image)


def counted_text(message: Message, image_tokens: Callable[[dict[str, Any]], int]) -> str:
    """What the message shows, each image card with its token count ("What will be sent")."""
    if not message.has_parts:
        return shown_text(message)
    return _compose(message, lambda p: f"{image_card(p)} · {image_tokens(p):,} tokens")


def _compose(message: Message, show_image: ImageCard | None = None) -> str:
    blocks: list[str] = []
    content = message.api_content()
    if message.role in ("tool", "function"):
        # The heading already says "Tool result"; the card says which call it answers: its
        # function and arguments when the conversation holds the call, and its id.
        ref = message.extra.get("tool_call_id") or message.name
        answers = message.answers
        if answers and ref:
            summary = answers.replace("`", "'")  # kept inside its code span
            blocks.append(f"*For* `{summary}` · `{ref}`")
        else:
            blocks.append(f"*For* `{ref}`" if ref else "")
        if isinstance(content, str):
            blocks.append(_pretty_block(content))
            content = None
    if isinstance(content, str):
        if content:
            blocks.append(content)
    elif isinstance(content, list):
        blocks.extend(
            show_image(part) if show_image and part.get("type") == "image_url" else _part_card(part)
            for part in content
        )
    refusal = message.extra.get("refusal")
    if isinstance(refusal, str) and refusal:
        blocks.append(f"> **Refused:** {refusal}")
    for call in message.tool_calls:
        blocks.append(_call_card(call))
    legacy = message.extra.get("function_call")
    if isinstance(legacy, dict):
        blocks.append(_call_card({"type": "function", "function": legacy}))
    if isinstance(message.extra.get("audio"), dict):
        blocks.append("*Audio reply* (kept, not played here)")
    return "\n\n".join(b for b in blocks if b)


def _part_card(part: Any) -> str:
    kind = part.get("type")
    if kind == "text":
        return str(part.get("text", ""))
    if kind == "refusal":
        return f"> **Refused:** {part.get('refusal', '')}"
    if kind == "image_url":
        return image_card(part)
    return f"**{kind}** content part (kept and sent as it is)"


def image_card(part: dict[str, Any]) -> str:
    """An image part as the transcript and `chatdesk export` show it without the picture:
    its size when embedded; a remote image as a link naming its host (never fetched)."""
    url, detail = part_url(part)
    size = data_url_size(url)
    if size is not None:
        return f"**Image** ({size[0]} × {size[1]} px, embedded; detail {detail})"
    if url.startswith("data:"):
        return f"**Image** (embedded; detail {detail})"
    if not url:
        return f"**Image** (no URL; detail {detail})"
    return f"**Image** from [{url_host(url)}]({url}) (detail {detail}; not fetched by chatdesk)"


def url_host(url: str) -> str:
    """The host of an http(s) URL ('example.com'), or the URL's start for anything else."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or url[:40]


def _call_card(call: Any) -> str:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return _fenced("json", json.dumps(call, indent=2, ensure_ascii=False))
    name = function.get("name", "?")
    ident = call.get("id")
    title = f"**Tool call** `{name}`" + (f" · `{ident}`" if ident else "")
    return title + "\n\n" + _pretty_block(arguments_text(function))


def _pretty_block(text: str) -> str:
    """JSON pretty-printed in a json block; anything else in a text block."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return _fenced("text", text) if text else "*(empty)*"
    return _fenced("json", json.dumps(value, indent=2, ensure_ascii=False))


def _fenced(lang: str, text: str) -> str:
    # A fence longer than any backtick run inside, so the block cannot end early.
    longest = count = 0
    for char in text:
        count = count + 1 if char == "`" else 0
        longest = max(longest, count)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"
