"""Images made ready to send: checked, downscaled to what the model reads, as content parts.

One rule for the window and the command line: an attached image (pasted, dropped, picked, or
given to `chatdesk attach`) goes through `prepare_image`, and every request goes through
`fit_messages`, so an image in an imported body is sent no larger than the model reads it
either. The user's file is only read. Decoding is Pillow's (a well-kept library; no Qt here).

Refused, with a message naming the image (`ImageRefused`): more than Azure's 20 MB, a type
Azure does not take (HEIC, SVG, PDF, ...), damaged data, an animated image. Limits and types:
see `core/image_input.py` and the Azure documents it cites.
"""

from __future__ import annotations

import base64
import io
import os
import threading
import warnings
from collections import OrderedDict
from typing import Any

import msgspec

from chatdesk.core.image_input import (
    MAX_IMAGE_BYTES,
    TAKEN,
    TYPES,
    image_type,
    other_type,
    part_url,
    size_text,
    view_size,
)
from chatdesk.core.images import data_url_bytes, data_url_size
from chatdesk.core.models import ImageRule

JPEG_QUALITY = 90
_FIT_CACHE = 16  # fitted parts kept: a conversation's images are fitted once, not per request


class ImageRefused(ValueError):
    """An image that cannot be sent; `str()` says which and why, for the user."""


class PreparedImage(msgspec.Struct, frozen=True):
    """An image as it will be sent: the `image_url` content part, its size in pixels as sent
    and as given, and the bytes sent (the data URL's decoded length)."""

    part: dict[str, Any]
    size: tuple[int, int]
    original_size: tuple[int, int]
    n_bytes: int

    @property
    def downscaled(self) -> bool:
        return self.size != self.original_size


def read_image_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of an image file, refused (ImageRefused) before reading when it is not a
    regular file or is over the size limit. The file is opened read-only and never written."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if not _regular(info.st_mode):
                raise ImageRefused(f"{name} is not a regular file.")
            if info.st_size > MAX_IMAGE_BYTES:
                raise ImageRefused(_too_big(name, info.st_size))
            return file.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ImageRefused(f"Cannot read {name} ({exc.strerror or exc}).") from None


def _regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def _too_big(name: str, n_bytes: int) -> str:
    return (
        f"{name} is {size_text(n_bytes)}; Azure OpenAI takes images of at most "
        f"{size_text(MAX_IMAGE_BYTES)}. Save it smaller (or as JPEG) and attach it again."
    )


def prepare_image(
    data: bytes, name: str, rule: ImageRule | None, detail: str = "auto"
) -> PreparedImage:
    """`data` (the image file's bytes) as the content part to send with `detail`, downscaled
    to the size `rule`'s model reads it at (`view_size`), its type kept (a GIF becomes PNG).
    An image already no larger goes as it is, byte for byte. ImageRefused says why not."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(_too_big(name, len(data)))
    mime = image_type(data)
    if mime is None:
        other = other_type(data)
        what = f"a {other} file" if other else "not an image chatdesk can read"
        convert = " Convert it to PNG or JPEG and attach it again." if other else ""
        raise ImageRefused(f"{name} is {what}; Azure OpenAI takes {TAKEN} images.{convert}")
    image = _decode(data, name, mime)
    original = image.size
    target = view_size(rule, original, detail)
    if target == original:
        return PreparedImage(_part(mime, data, detail), original, original, len(data))
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)  # the pixels as shown, before the metadata goes
    if image.size != original:  # turned by its EXIF orientation: fit the turned size
        target = view_size(rule, image.size, detail)
    resized = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    mime, encoded = _encode(resized, mime)
    return PreparedImage(_part(mime, encoded, detail), resized.size, original, len(encoded))


def _decode(data: bytes, name: str, mime: str) -> Any:
    from PIL import Image

    kind = TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRefused(f"{name} has too many pixels to be a photo or screenshot.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's own text names its in-memory buffer ("<_io.BytesIO object at 0x…>"), which
        # tells a user nothing: say it in plain words.
        raise ImageRefused(
            f"{name} is not a readable image: it starts like a {kind} file but is damaged or "
            "incomplete."
        ) from None
    if getattr(image, "is_animated", False):
        raise ImageRefused(
            f"{name} is an animated {kind}; Azure OpenAI reads only still images "
            "(of a GIF, its first frame). Attach a still image."
        )
    return image


def _encode(image: Any, mime: str) -> tuple[str, bytes]:
    out = io.BytesIO()
    if mime == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
        return mime, out.getvalue()
    if mime == "image/webp":
        image.save(out, "WEBP", quality=JPEG_QUALITY)
        return mime, out.getvalue()
    if image.mode not in ("RGB", "RGBA", "L", "LA"):  # a palette GIF: keep its transparency
        image = image.convert("RGBA")
    image.save(out, "PNG")
    return "image/png", out.getvalue()


def _part(mime: str, data: bytes, detail: str) -> dict[str, Any]:
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


# -- every request ---------------------------------------------------------------------------
_fitted: OrderedDict[tuple[str, ImageRule, str], dict[str, Any]] = OrderedDict()
_fitted_lock = threading.Lock()


def fit_part(part: dict[str, Any], rule: ImageRule) -> dict[str, Any]:
    """`part` (an `image_url` content part) no larger than `rule`'s model reads it: the same
    object when it already fits, when its URL is remote (sent as it is, never fetched) or
    when its data cannot be read (the service will say so)."""
    url, detail = part_url(part)
    size = data_url_size(url)
    if size is None or view_size(rule, size, detail) == size:
        return part
    key = (url, rule, detail)
    with _fitted_lock:
        if key in _fitted:
            _fitted.move_to_end(key)
            return _fitted[key]
    data = data_url_bytes(url)
    if data is None:
        return part
    try:
        fitted = prepare_image(data, "image", rule, detail).part
    except ImageRefused:
        return part
    with _fitted_lock:
        _fitted[key] = fitted
        if len(_fitted) > _FIT_CACHE:
            _fitted.popitem(last=False)
    return fitted


def fit_messages(messages: list[dict[str, Any]], rule: ImageRule) -> list[dict[str, Any]]:
    """`messages` with each data-URL image no larger than the model reads it (`fit_part`);
    a message is copied only when one of its parts changed."""
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") == "image_url" for p in content
        ):
            parts = [
                fit_part(p, rule) if isinstance(p, dict) and p.get("type") == "image_url" else p
                for p in content
            ]
            if any(a is not b for a, b in zip(parts, content, strict=True)):
                message = {**message, "content": parts}
        out.append(message)
    return out


def fit_input(items: list[Any], rule: ImageRule) -> list[Any]:
    """A Responses `input` list with each data-URL `input_image` no larger than the model
    reads it (the same rule as `fit_messages`); an item is copied only when one of its parts
    changed."""
    out = []
    for item in items:
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, list) and any(_is_input_image(p) for p in content):
            parts = [_fit_input_image(p, rule) if _is_input_image(p) else p for p in content]
            if any(a is not b for a, b in zip(parts, content, strict=True)):
                item = {**item, "content": parts}
        out.append(item)
    return out


def _is_input_image(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "input_image"


def _fit_input_image(part: dict[str, Any], rule: ImageRule) -> dict[str, Any]:
    url = part.get("image_url")
    if not isinstance(url, str):
        return part
    detail = part.get("detail") or "auto"
    chat_part = {"type": "image_url", "image_url": {"url": url, "detail": detail}}
    fitted = fit_part(chat_part, rule)
    if fitted is chat_part:
        return part
    new_url, _ = part_url(fitted)
    return {**part, "image_url": new_url}
