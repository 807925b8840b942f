"""Opening a conversation file of large images: the conversation first, the images' data after.

A file holding 20 photos is ~54 MB of base64 around a few hundred KB of conversation; reading
all of it (and making 54 MB of strings) before anything shows made such a file open 4-5 times
slower than the same conversation without them. So the file is first searched for its image
data URLs without being read into memory (`find_image_spans`: 1 MB at a time, ~5 ms for 54 MB),
only the rest is read and parsed, and each image stands in as a `PendingImage`: its data URL cut
after its first 64K characters, which hold its header, so its size (the meter's count, the
card, the thumbnail's placeholder) is right at once. Then the whole file is read as before, off
the GUI thread, and `ImagesRead.fill` puts each URL in its place.

Nothing is trusted: the whole read must hold the same bytes around the same image strings, each
an ASCII data URL without escapes that starts with the characters shown; otherwise the file
changed in between and its whole read (`fileformat.loads`) replaces what was shown. A pending
image is never sent, saved or decoded: the conversation is marked loading until it is filled
(`ui/session_loader.py`: nothing is sent, saved or edited meanwhile), and `data_url_bytes`
gives no bytes for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import msgspec

from chatdesk.core.fileformat import (
    MAX_FILE_BYTES,
    ConversationFileError,
    Opened,
    loads,
    opened_from,
    parse_document,
)
from chatdesk.core.image_spans import LIFT_FROM, find_image_spans, restore_images
from chatdesk.core.images import PendingImage, data_url_size
from chatdesk.core.safe_read import open_regular

HEAD_CHARS = (1024, 64 * 1024)  # what `data_url_size` reads of a data URL for its header
# The most text around the images read at once (~4 ms to parse, as one slice of
# `core/file_steps.py`); a longer conversation is read newest messages first, as before.
REST_MAX = 1024 * 1024


class ImagesRead(msgspec.Struct):
    """The image data URLs of a conversation opened with `PendingImage`s, from the whole read.
    `fill()` (on the thread that owns the conversation) puts each in place of its stand-in."""

    places: list[tuple[Any, Any]]  # (list or dict, index or key) holding each stand-in
    urls: list[str]

    def fill(self) -> None:
        for (container, key), url in zip(self.places, self.urls, strict=True):
            container[key] = url


class ImagesFirst(msgspec.Struct):
    """A conversation shown before its images' data was read, and how to complete it."""

    opened: Opened  # its images are `PendingImage`s
    size: int  # the file's size when searched
    spans: list[tuple[int, int]]  # (start, end) offsets of each image string's text
    gaps: list[bytes]  # the file's bytes around them (one more than spans)
    heads: list[str]  # what each stand-in shows of its URL
    places: list[tuple[Any, Any]] = msgspec.field(default_factory=list)

    def complete(
        self,
        raw: bytes,
        path: str | os.PathLike[str],
        pause: Callable[[], object] | None = None,
    ) -> ImagesRead | Opened:
        """The images from `raw` (the whole file, read since): `ImagesRead`, or the file's
        whole read as `fileformat.loads` gives it when it is no longer what was shown (then
        it replaces `opened`; raises ConversationFileError as `loads` does). `pause` runs
        after each image (~1 ms of the interpreter each, for 2 MB): the window paints."""
        urls = self._urls(raw, pause)
        return ImagesRead(self.places, urls) if urls is not None else loads(raw, path)

    def _urls(self, raw: bytes, pause: Callable[[], object] | None) -> list[str] | None:
        if len(raw) != self.size:
            return None
        view, at, urls = memoryview(raw), 0, []
        for (start, end), gap, head in zip(self.spans, self.gaps, self.heads, strict=False):
            if view[at : start - 1] != gap or raw.find(b"\\", start, end) != -1:
                return None
            try:
                url = str(view[start:end], "ascii")
            except UnicodeDecodeError:
                return None
            if not url.startswith(head):
                return None
            urls.append(url)
            at = end + 1
            if pause is not None:
                pause()
        return urls if view[at:] == self.gaps[-1] else None


def read_images_first(path: str | os.PathLike[str]) -> ImagesFirst | None:
    """The conversation at `path` with its large images as `PendingImage`s, or None when it
    holds none (or they cannot be judged so: then it is read whole, as before). Raises
    ConversationFileError for a rest that is not a conversation, as reading it whole would."""
    try:
        fd, info = open_regular(path, MAX_FILE_BYTES)
    except OSError:
        return None  # the whole read says why
    try:
        if info.st_size < LIFT_FROM:
            return None
        spans = find_image_spans(fd, info.st_size, REST_MAX)
        if not spans:
            return None  # no large images, or much text: its newest messages come first
        gaps, heads, at = [], [], 0
        for start, end in spans:
            gaps.append(os.pread(fd, start - 1 - at, at))
            head = _head(fd, start, end)
            if head is None:
                return None  # not an image whose size its first 64K characters give
            heads.append(head)
            at = end + 1
        gaps.append(os.pread(fd, info.st_size - at, at))
    except OSError:
        return None
    finally:
        os.close(fd)
    nonce = os.urandom(6).hex()
    names = [f"\x00chatdesk-pending-{nonce}-{i}" for i in range(len(spans))]
    rest = bytearray(gaps[0])
    for name, gap in zip(names, gaps[1:], strict=True):
        rest += b'"\\u0000' + name[1:].encode("ascii") + b'"' + gap
    pending: dict[str, str] = {}
    shown: list[str] = []
    for name, head in zip(names, heads, strict=True):
        pending[name] = PendingImage(head)
        shown.append(head)
    try:
        data, replaced = parse_document(bytes(rest), path)
        places: list[tuple[Any, Any]] = []
        data = restore_images(data, pending, places)
        if len(places) != len(spans) or not _in_image_parts(data, places):
            return None  # a data URL elsewhere (a key, a text): read whole
        opened = opened_from(data, replaced, path)
    except ConversationFileError:
        return None  # the whole read gives the error, in the file's own words and places
    opened.pending = len(spans)
    return ImagesFirst(opened, info.st_size, spans, gaps, shown, places)


def _head(fd: int, start: int, end: int) -> str | None:
    """The start of the data URL at `start`..`end` of the file that gives its image's size,
    or None (its header is further in, or it is not an ASCII image data URL)."""
    for chars in HEAD_CHARS:
        head = os.pread(fd, min(chars, end - start), start)
        if not head.isascii():
            return None  # not a data URL as `lift_images` takes them: read whole
        text = head.decode("ascii")
        if data_url_size(text) is not None:
            return text
    return None


def _in_image_parts(data: Any, places: list[tuple[Any, Any]]) -> bool:
    """Whether every stand-in is the "url" of an `image_url` content part of a message: a
    message keeps its parts by reference, so filling them in place reaches it. (A message's
    text, a name or a draft's image is copied out of the file's value when read.)"""
    holders = set()
    items = data.get("messages") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else ():
        content = item.get("content") if isinstance(item, dict) else None
        for part in content if isinstance(content, list) else ():
            image = part.get("image_url") if isinstance(part, dict) else None
            if isinstance(image, dict) and part.get("type") == "image_url":
                holders.add(id(image))
    return all(key == "url" and id(holder) in holders for holder, key in places)
