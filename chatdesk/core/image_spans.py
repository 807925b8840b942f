"""Opening a file full of images without reading the images as JSON.

A conversation's images are base64 data URLs inside its JSON: a few megabytes each, all of it
plain ASCII with no escapes. Decoding, scanning for surrogate escapes and parsing them as JSON
text costs time in proportion to their size, for strings that need none of it. `lift_images`
cuts each large `"data:image/...;base64,..."` string out of the raw bytes (found with
`bytes.find`, checked with `bytes.isascii`: C speed), leaving a short placeholder, so only the
rest is decoded and parsed; `restore_images` puts the strings back into the parsed value. The
result equals `json.loads` of the whole text.
"""

from __future__ import annotations

import os
from typing import Any

LIFT_FROM = 64 * 1024  # smaller data URLs stay in the JSON text: lifting them gains nothing
_START = b'"data:image/'
_HEAD_MAX = 64  # "data:image/" + a MIME subtype + ";base64,"


def lift_images(raw: bytes) -> tuple[bytes, dict[str, str]]:
    """(raw with each large base64 image data URL string replaced by a placeholder string,
    placeholder -> the URL). Strings with escapes or non-ASCII bytes are left in place."""
    lifted: dict[str, str] = {}
    pieces: list[bytes | memoryview] = []
    nonce = os.urandom(6).hex()  # a placeholder no file can hold by chance
    at = done = 0
    view = memoryview(raw)
    while (start := raw.find(_START, at)) != -1:
        head_end = raw.find(b";base64,", start, start + _HEAD_MAX)
        end = raw.find(b'"', start + 1)
        at = start + 1
        if head_end == -1 or end == -1 or end - start < LIFT_FROM or _escaped(raw, start):
            continue
        if raw.find(b"\\", start, end) != -1:  # an escape inside: JSON must read it
            continue
        try:  # straight from the file's bytes to the string: no copy in between
            url = str(view[start + 1 : end], "ascii")
        except UnicodeDecodeError:
            continue
        name = f"chatdesk-image-{nonce}-{len(lifted)}"
        lifted["\x00" + name] = url
        pieces += [view[done:start], b'"\\u0000', name.encode("ascii"), b'"']
        done = at = end + 1
    if not lifted:
        return raw, lifted
    pieces.append(view[done:])
    return b"".join(pieces), lifted


def _escaped(raw: bytes, quote: int) -> bool:
    """Whether the quote at `quote` is escaped (text inside another string, not a string)."""
    slashes = 0
    while quote - slashes > 0 and raw[quote - slashes - 1] == 0x5C:  # backslash
        slashes += 1
    return slashes % 2 == 1


def restore_images(value: Any, lifted: dict[str, str]) -> Any:
    """`value` (parsed from lifted text) with every placeholder string replaced by its URL."""
    if isinstance(value, str):
        return lifted.get(value, value) if value.startswith("\x00") else value
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, (str, list, dict)):
                value[i] = restore_images(item, lifted)
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (str, list, dict)):
                value[key] = restore_images(item, lifted)
        return value
    return value
