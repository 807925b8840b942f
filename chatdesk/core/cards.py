"""What a message shows: its text, and its non-text parts as readable Markdown cards.

A tool call shows the function's name and its arguments pretty-printed; a tool result, the
call it answers and its content; an image, its size and detail; a refusal, the refusal; any
other part, its type. The transcript and `chatdesk export` both show this text, so a message
reads the same in the window and in a file; "What will be sent" and `chatdesk tokens --rows`
say the same in plain words (`counted_text`: they show text, not Markdown). chatdesk shows
tool calls; it never runs one.

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
    """What a row of "What will be sent" (and `chatdesk tokens --rows`) says of a message, in
    plain text: those list it in a table cell, one line, and in a plain-text pane, where
    Markdown would show as stars and backticks. A tool call is its function, its id and its
    arguments (JSON pretty-printed); a tool result, the call it answers and its text, the
    same whether it came as a string or as content parts; an image, its card with its token
    count (`image_tokens(part)`). A plain text message is its content, as it is sent."""
    if message.plain:
        return message.content
    blocks: list[str] = []
    tool_result = message.role in ("tool", "function")
    if tool_result:
        ref = message.extra.get("tool_call_id") or message.name
        said = " ".join(x for x in (message.answers, f"({ref})" if ref else "") if x)
        blocks.append(f"Result of {said}" if said else "Result")
    content = message.api_content()
    parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
    text: list[str] = []  # a run of text parts: the model reads them as one text
    for part in [*(parts if isinstance(parts, list) else []), None]:
        if isinstance(part, dict) and part.get("type") == "text":
            text.append(str(part.get("text", "")))
            continue
        if text:
            joined = "".join(text)
            blocks.append(_pretty(joined) if tool_result else joined)
            text = []
        if isinstance(part, dict) and part.get("type") == "image_url":
            blocks.append(f"{image_words(part)} · {image_tokens(part):,} tokens")
        elif isinstance(part, dict) and part.get("type") == "refusal":
            blocks.append(f"Refused: {part.get('refusal', '')}")
        elif part is not None:
            kind = part.get("type") if isinstance(part, dict) else None
            blocks.append(f"{kind} content part (sent as it is)")
    refusal = message.extra.get("refusal")
    if isinstance(refusal, str) and refusal:
        blocks.append(f"Refused: {refusal}")
    legacy = message.extra.get("function_call")
    calls = [*message.tool_calls, *([{"function": legacy}] if isinstance(legacy, dict) else [])]
    blocks.extend(_call_words(call) for call in calls)
    if isinstance(message.extra.get("audio"), dict):
        blocks.append("Audio reply (kept, not played here)")
    blocks = [b for b in blocks if b]
    if tool_result and len(blocks) > 1:  # the result right under its heading, as a call's
        blocks[:2] = [f"{blocks[0]}\n{blocks[1]}"]
    return "\n\n".join(blocks)


def _call_words(call: Any) -> str:
    """A tool call in plain words: "Tool call: name (id)" and its arguments on the lines below."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return "Tool call:\n" + json.dumps(call, indent=2, ensure_ascii=False)
    ident = call.get("id")
    title = f"Tool call: {function.get('name', '?')}" + (f" ({ident})" if ident else "")
    arguments = arguments_text(function)
    return title + ("\n" + _pretty(arguments) if arguments else "")


def _pretty(text: str) -> str:
    """JSON pretty-printed; any other text as it is."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)


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
    return _image_text(part, markdown=True)


def image_words(part: dict[str, Any]) -> str:
    """`image_card` in plain text (no bold, the host named without a link)."""
    return _image_text(part, markdown=False)


def _image_text(part: dict[str, Any], *, markdown: bool) -> str:
    url, detail = part_url(part)
    name = "**Image**" if markdown else "Image"
    size = data_url_size(url)
    if size is not None:
        return f"{name} ({size[0]} × {size[1]} px, embedded; detail {detail})"
    if url.startswith("data:"):
        return f"{name} (embedded; detail {detail})"
    if not url:
        return f"{name} (no URL; detail {detail})"
    host = url_host(url)
    return (
        f"{name} from {f'[{host}]({url})' if markdown else host} "
        f"(detail {detail}; not fetched by chatdesk)"
    )


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
