"""Reading a conversation file in steps: its newest messages first, the rest in slices.

A file of 100,000 messages (28 MB) takes ~250 ms to read, parse and check, and one `json.loads`
of it holds the interpreter for ~100 ms: a window doing that cannot paint, and its user waits
for messages they will not look at first. JSON cannot be read from the end in general, but a raw
line break can only stand between tokens (inside a string it is written `\\n`), so every line
of a file written with line breaks starts outside any string. chatdesk writes its files
indented, "messages" last; in such a file each message begins on a line holding only `{` at
the indentation of the line that closes the last message. So the newest messages are found in
the file's last bytes with `bytes.rfind`, and the rest of the array is cut into slices of
about `SLICE_BYTES` at message starts, each parsed alone with a pause after it.

Nothing is trusted: the document with its messages array replaced by a marker must parse and
hold the marker as its "messages", and every slice must parse as a run of array items, so the
pieces put together are exactly the file; the whole file read afterwards must still begin and
end with the bytes the newest messages came from. A file not laid out so (one line, another
program's key order, a request body, a short file) or a piece that does not parse is read whole
by `fileformat.loads`: the same result, or the same error in words.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from chatdesk.core.conversation import Conversation
from chatdesk.core.disk_state import DiskState
from chatdesk.core.fileformat import (
    FORMAT,
    MAX_FILE_BYTES,
    ConversationFileError,
    Opened,
    document_part,
    loads,
    parse_document,
    read_file,
)
from chatdesk.core.images_first import ImagesRead, read_images_first
from chatdesk.core.messages import EXAMPLE_NAMES
from chatdesk.core.safe_read import read_ends

SLICE_BYTES = 1 << 20  # ~4 ms of json.loads: the longest the reader holds the interpreter
HEAD_BYTES = 64 * 1024  # where the document's settings and `"messages": [` are looked for
TAIL_BYTES = 256 * 1024  # the first guess at the newest messages' size; doubled as needed
_MARK = "\x00chatdesk-messages"


class Newest(msgspec.Struct):
    """The conversation with only its newest messages (and every setting); `Older` follows."""

    conversation: Conversation


class Older(msgspec.Struct):
    """What `Newest` left out: a conversation of the system message, the examples and the
    older history, for `Conversation.take_older`; `replaced`: lone surrogates replaced in the
    whole file (as `Opened.replaced`)."""

    conversation: Conversation
    replaced: int = 0


Step = Newest | Older | Opened | ImagesRead | DiskState


def read_in_steps(
    path: str | os.PathLike[str], newest: int, pause: Callable[[], object] | None = None
) -> Iterator[Step]:
    """Read the conversation file at `path`, its newest `newest` messages first.

    Yields `Newest` then `Older` for a file laid out as chatdesk writes it and longer than
    `newest` messages, else one `Opened` (also after `Newest`, when the file changed while it
    was read: it replaces what `Newest` gave). An `Opened` whose large images are still
    `PendingImage`s (`core/images_first.py`) is followed by `ImagesRead` (or by the whole
    read's `Opened`, replacing it). Last the file's `DiskState`, yielded before its digest is
    computed (`DiskState.later`; computed here next, on the reading thread): the conversation
    is ready without waiting for the hash of a large file (70-200 ms for 54 MB), and a save
    made before it is done still compares with it when the file's time or size changed.
    `pause` runs between slices. Raises ConversationFileError as `load_conversation` does,
    before or after `Newest`.
    """
    first = read_images_first(path)  # large images around a short conversation
    early = _newest_first(path, newest) if first is None else None
    if first is not None:
        yield first.opened
    elif early is not None:
        yield early[0]
    read = read_file(path)
    raw = read.data
    if first is not None:
        yield first.complete(raw, path, pause)
    else:
        yield from _rest(raw, newest, path, pause, early[1] if early is not None else None)
    state = DiskState.later(raw, read.mtime_ns, read.size)
    del raw, read  # the state holds the content until its digest is computed
    yield state
    state.settle()


class _Layout(msgspec.Struct):
    head: bytes  # the document with its messages array replaced by the marker string
    open: int  # offset of the array's content, just after its "[" (in the file)
    close: int  # offset of its "]"
    cut: int  # offset where the newest messages begin
    marker: bytes  # b"\n" + indentation + b"{": what begins a message's line


class _Shown(msgspec.Struct):
    """What `Newest` was made from: the file's first and last bytes, its size, the layout."""

    head: bytes
    tail: bytes
    size: int
    layout: _Layout
    replaced: int


def _newest_first(path: str | os.PathLike[str], newest: int) -> tuple[Newest, _Shown] | None:
    """`Newest` from the file's first and last bytes alone, or None (then the whole file)."""
    try:
        head, tail, size = read_ends(path, MAX_FILE_BYTES, HEAD_BYTES, TAIL_BYTES)
    except OSError:
        return None  # the whole read says why
    while True:
        if size <= len(head) + len(tail):
            return None  # small: read whole
        layout = _layout(head, tail, size, newest)
        if layout is not None:
            break
        if not _closes_alone(tail) or len(tail) * 2 > SLICE_BYTES * 8:
            return None  # long messages: the rest would be one more slice anyway
        try:
            head, tail, size = read_ends(path, MAX_FILE_BYTES, HEAD_BYTES, len(tail) * 2)
        except OSError:
            return None
    start = size - len(tail)
    made = _newest(layout, tail[layout.cut - start : layout.close - start], path)
    if made is None:
        return None
    conv, replaced = made
    return Newest(conv), _Shown(head, tail, size, layout, replaced)


def _newest(
    layout: _Layout, items: bytes, path: str | os.PathLike[str]
) -> tuple[Conversation, int] | None:
    """(the conversation of the document's settings and the newest messages, surrogates
    replaced), or None when that is not what the bytes hold."""
    try:
        head, replaced = parse_document(layout.head, path)
    except ConversationFileError:
        return None
    if not isinstance(head, dict) or head.get("format") != FORMAT or head.get("messages") != _MARK:
        return None
    tail = _slice(items)
    if tail is None or not _history_only(tail[0]):
        return None
    try:  # the number only names a message in errors; a bad one makes the whole read say it
        return document_part(head, tail[0], 1, path), replaced + tail[1]
    except ConversationFileError:
        return None


def _rest(
    raw: bytes,
    newest: int,
    path: str | os.PathLike[str],
    pause: Callable[[], object] | None,
    shown: _Shown | None,
) -> Iterator[Newest | Older | Opened]:
    if shown is not None:
        same = len(raw) == shown.size and raw.startswith(shown.head) and raw.endswith(shown.tail)
        if not same:  # changed since its newest messages were read
            yield loads(raw, path)
            return
        layout, replaced = shown.layout, shown.replaced
    else:
        found = _layout(raw, raw, len(raw), newest) if len(raw) > SLICE_BYTES else None
        made = _newest(found, raw[found.cut : found.close], path) if found is not None else None
        if found is None or made is None:
            yield loads(raw, path)
            return
        layout, replaced = found, made[1]
        yield Newest(made[0])
    older: list[Any] = []
    at = layout.open
    while at < layout.cut:
        end = raw.find(layout.marker, at + SLICE_BYTES, layout.cut)
        end = layout.cut if end == -1 else end
        part = _slice(raw[at:end])
        if part is None:  # not what the layout promised: the whole file says what is wrong
            yield loads(raw, path)
            return
        older += part[0]
        replaced += part[1]
        at = end
        if pause is not None:
            pause()
    try:
        head, _replaced = parse_document(layout.head, path)
        yield Older(document_part(head, older, 0, path), replaced)
    except ConversationFileError:
        yield loads(raw, path)  # its own words for what is wrong, numbered from the first


def _history_only(items: list[Any]) -> bool:
    """No system message or example among them (they belong before the history)."""
    return all(
        isinstance(item, dict) and not item.get("pinned") and item.get("name") not in EXAMPLE_NAMES
        for item in items
    )


def _slice(piece: bytes) -> tuple[list[Any], int] | None:
    """(the values of a run of array items, surrogates replaced), or None when it is not one.
    Read as `fileformat` reads a whole file (images cut out, numbers and text checked)."""
    piece = piece.strip()
    if piece.endswith(b","):
        piece = piece[:-1]
    try:
        items, replaced = parse_document(b"[" + piece + b"]", "a slice")
    except ConversationFileError:
        return None
    return (items, replaced) if isinstance(items, list) else None


def _layout(head: bytes, tail: bytes, size: int, newest: int) -> _Layout | None:
    """Where the messages array and its newest `newest` items are, from the file's first bytes
    `head` and last bytes `tail` (both the whole file, when read), or None when the file is not
    laid out with the array last, one item start per line, and more than `newest` items."""
    start = size - len(tail)  # the tail's offset in the file
    end = _before_space(tail, len(tail))  # the document's "}"
    if end < 0 or tail[end] != ord("}"):
        return None
    close = _before_space(tail, end)  # the array's "]"
    if close < 0 or tail[close] != ord("]"):
        return None
    line = tail.rfind(b"\n", 0, close) + 1
    if not line:  # no line break in the tail (a one-line file: no slice of it, 50 MB may be)
        return None
    outer = tail[line:close]
    if outer.strip():
        return None  # "]" is not alone on its line
    last = tail[tail.rfind(b"\n", 0, line - 1) + 1 : line - 1].rstrip(b"\r")
    indent = last[: len(last) - len(last.lstrip())]  # the line closing the last message
    if last.strip() != b"}" or not indent.startswith(outer) or indent == outer:
        return None
    opener = b"\n" + outer + b'"messages": ['
    found = head.find(opener)
    if found == -1:
        return None
    open_at = found + len(opener)
    marker = b"\n" + indent + b"{"
    at = cut = close
    for _ in range(newest + 1):  # one more: there are older messages
        cut, at = at, tail.rfind(marker, 0, at)
        if at == -1 or at + start < open_at:
            return None
    document = head[: open_at - 1] + b'"\\u0000' + _MARK[1:].encode() + b'"' + tail[close + 1 :]
    return _Layout(document, open_at, close + start, cut + start, marker)


def _closes_alone(tail: bytes) -> bool:
    """Whether the file's last line before its final "}" may hold only the messages' "]":
    when it holds anything else (a one-line file), no longer tail makes a layout."""
    close = _before_space(tail, _before_space(tail, len(tail)))
    line = tail.rfind(b"\n", 0, max(close, 0))
    return not tail[line + 1 : close].strip() if line != -1 else not tail[:close].strip()


def _before_space(raw: bytes, at: int) -> int:
    """The offset of the last byte before `at` that is not JSON white space (-1: none)."""
    at -= 1
    while at >= 0 and raw[at] in b" \t\r\n":
        at -= 1
    return at
