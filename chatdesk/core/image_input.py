"""What a request's images may be: the types, size and number Azure takes, the size a model
reads an image at, and the checks made before anything is sent.

Azure OpenAI's limits (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/gpt-with-vision,
"Input limitations"): an input image is at most 20 MB, and one chat call carries at most 10
images. The types it takes (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/gpt-with-vision):
JPEG, PNG, GIF (the first frame only, so chatdesk takes non-animated GIFs) and WebP.

The size a model reads an image at follows the vision formula
(https://platform.openai.com/docs/guides/images-vision#calculating-costs): detail "low" is a
512 x 512 version; otherwise (tiles) the image is fitted into 2048 x 2048, then its shortest
side to 768 px; patch models cap it at 1536 32-px patches. An image sent larger than that costs
upload time and nothing else, so chatdesk downscales to it (`service/image_prep.py`).

Everything here reads headers only; decoding belongs to the service (Pillow) and the window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from chatdesk.core.choices import ImageDetail
from chatdesk.core.images import MAX_PATCHES, PATCH
from chatdesk.core.messages import Message
from chatdesk.core.models import ImageRule, ModelInfo

# [limits] "restricted to 20 MB" of what is uploaded: read as 10^6-byte MB, the smaller reading.
MAX_IMAGE_BYTES = 20_000_000
MAX_IMAGES_PER_REQUEST = 10  # [limits] "limited to 10 images per chat call"
TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP", "image/gif": "GIF"}
TAKEN = "PNG, JPEG, WebP and non-animated GIF"
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
DETAILS = ImageDetail.values()
LOW_SIDE = 512  # detail "low": the model reads a 512 x 512 version
TILE_BOX = 2048
TILE_SHORT = 768

# ISO base-media brands of the image types phones and cameras write that Azure refuses.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def image_type(data: bytes) -> str | None:
    """The MIME type of PNG, JPEG, WebP or GIF data (by its signature); None otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def other_type(data: bytes) -> str | None:
    """A name for data of a type Azure does not take (HEIC, AVIF, SVG, PDF, BMP, TIFF),
    recognised by its signature; None when it is none of them."""
    head = data[:512]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIC"
        if brand in (b"avif", b"avis"):
            return "AVIF"
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "SVG"
    return None


def view_size(rule: ImageRule | None, size: tuple[int, int], detail: str) -> tuple[int, int]:
    """(width, height) in pixels at which the model reads an image of `size` with `detail`
    ("auto" as "high"); `size` itself when it reads it whole or takes no images. Never larger
    than `size`."""
    width, height = (max(1, v) for v in size)
    if rule is None:
        return width, height
    if rule.patches:
        scale = _patch_scale(width, height)
    elif detail == ImageDetail.LOW:
        scale = min(1.0, LOW_SIDE / max(width, height))
    else:
        scale = min(1.0, TILE_BOX / max(width, height))
        if min(width, height) * scale > TILE_SHORT:
            scale = TILE_SHORT / min(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def reading_rule(model: ModelInfo, exact: bool) -> ImageRule | None:
    """The rule images are downscaled by for `model`: its own when the model is known; None
    (sent as given) when it is a guess, since an unknown model may read more."""
    return model.image if exact else None


def _patch_scale(width: int, height: int) -> float:
    """The scale at which at most MAX_PATCHES whole 32-px patches cover the image (as
    `images._patch_tokens` counts it)."""
    if math.ceil(width / PATCH) * math.ceil(height / PATCH) <= MAX_PATCHES:
        return 1.0
    shrink = math.sqrt(PATCH * PATCH * MAX_PATCHES / (width * height))
    w_patches, h_patches = width * shrink / PATCH, height * shrink / PATCH
    return shrink * min(math.floor(w_patches) / w_patches, math.floor(h_patches) / h_patches)


# -- the images of a request ---------------------------------------------------------------------
class ImageRef(msgspec.Struct, frozen=True):
    """One `image_url` part of a request: which message (index in the list) and which part."""

    message: int
    part: int
    url: str
    detail: str

    @property
    def remote(self) -> bool:
        return self.url.lower().startswith(("http://", "https://"))


def image_refs(messages: list[dict[str, Any]]) -> Iterator[ImageRef]:
    """The `image_url` parts of messages in the Chat Completions shape, in order."""
    for m_index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for p_index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "image_url":
                url, detail = part_url(part)
                yield ImageRef(m_index, p_index, url, detail)


def part_url(part: dict[str, Any]) -> tuple[str, str]:
    """(url, detail) of an `image_url` part; detail "auto" when not given."""
    image = part.get("image_url")
    if isinstance(image, dict):
        url = image.get("url", "")
        return _text(url), str(image.get("detail", ImageDetail.AUTO))
    return _text(image or ""), ImageDetail.AUTO


def _text(value: Any) -> str:
    """`value` as text; a str (a `PendingImage` too) as it is, its kind kept."""
    return value if isinstance(value, str) else str(value)


def count_images(messages: Iterable[Message]) -> int:
    """The `image_url` parts of `messages` (a request's, or the ones a plan sends)."""
    return count_image_parts(m.api_content() for m in messages if m.has_parts)


def count_image_parts(contents: Iterable[Any]) -> int:
    """The `image_url` parts of messages' contents (`Conversation.contents`: a long history's
    without building its messages); a text content has none."""
    count = 0
    for content in contents:
        if isinstance(content, list):
            count += sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
    return count


class ImageProblem(msgspec.Struct, frozen=True):
    """Why a request's images cannot be sent: a title, what is wrong, what to do."""

    title: str
    text: str
    hint: str


def image_problem(count: int, model: ModelInfo, exact: bool) -> ImageProblem | None:
    """The reason a request carrying `count` images cannot go to `model`, or None.

    A model that takes no image input is named (only when the model is known: `exact`); more
    than MAX_IMAGES_PER_REQUEST images are refused whatever the model."""
    if count and exact and model.image is None:
        return no_image_input(model, count)
    if count > MAX_IMAGES_PER_REQUEST:
        return ImageProblem(
            "Too many images",
            f"The request would carry {count} images; Azure OpenAI takes at most "
            f"{MAX_IMAGES_PER_REQUEST} in one request.",
            "Remove some images, or start a new conversation for the next ones.",
        )
    return None


def attach_problem(
    model: ModelInfo, exact: bool, present: int, offered: int
) -> ImageProblem | None:
    """Why `offered` images cannot be attached to a conversation whose request carries
    `present` already, or None: checked before any is read (the window's Attach and
    `chatdesk attach`), so nothing is attached when they cannot all be."""
    if offered and exact and model.image is None:
        return no_image_input(model, offered)
    room = MAX_IMAGES_PER_REQUEST - present
    if offered > room:
        more = f"only {room} more can be attached." if room > 0 else "no more can be attached."
        return ImageProblem(
            "Too many images",
            f"A request carries at most {MAX_IMAGES_PER_REQUEST} images; {more}",
            "Remove some, or start a new conversation.",
        )
    return None


def no_image_input(model: ModelInfo, count: int = 1) -> ImageProblem:
    images = "an image" if count == 1 else f"{count} images"
    return ImageProblem(
        "The model takes no images",
        f"{model.key} takes no image input, and the request would carry {images}.",
        "Choose a deployment of a model that reads images (gpt-4o, gpt-4.1, gpt-5, o1, o3, "
        "o4-mini), or remove the images.",
    )


def size_text(n_bytes: int) -> str:
    """A byte count for people, in decimal units as it says them (KB = 1,000 bytes, MB =
    1,000,000): '812 KB', '24.3 MB', '1,204.8 MB'."""
    if n_bytes < 1_000_000:
        return f"{max(1, round(n_bytes / 1000)):,} KB"
    return f"{n_bytes / 1_000_000:,.1f} MB"
