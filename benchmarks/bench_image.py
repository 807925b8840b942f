"""image_open: open a conversation holding 20 images of about 2 MB each vs. the same one without.

Two files of the same 40 messages (20 questions, 20 replies): in one, each question also holds
a PNG of about 2 MB (random pixels, 840 x 840, so it does not compress: ~53 MB of JSON with the
base64), in the other not. Timed as bench_open's "shown": the real `MainWindow.open_paths`
on a shown offscreen window until the transcript's viewport has painted once (parsing, the
session, the layout, the first paint), and separately until the meter is ready (each image
counted from its header). Thumbnails are decoded on the thread pool after that, never in the
timed open. Opens alternate; each conversation is closed before the next open.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import tempfile
from pathlib import Path

from bench_open import open_alternately
from common import (
    api_messages,
    app_context,
    close_window,
    fake_server,
    make_window,
    median,
    ms,
    qt_app,
    ratio_result,
)

IMAGES = 20
SIDE = 840  # 840 x 840 x 3 bytes of noise: a PNG of about 2.1 MB


def _png(seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", (SIDE, SIDE), rng.randbytes(SIDE * SIDE * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def write_files(folder: Path) -> tuple[Path, Path, int]:
    """(with images, without, bytes per image)."""
    from chatdesk.core.fileformat import FORMAT, VERSION

    messages = api_messages(2 * IMAGES + 1, seed=5, system="You are a helpful assistant.")
    with_images, sizes = [], []
    for message in messages:
        if message["role"] == "user":
            data = _png(len(sizes))
            sizes.append(len(data))
            url = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            content = [
                {"type": "text", "text": message["content"]},
                {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
            ]
            with_images.append({**message, "content": content})
        else:
            with_images.append(message)
    paths = []
    for name, body in (("images", with_images), ("text", messages)):
        doc = {"format": FORMAT, "version": VERSION, "title": name, "model": "gpt-4o",
               "messages": body}  # fmt: skip
        path = folder / f"{name}.chatdesk.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1], round(median(sizes))


def run(quick: bool) -> dict:
    app = qt_app()
    runs = 5 if quick else 15
    folder = Path(tempfile.mkdtemp(prefix="image-open-", dir=os.environ["CHATDESK_HOME"]))
    images, text, image_bytes = write_files(folder)
    with fake_server() as server:
        window = make_window(app_context(server))
        pair = {"text": text, "images": images}
        shown, ready = open_alternately(app, window, pair, runs, "image_open")
        close_window(window)
    return ratio_result(
        "images", shown["images"], "text", shown["text"], "<= 1.5", 1.5,
        images_meter_ready_ms=ms(median(ready["images"])),
        text_meter_ready_ms=ms(median(ready["text"])),
        image_kb=round(image_bytes / 1024), images=IMAGES,
        file_mb=round(images.stat().st_size / 1024 / 1024, 1),
    )  # fmt: skip
