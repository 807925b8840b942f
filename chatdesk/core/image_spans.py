"""Opening a file full of images without reading the images as JSON.

A conversation's images are base64 data URLs inside its JSON: a few megabytes each, all of it
plain ASCII with no escapes. Decoding, scanning for surrogate escapes and parsing them as JSON
text costs time in proportion to their size, for strings that need none of it. `lift_images`
cuts each large `"data:image/...;base64,..."` string out of the raw bytes (found with
`bytes.find`, checked with `bytes.isascii`: C speed), leaving a short placeholder, so only the
rest is decoded and parsed; `restore_images` puts the strings back into the parsed value. The
result equals `json.loads` of the whole text.

`find_image_spans` finds the same strings in a file without reading it into memory: it reads
1 MB at a time into one buffer and searches it with `bytearray.find` (~5 ms for 54 MB), so a
conversation can be shown before its images are read (`core/images_first.py`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

LIFT_FROM = 64 * 1024  # smaller data URLs stay in the JSON text: lifting them gains nothing
_START = b'"data:image/'
_HEAD_MAX = 64  # "data:image/" + a MIME subtype + ";base64,"
_STEP = 1 << 20  # bytes read at a time by `find_image_spans`
_BACK = 16  # bytes kept before a window's first search: the backslashes an escape needs


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


def _escaped(raw: bytes | bytearray, quote: int, whole: bool = True) -> bool:
    """Whether the quote at `quote` is escaped (text inside another string, not a string).
    `whole`: `raw` begins where the file does; else backslashes up to its start count as
    escaped (undecided: left in the JSON text)."""
    slashes = 0
    while quote - slashes > 0 and raw[quote - slashes - 1] == 0x5C:  # backslash
        slashes += 1
    return slashes % 2 == 1 or (not whole and slashes == quote)


def find_image_spans(
    fd: int, size: int, text_max: int | None = None
) -> list[tuple[int, int]] | None:
    """(start, end) file offsets of the text of each string `lift_images` would lift (the
    quotes excluded), in the first `size` bytes of the open file `fd`; found reading 1 MB at a
    time. A string it cannot judge at a window's edge (a run of backslashes longer than
    `_BACK` before it) is left out: left in the JSON text, it is read as any other. None once
    more than `text_max` bytes around them are seen (searching text is the slow part, ~1.5 ms
    a MB, where base64 goes by at ~0.1: a caller wanting only files of images stops early)."""
    spans: list[tuple[int, int]] = []
    lifted = 0  # bytes of the spans found
    buf = bytearray(_STEP)
    done = 0  # everything before this offset is judged
    inside = -1  # the open string's start offset, or -1
    clean = True  # no backslash in the open string so far
    while done < size:
        pos = max(0, done - _BACK)
        n = os.preadv(fd, [buf], pos)
        if n <= done - pos:
            break  # the file is shorter than it was: the whole read says what it holds
        last = pos + n >= size
        at = done - pos
        while True:
            if inside >= 0:
                end = buf.find(b'"', at, n)
                stop = n if end == -1 else end
                clean = clean and buf.find(b"\\", at, stop) == -1
                if end == -1:
                    done = pos + n
                    break
                if clean and pos + end - inside >= LIFT_FROM - 1:
                    spans.append((inside, pos + end))
                    lifted += pos + end - inside
                inside, at = -1, end + 1
                continue
            start = buf.find(_START, at, n)
            if start == -1:
                done = size if last else pos + max(at, n - len(_START) + 1)
                break
            if not last and start + _HEAD_MAX > n:  # its head may go on in the next window
                done = pos + start
                break
            head_end = buf.find(b";base64,", start, start + _HEAD_MAX)
            if head_end == -1 or _escaped(buf, start, pos == 0):
                at = start + 1
                continue
            inside, clean, at = pos + start + 1, True, head_end
        text = (inside if inside >= 0 else done) - lifted
        if text_max is not None and text > text_max:
            return None
    return spans


def restore_images(
    value: Any, lifted: Mapping[str, str], places: list[tuple[Any, Any]] | None = None
) -> Any:
    """`value` (parsed from lifted text) with every placeholder string replaced by its URL;
    `places` (when given) gets the (list or dict, index or key) of each URL put back."""
    if isinstance(value, str):
        return lifted.get(value, value) if value.startswith("\x00") else value
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, (str, list, dict)):
                value[i] = restore_images(item, lifted, places)
                if places is not None and value[i] is not item and isinstance(item, str):
                    places.append((value, i))
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (str, list, dict)):
                value[key] = restore_images(item, lifted, places)
                if places is not None and value[key] is not item and isinstance(item, str):
                    places.append((value, key))
        return value
    return value
