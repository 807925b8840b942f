"""Images of known size and type for the image tests, made with Pillow (no files checked in)."""

from __future__ import annotations

import base64
import io
import json
import random
from pathlib import Path

from PIL import Image


def image_bytes(width: int, height: int, kind: str = "PNG", noise: bool = False) -> bytes:
    """A `kind` (PNG, JPEG, GIF, WEBP) image of width x height: a gradient, or random noise
    (incompressible: a PNG of about 3 bytes per pixel)."""
    if noise:
        image = Image.frombytes("RGB", (width, height), random.randbytes(width * height * 3))
    else:
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def animated_gif(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (16, 16), (80 * i, 0, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def image_part(data: bytes, mime: str = "image/png", detail: str = "auto") -> dict:
    return {"type": "image_url", "image_url": {"url": data_url(data, mime), "detail": detail}}


def auto_detail_file(folder: Path) -> Path:
    """A gpt-4o request body whose question holds one 1024×1024 image with detail "auto":
    its count is an estimate for that reason alone."""
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What bird is this?"},
        image_part(image_bytes(1024, 1024), detail="auto"),
    ]}]}  # fmt: skip
    path = folder / "bird.json"
    path.write_text(json.dumps(body))
    return path


def decoded_size(url: str) -> tuple[int, int]:
    """The size of a data URL's image, decoded by Pillow (not by chatdesk's header reader)."""
    data = base64.b64decode(url.partition(",")[2])
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# The session-12 tester's conversation: one question holding a JPEG cut short and an SVG, both
# as data URLs (and a remote image, which is never fetched or checked).
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"


def truncated_jpeg() -> bytes:
    whole = image_bytes(64, 64, "JPEG")
    return whole[: len(whole) // 2]


def bad_images_body() -> dict:
    return {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in these two pictures I took?"},
                    image_part(truncated_jpeg(), "image/jpeg"),
                    image_part(SVG, "image/svg+xml"),
                ],
            }
        ],
    }


BAD_IMAGES_SAID = (
    'Message 1 of the request (user: "What is in these two pictures I took?"): image 1 of 2 is '
    "not a readable image: it starts like a JPEG file but is damaged or incomplete; image 2 of 2 "
    "is an SVG file."
)
