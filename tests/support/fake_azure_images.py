"""Azure's checks on image_url content parts, which any deployment answers with a 400."""

from __future__ import annotations

from typing import Any

from tests.support.fake_azure_errors import INVALID_REQUEST, Fail

# Azure's image limits (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/
# gpt-with-vision): 20 MB an image, 10 images a request; PNG, JPEG, GIF, WebP.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGES = 10
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def image_parts(messages: Any) -> list[tuple[int, int, dict[str, Any]]]:
    """(message index, part index, the part's image_url object) of each image_url part."""
    found = []
    for i, message in enumerate(messages if isinstance(messages, list) else []):
        content = message.get("content") if isinstance(message, dict) else None
        for j, part in enumerate(content if isinstance(content, list) else []):
            if isinstance(part, dict) and part.get("type") == "image_url":
                image = part.get("image_url")
                found.append((i, j, image if isinstance(image, dict) else {"url": image}))
    return found


def image_problem(messages: Any) -> Fail | None:
    """The 400 any deployment answers for images it cannot take: too many, an undecodable or
    unsupported data URL, one over the size limit. Remote URLs pass (this fake fetches none)."""
    import base64
    import binascii

    parts = image_parts(messages)
    if len(parts) > MAX_IMAGES:
        return Fail(
            400, None, f"Too many images in request. Max is {MAX_IMAGES}.",
            type=INVALID_REQUEST,
        )  # fmt: skip
    for i, j, image in parts:
        url = str(image.get("url", ""))
        if not url.startswith("data:"):
            continue
        head, _, encoded = url.partition(",")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            data = b""
        ok = head.endswith(";base64") and (
            data.startswith(_IMAGE_SIGNATURES) or data[8:12] == b"WEBP"
        )
        if not ok:
            return Fail(
                400, "invalid_image_format",
                "You uploaded an unsupported image. Please make sure your image has of one the "
                "following formats: ['png', 'jpeg', 'gif', 'webp'].",
                param=f"messages.[{i}].content.[{j}].image_url", type=INVALID_REQUEST,
            )  # fmt: skip
        if len(data) > MAX_IMAGE_BYTES:
            return Fail(
                400, "image_too_large", "Image size exceeds the limit of 20 MB.",
                param=f"messages.[{i}].content.[{j}].image_url", type=INVALID_REQUEST,
            )  # fmt: skip
    return None
