"""Whether an image's data can go to Azure at all: one rule for Attach and for every send.

Attach checks a new image with it (`service/image_prep.py`, before decoding); every request
checks the images already in the conversation with it (`request_image_problem`: the window's
Send, `chatdesk send`, `--dry-run`, `tokens --rows`), since a file can hold images no Attach
ever saw (an imported body, a hand-edited file). Without it Azure answers 400 "You uploaded an
unsupported image", naming none of them.

Only the data's signature and structure are read (no decoding here: core has no Pillow): a
type Azure does not take (SVG, HEIC, ...), and a file cut short (a JPEG without its end
marker, a PNG without IEND, a GIF without its trailer, a WebP shorter than its RIFF size).
Images given by an http(s) URL are not fetched, so they are not checked.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from chatdesk.core.image_input import (
    MAX_IMAGE_BYTES,
    TAKEN,
    TYPES,
    ImageProblem,
    image_type,
    other_type,
    part_url,
    size_text,
)
from chatdesk.core.images import PendingImage, data_url_bytes, data_url_size, image_size

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.trimming import TrimPlan

_TAIL = 64  # an end marker is looked for this near the end (a writer may pad after it)
_TAIL_CHARS = 88  # base64 of at least _TAIL bytes, in whole quads
_HEAD_CHARS = 1024  # base64 of any signature (and of most headers: see data_url_size)


def article(word: str) -> str:
    """ "a" or "an" before `word`, by its first sound as the type's name is said: "an SVG"
    (ess-vee-gee), "an AVIF", but "a HEIC" (heek), "a PNG", "a JPEG"."""
    if word in _SAID_WHOLE:
        vowel = word in _AN
    elif word.isupper() and len(word) > 1:  # other initialisms, said letter by letter
        vowel = word[0] in "AEFILMNORSX"
    else:
        vowel = word[:1].upper() in "AEIOU"
    return f"an {word}" if vowel else f"a {word}"


# The types chatdesk names, and how each begins when said.
_SAID_WHOLE = {"PNG", "JPEG", "WebP", "GIF", "HEIC", "AVIF", "SVG", "PDF", "BMP", "TIFF"}
_AN = {"AVIF", "SVG"}


class ImageFault(msgspec.Struct, frozen=True):
    """Why image data cannot be sent: `kind` is its type's name ("SVG", "JPEG") or None when
    unknown; `damaged` when it is a type Azure takes but cut short or broken."""

    kind: str | None
    damaged: bool

    @property
    def words(self) -> str:
        """What it is, after "is": "an SVG file", "not a readable image: it starts like a
        JPEG file but is damaged or incomplete"."""
        if self.damaged:
            return (
                f"not a readable image: it starts like {article(self.kind or 'image')} file "
                "but is damaged or incomplete"
            )
        if self.kind is None:
            return "not an image chatdesk can read"
        return f"{article(self.kind)} file"

    @property
    def convert(self) -> bool:
        """Another type (SVG, HEIC): converting it to PNG or JPEG is what helps."""
        return not self.damaged and self.kind is not None


def image_fault(data: bytes) -> ImageFault | None:
    """Why `data` cannot be sent as an image, or None when its type is one Azure takes and it
    is whole as far as its structure says (decoding may still find it broken)."""
    return _fault(data, data[-_TAIL:], len(data), image_size(data))


def _fault(head: bytes, tail: bytes, total: int, size: tuple[int, int] | None) -> ImageFault | None:
    """`image_fault` from the data's first bytes (any header), its last `_TAIL` bytes, its
    length and the size its header gives."""
    mime = image_type(head)
    if mime is None:
        return ImageFault(other_type(head), damaged=False)
    if size is None or not _whole(head, tail, total, mime):
        return ImageFault(TYPES[mime], damaged=True)
    return None


def _whole(head: bytes, tail: bytes, total: int, mime: str) -> bool:
    if mime == "image/jpeg":
        return b"\xff\xd9" in tail  # EOI: inside the scan, 0xFF is always followed by 0x00
    if mime == "image/png":
        return b"IEND" in tail
    if mime == "image/gif":
        return b";" in tail[-16:]  # the trailer byte
    return int.from_bytes(head[4:8], "little") + 8 <= total  # WebP: the RIFF size


def _named(conv: Conversation, plan: TrimPlan, index: int) -> str:
    """The sent message `index` as an error names it (`request.describe_sent`). Imported
    when a fault is found: core/request loads the tokenizer's modules, which the window's
    first frame, whose send checks use this module, does without (tests/ui/test_startup.py)."""
    from chatdesk.core.request import describe_sent

    return describe_sent(conv, plan, index)


class FaultyImage(NamedTuple):
    """An image of a request that cannot be sent: its message's place in the request
    (`sent`: the pinned messages first, then the history the plan sends; None: the message
    being written), which of that message's `images` it is (from 1), and why."""

    sent: int | None
    number: int
    images: int
    fault: ImageFault

    @property
    def text(self) -> str:
        """The image in words, as every output names it: "image 2 of 2 is an SVG file"."""
        return f"image {self.number} of {self.images} is {self.fault.words}"


def faulty_images(
    conv: Conversation, plan: TrimPlan, draft_images: Sequence[dict[str, Any]] = ()
) -> list[FaultyImage]:
    """The images of the request `plan` sends that cannot be sent: the pinned messages and
    the history the plan sends, then `draft_images` (the message being written); in order."""
    found: list[FaultyImage] = []
    pinned = conv.pinned()
    for index in range(len(pinned) + len(plan.sent)):
        message = pinned[index] if index < len(pinned) else conv[plan.sent[index - len(pinned)]]
        content = message.api_content() if message.has_parts else None
        if isinstance(content, list):
            found += _part_faults(index, content)
    return found + _part_faults(None, list(draft_images))


def request_image_problem(
    conv: Conversation, plan: TrimPlan, draft_images: Sequence[dict[str, Any]] = ()
) -> ImageProblem | None:
    """The images of the request `plan` sends that cannot be sent, named, or None.

    A message is named as an error names it (`describe_sent`: its row in "What will be sent"
    and `tokens --rows`, and its opening words), and each image by which one it is in the
    message and what it is (`faulty_images`, `FaultyImage.text`)."""
    by_message: dict[int | None, list[str]] = {}
    for image in faulty_images(conv, plan, draft_images):
        by_message.setdefault(image.sent, []).append(image.text)
    found = [
        f"{'The message being written' if sent is None else _named(conv, plan, sent)}: "
        f"{'; '.join(said)}."
        for sent, said in by_message.items()
    ]
    if not found:
        return None
    return ImageProblem(
        "An image cannot be sent",
        " ".join(found) + f" Azure OpenAI takes {TAKEN} images, whole.",
        "Delete that message (or the image from it) and send again; to send the image, "
        "convert it to PNG or JPEG and attach it again.",
    )


def _part_faults(sent: int | None, content: list[Any]) -> list[FaultyImage]:
    """The images of `content` (the request's message `sent`) that cannot be sent."""
    images = [p for p in content if isinstance(p, dict) and p.get("type") == "image_url"]
    found = []
    for number, part in enumerate(images, 1):
        fault = url_fault(part_url(part)[0])
        if fault is not None:
            found.append(FaultyImage(sent, number, len(images), fault))
    return found


def url_fault(url: str) -> ImageFault | None:
    """`image_fault` of a data URL's image; None for an http(s) URL (never fetched) and for an
    image still being read (`PendingImage`: it is checked once it is).

    Only the base64 of the header and of the end is decoded (a send checks every image of the
    request on the GUI thread: 10 images of 2.3 MB took 267 ms decoded whole, under 1 ms so);
    base64 that is not in whole, unbroken quads is decoded whole."""
    if isinstance(url, PendingImage) or url[:5].lower() != "data:":
        return None
    comma = url.find(",", 0, 256)  # slices of `url`, never a copy of its megabytes
    length = len(url) - comma - 1
    if comma > 0 and url[:comma].lower().endswith(";base64") and length and length % 4 == 0:
        try:
            first = base64.b64decode(url[comma + 1 : comma + 1 + _HEAD_CHARS], validate=True)
            last = base64.b64decode(url[max(comma + 1, len(url) - _TAIL_CHARS) :], validate=True)
        except (binascii.Error, ValueError):
            pass  # whitespace or stray characters: decoded whole below
        else:
            total = length // 4 * 3 - url[-2:].count("=")
            return _fault(first, last[-_TAIL:], total, data_url_size(url))
    data = data_url_bytes(url)
    if data is None:  # not base64 image data at all
        kind = _type_name(url[5 : max(comma, 5)].split(";")[0])
        return ImageFault(kind, damaged=kind in TYPES.values())
    return image_fault(data)


def _type_name(mime: str) -> str | None:
    mime = mime.lower()
    if mime in TYPES:
        return TYPES[mime]
    sub = mime.partition("/")[2].split("+")[0]
    return sub.upper() or None


def oversized_problem(
    conv: Conversation, plan: TrimPlan, messages: Sequence[Any]
) -> ImageProblem | None:
    """Images of `messages` (the request's messages or Responses input, as fitted to send)
    over Azure's 20 MB, named, or None. A model chatdesk knows gets its images downscaled to
    what it reads, far under that; one it does not know gets them as they are."""
    aligned = len(messages) == len(conv.pinned()) + len(plan.sent)
    found = []
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        urls = [_sent_url(p) for p in content] if isinstance(content, list) else []
        images = [u for u in urls if u is not None]
        said = []
        for number, url in enumerate(images, 1):
            comma = url.find(",", 0, 256)
            n_bytes = (len(url) - comma - 1) * 3 // 4
            if url[:5].lower() == "data:" and n_bytes > MAX_IMAGE_BYTES:
                said.append(
                    f"image {number} of {len(images)} would be sent as {size_text(n_bytes)}"
                )
        if said:
            label = _named(conv, plan, index) if aligned else f"Message {index + 1}"
            found.append(f"{label}: {'; '.join(said)}.")
    if not found:
        return None
    return ImageProblem(
        "An image is too large to send",
        " ".join(found) + f" Azure OpenAI takes images of at most {size_text(MAX_IMAGE_BYTES)}.",
        "Send to a deployment of a model chatdesk knows (its images are downscaled to what it "
        "reads), or replace the image with a smaller one.",
    )


def _sent_url(part: Any) -> str | None:
    """The URL of an `image_url` (Chat Completions) or `input_image` (Responses) part."""
    if not isinstance(part, dict):
        return None
    if part.get("type") == "image_url":
        return part_url(part)[0]
    if part.get("type") == "input_image" and isinstance(part.get("image_url"), str):
        return str(part["image_url"])
    return None
