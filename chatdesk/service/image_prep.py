"""Images made ready to send: checked, downscaled to what the model reads, as content parts.

One rule for the window and the command line: an attached image (pasted, dropped, picked, or
given to `chatdesk attach`) goes through `prepare_image`, and every request goes through
`fit_messages`, so an image in an imported body is sent no larger than the model reads it
either. The user's file is only read. Decoding is Pillow's (a well-kept library; no Qt here).

Refused, with a message naming the image (`ImageRefused`): a type Azure does not take (HEIC,
SVG, PDF, ...) or damaged data (`core/image_checks.py`, the rule every send checks too), an
animated image, more pixels than Pillow decodes safely, or more than Azure's 20 MB *as sent*:
the limit is on the upload, which is downscaled first, so a 30 MB 3200 x 3200 PNG is taken
(it goes as about 2 MB at 768 x 768). Limits and types: see `core/image_input.py`.
"""

from __future__ import annotations

import base64
import io
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from chatdesk.core.image_checks import ImageFault, image_fault
from chatdesk.core.image_input import (
    MAX_IMAGE_BYTES,
    TAKEN,
    TYPES,
    image_type,
    part_url,
    size_text,
    view_size,
)
from chatdesk.core.images import data_url_bytes, data_url_size, image_size
from chatdesk.core.models import ImageRule

JPEG_QUALITY = 90
# Decoding is bounded by Pillow's decompression-bomb limit (89,478,485 pixels: about 9,460 x
# 9,460), which is far beyond a photo or an 8K screenshot (33 million). A file is read whole
# before that is known, so its size is bounded too: what a noise PNG of that many pixels takes.
MAX_PIXELS = 89_478_485
MAX_SOURCE_BYTES = 400_000_000
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
    regular file or is larger than any image chatdesk decodes (`MAX_SOURCE_BYTES`; Azure's
    20 MB applies to what is sent, after downscaling). Opened read-only, never written."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if not _regular(info.st_mode):
                raise ImageRefused(f"{name} is not a regular file.")
            if info.st_size > MAX_SOURCE_BYTES:
                raise ImageRefused(
                    f"{name} is {size_text(info.st_size)}; chatdesk reads image files of at "
                    f"most {size_text(MAX_SOURCE_BYTES)}. Save it smaller (or as JPEG) and "
                    "attach it again."
                )
            return file.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise ImageRefused(f"Cannot read {name} ({exc.strerror or exc}).") from None


def _regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


# An image to attach: a file's path, or a pasted image's bytes (no file: "paste a smaller one").
ImageSource = str | Callable[[], bytes]


def prepare_images(
    sources: Sequence[tuple[str, ImageSource]], rule: ImageRule | None, detail: str = "auto"
) -> tuple[list[tuple[str, PreparedImage]], list[str]]:
    """Each (name, source) read and prepared on its own: the ones ready, with their names, and
    one message per refused one, in order. A refused image does not stop the others: Attach in
    the window and `chatdesk attach` attach the good ones and name each bad one."""
    ready: list[tuple[str, PreparedImage]] = []
    problems: list[str] = []
    for name, source in sources:
        pasted = not isinstance(source, str)
        try:
            data = source() if not isinstance(source, str) else read_image_file(source)
            ready.append((name, prepare_image(data, name, rule, detail, pasted=pasted)))
        except ImageRefused as exc:
            problems.append(str(exc))
    return ready, problems


def prepare_image(
    data: bytes, name: str, rule: ImageRule | None, detail: str = "auto", *, pasted: bool = False
) -> PreparedImage:
    """`data` (the image file's bytes) as the content part to send with `detail`, downscaled
    to the size `rule`'s model reads it at (`view_size`), its type kept (a GIF becomes PNG).
    An image already no larger goes as it is, byte for byte. ImageRefused says why not, and
    what to do (`pasted`: there is no file to save smaller)."""
    again = "paste a smaller one" if pasted else "save it smaller (or as JPEG) and attach it again"
    fault = image_fault(data)
    if fault is not None:
        if fault.damaged:
            raise ImageRefused(f"{name} is {fault.words}.")
        convert = " Convert it to PNG or JPEG and attach it again." if fault.convert else ""
        raise ImageRefused(f"{name} is {fault.words}; Azure OpenAI takes {TAKEN} images.{convert}")
    mime = image_type(data) or ""
    size = image_size(data)
    # Fewer pixels, not another format, is what helps here.
    fewer = "paste a smaller one" if pasted else "save it at a smaller size and attach it again"
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        raise _too_many_pixels(name, size, fewer)
    image = _decode(data, name, mime, fewer)
    original = image.size
    target = view_size(rule, original, detail)
    if target == original:
        prepared = PreparedImage(_part(mime, data, detail), original, original, len(data))
    else:
        from PIL import Image, ImageOps

        image = ImageOps.exif_transpose(image)  # the pixels as shown, before the metadata goes
        if image.size != original:  # turned by its EXIF orientation: fit the turned size
            target = view_size(rule, image.size, detail)
        resized = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        mime, encoded = _encode(resized, mime)
        prepared = PreparedImage(_part(mime, encoded, detail), resized.size, original, len(encoded))
    if prepared.n_bytes > MAX_IMAGE_BYTES:  # Azure's limit is on what is sent
        width, height = prepared.size
        shrunk = " (as the model reads it)" if prepared.downscaled else ""
        raise ImageRefused(
            f"{name} would be sent as {size_text(prepared.n_bytes)} at {width:,} × {height:,} "
            f"pixels{shrunk}; Azure OpenAI takes images of at most {size_text(MAX_IMAGE_BYTES)}. "
            f"{again[0].upper()}{again[1:]}."
        )
    return prepared


def _too_many_pixels(name: str, size: tuple[int, int], again: str) -> ImageRefused:
    width, height = size
    return ImageRefused(
        f"{name} is {width:,} × {height:,} pixels ({width * height / 1e6:,.0f} million); "
        f"chatdesk reads images of at most {MAX_PIXELS / 1e6:,.0f} million pixels "
        f"(about 9,400 × 9,400). {again[0].upper()}{again[1:]}."
    )


def _decode(data: bytes, name: str, mime: str, again: str) -> Any:
    from PIL import Image

    kind = TYPES[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        # A header this module could not read (a JPEG's frame after huge metadata) said less.
        raise ImageRefused(
            f"{name} has more pixels than chatdesk reads (at most "
            f"{MAX_PIXELS / 1e6:,.0f} million, about 9,400 × 9,400). "
            f"{again[0].upper()}{again[1:]}."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's own text names its in-memory buffer ("<_io.BytesIO object at 0x…>"), which
        # tells a user nothing: say it in the words of the structure check.
        raise ImageRefused(f"{name} is {ImageFault(kind, damaged=True).words}.") from None
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
