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
