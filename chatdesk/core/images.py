"""Image input as the model counts it: the size from the image's header, and the vision formula.

The size is read from the first bytes of a PNG, GIF, WebP or JPEG without decoding the image
(a JPEG's size sits in its frame header, after any metadata). An image given by an http(s)
URL is not fetched: its size is unknown and it is counted at the most the model can charge
for one image, as an estimate.

The formulas are OpenAI's (https://platform.openai.com/docs/guides/images-vision#calculating-costs):

- tiles (gpt-4o, gpt-4.1, gpt-5, o-series): detail "low" costs the model's base tokens;
  otherwise the image is scaled to fit 2048 x 2048, then so that its shortest side is at most
  768 px, and costs base + tile tokens per 512-px tile that covers it. gpt-4o: 1024 x 1024 is
  85 + 4 x 170 = 765; 2048 x 4096 is 85 + 6 x 170 = 1105.
- patches (gpt-4.1-mini, gpt-4.1-nano, gpt-5-mini, gpt-5-nano, o4-mini): the 32-px patches
  that cover the image, at most 1536 (a larger image is scaled down to fit), times the
  model's multiplier.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct

import msgspec

from chatdesk.core.choices import ImageDetail
from chatdesk.core.models import TILES_4O, ImageRule
from chatdesk.core.patterns import LazyPattern

TILE = 512
PATCH = 32
MAX_PATCHES = 1536
_DATA_URL = LazyPattern(r"data:image/[\w.+-]+;base64,", re.IGNORECASE)
# Enough base64 for any header but a JPEG's with large metadata (then all of it is read).
_HEADER_CHARS = 64 * 1024
_FIRST_CHARS = 1024  # a PNG's, GIF's or WebP's header, and most JPEGs' frame header


class ImageCost(msgspec.Struct, frozen=True):
    """Tokens of one image, and whether that is an estimate (and why)."""

    tokens: int
    estimate: bool
    size: tuple[int, int] | None  # width, height in pixels, when known
    reasons: tuple[str, ...] = ()  # why it is an estimate, each in words

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, WebP or JPEG header; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        # Start of frame (baseline, progressive, ...): not DHT (C4), JPG (C8) or DAC (CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


class PendingImage(str):
    """A data URL cut after its first characters while its image is still being read
    (`core/images_first.py`): enough for `data_url_size`, never bytes to decode or send."""


def data_url_size(url: str) -> tuple[int, int] | None:
    """The size of a base64 `data:image/...` URL's image; None for other URLs or bad data."""
    match = _DATA_URL.match(url)
    if match is None:
        return None
    start, total = match.end(), len(url) - match.end()
    # The header first (slices, not a copy of megabytes); all of it for a JPEG's metadata.
    for chars in (_FIRST_CHARS, _HEADER_CHARS, total):
        piece = url[start : start + chars]
        piece = piece[: len(piece) - len(piece) % 4]  # whole base64 quads (a cut URL too)
        try:
            size = image_size(base64.b64decode(piece, validate=False))
        except (binascii.Error, ValueError):
            return None
        if size is not None or chars >= total:
            return size
    return None


def data_url_bytes(url: str) -> bytes | None:
    """The decoded bytes of a base64 `data:image/...` URL; None for any other URL (and for a
    `PendingImage`, not read yet)."""
    if isinstance(url, PendingImage):
        return None
    head, sep, encoded = url.partition(",")
    if not sep or not head.lower().startswith("data:image/") or not head.endswith(";base64"):
        return None
    try:
        return base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return None


def image_tokens(rule: ImageRule | None, size: tuple[int, int] | None, detail: str) -> ImageCost:
    """Tokens of one image under `rule` (None: the model takes no images; gpt-4o's formula
    is used, as an estimate). `detail` is "low", "high" or "auto" (auto is counted as high,
    an estimate: the service chooses)."""
    reasons = []
    if rule is None:
        rule = TILES_4O
        reasons.append("the model takes no images")
    if not rule.documented:
        reasons.append("the model's image figures are not published; its family's are used")
    if detail not in (ImageDetail.LOW, ImageDetail.HIGH):
        reasons.append('an image\'s detail "auto" is counted as "high" (the service chooses)')
    if size is None:
        reasons.append("an image's size is unknown, so it is counted at the most one costs")
    tokens = _patch_tokens(rule, size) if rule.patches else _tile_tokens(rule, size, detail)
    return ImageCost(tokens, bool(reasons), size, tuple(reasons))


def _tile_tokens(rule: ImageRule, size: tuple[int, int] | None, detail: str) -> int:
    if detail == ImageDetail.LOW:
        return rule.base
    if size is None:
        return rule.base + rule.tile * 8  # 768 x 2048 after scaling: the most tiles
    width, height = (float(max(1, v)) for v in size)
    if max(width, height) > 2048:
        scale = 2048 / max(width, height)
        width, height = width * scale, height * scale
    if min(width, height) > 768:
        scale = 768 / min(width, height)
        width, height = width * scale, height * scale
    tiles = math.ceil(width / TILE) * math.ceil(height / TILE)
    return rule.base + rule.tile * tiles


def _patch_tokens(rule: ImageRule, size: tuple[int, int] | None) -> int:
    if size is None:
        return math.ceil(MAX_PATCHES * rule.multiplier)
    width, height = (max(1, v) for v in size)
    patches = math.ceil(width / PATCH) * math.ceil(height / PATCH)
    if patches > MAX_PATCHES:
        # Scale down to fit the cap, then so that whole patches fit along both sides.
        shrink = math.sqrt(PATCH * PATCH * MAX_PATCHES / (width * height))
        w_patches, h_patches = width * shrink / PATCH, height * shrink / PATCH
        shrink *= min(math.floor(w_patches) / w_patches, math.floor(h_patches) / h_patches)
        width, height = int(width * shrink), int(height * shrink)
        patches = min(math.ceil(width / PATCH) * math.ceil(height / PATCH), MAX_PATCHES)
    return math.ceil(patches * rule.multiplier)
