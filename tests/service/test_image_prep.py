"""Attached images made ready to send (service/image_prep.py): downscaled to what the model
reads, sent byte for byte when already small, the user's file never touched, and each kind of
bad input refused with a message naming the image."""

from __future__ import annotations

import hashlib
import os
import struct
import zlib

import pytest

from chatdesk.core.image_input import MAX_IMAGE_BYTES
from chatdesk.core.images import data_url_bytes
from chatdesk.core.models import PATCHES_162, TILES_4O
from chatdesk.service.image_prep import (
    MAX_SOURCE_BYTES,
    ImageRefused,
    fit_input,
    fit_messages,
    prepare_image,
    read_image_file,
)
from tests.support.images import animated_gif, data_url, decoded_size, image_bytes, image_part


@pytest.mark.parametrize(
    ("kind", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/png")],
)
def test_a_large_image_is_downscaled_to_what_gpt_4o_reads(kind, mime):
    prepared = prepare_image(image_bytes(4000, 3000, kind), "photo", TILES_4O, "high")
    url = prepared.part["image_url"]["url"]
    assert url.startswith(f"data:{mime};base64,")
    assert decoded_size(url) == prepared.size == (1024, 768)
    assert prepared.original_size == (4000, 3000)
    assert prepared.downscaled
    assert prepared.part["image_url"]["detail"] == "high"


def test_low_detail_sends_the_512_px_version_and_patch_models_their_cap():
    low = prepare_image(image_bytes(2048, 1024), "a", TILES_4O, "low")
    assert decoded_size(low.part["image_url"]["url"]) == (512, 256)
    patches = prepare_image(image_bytes(2048, 2048), "a", PATCHES_162, "auto")
    width, height = decoded_size(patches.part["image_url"]["url"])
    assert (width // 32) * (height // 32) <= 1536


def test_a_small_image_goes_byte_for_byte():
    data = image_bytes(300, 200, "JPEG")
    prepared = prepare_image(data, "small.jpg", TILES_4O)
    assert data_url_bytes(prepared.part["image_url"]["url"]) == data
    assert not prepared.downscaled
    assert prepared.n_bytes == len(data)


def test_the_users_file_is_only_read(tmp_path):
    path = tmp_path / "shot.png"
    path.write_bytes(image_bytes(3000, 2000))
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns)
    prepare_image(read_image_file(path), path.name, TILES_4O)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns) == before


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\x00\x00\x00\x18ftypheic" + bytes(100), "photo is a HEIC file; Azure OpenAI takes PNG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo is an SVG file"),
        (b"%PDF-1.4\n" + bytes(100), "photo is a PDF file"),
        (b"hello, world", "photo is not an image chatdesk can read"),
        (image_bytes(64, 64)[:60], "photo is not a readable image: it starts like a PNG file"),
        (animated_gif(), "photo is an animated GIF"),
    ],
)
def test_bad_images_are_refused_naming_them(data, said):
    with pytest.raises(ImageRefused) as caught:
        prepare_image(data, "photo", TILES_4O)
    assert said in str(caught.value)


def test_a_file_larger_than_any_image_chatdesk_decodes_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as f:
        f.write(image_bytes(8, 8))
        f.truncate(MAX_SOURCE_BYTES + 1)
    with pytest.raises(
        ImageRefused, match=r"huge.png is 400.0 MB; chatdesk reads image files of at most 400.0 MB"
    ):
        read_image_file(path)
    with pytest.raises(ImageRefused, match=r"Cannot read .* \(Is a directory"):
        read_image_file(tmp_path)


def test_requests_carry_imported_images_no_larger_than_the_model_reads():
    big = image_part(image_bytes(3000, 3000), detail="high")
    small = image_part(image_bytes(100, 100))
    remote = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "hi"}, big, small, remote]}]
    fitted = fit_messages(messages, TILES_4O)
    parts = fitted[0]["content"]
    assert decoded_size(parts[1]["image_url"]["url"]) == (768, 768)
    assert parts[2] is small
    assert parts[3] is remote
    assert messages[0]["content"][1] is big  # the conversation's own message is not changed
    assert fit_messages(fitted, TILES_4O)[0] is fitted[0]  # fitted once


def test_a_broken_imported_image_is_left_for_the_service_to_answer():
    cut = image_bytes(4000, 10, noise=True)[:400]
    broken = {"type": "image_url", "image_url": {"url": data_url(cut)}}
    messages = [{"role": "user", "content": [broken]}]
    assert fit_messages(messages, TILES_4O)[0]["content"][0] is broken


def test_responses_input_images_are_fitted_by_the_same_rule():
    big = data_url(image_bytes(3000, 3000))
    small = data_url(image_bytes(100, 100))
    remote = "https://example.com/cat.png"
    items = [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "hi"},
                {"type": "input_image", "image_url": big, "detail": "high"},
                {"type": "input_image", "image_url": small, "detail": "auto"},
                {"type": "input_image", "image_url": remote, "detail": "auto"},
            ],
        },
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
    ]
    fitted = fit_input(items, TILES_4O)
    parts = fitted[0]["content"]
    assert decoded_size(parts[1]["image_url"]) == (768, 768)
    assert parts[1]["detail"] == "high"
    assert parts[2] is items[0]["content"][2]
    assert parts[3] is items[0]["content"][3]
    assert fitted[1] is items[1]
    assert items[0]["content"][1]["image_url"] is big  # the caller's items are not changed


def test_a_30_mb_png_is_taken_since_what_is_sent_is_downscaled(tmp_path):
    """The session-12 tester's big30.png: 3200 x 3200 of noise, over 20 MB, was refused by its
    source size though it goes out at 768 x 768."""
    path = tmp_path / "big30.png"
    path.write_bytes(image_bytes(3200, 3200, noise=True))
    data = read_image_file(path)
    assert len(data) > MAX_IMAGE_BYTES
    prepared = prepare_image(data, "big30.png", TILES_4O)
    assert prepared.size == (768, 768)
    assert prepared.n_bytes < MAX_IMAGE_BYTES
    # Sent as it is (a model chatdesk does not know), it would be over Azure's limit: said
    # in what is sent, in MB of 10^6 bytes.
    with pytest.raises(ImageRefused) as caught:
        prepare_image(data, "big30.png", None)
    said = str(caught.value)
    assert said.startswith(
        f"big30.png would be sent as {len(data) / 1e6:,.1f} MB at 3,200 × 3,200 pixels; "
        "Azure OpenAI takes images of at most 20.0 MB. Save it smaller (or as JPEG)"
    )
    with pytest.raises(ImageRefused, match=r"Pasted image would be sent as .* Paste a smaller"):
        prepare_image(data, "Pasted image", None, pasted=True)


def _png_header(width, height):
    """A PNG that says it is width x height (an image chatdesk must not try to decode)."""

    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_an_image_with_more_pixels_than_chatdesk_decodes_says_the_limit_in_words():
    with pytest.raises(ImageRefused) as caught:
        prepare_image(_png_header(20_000, 10_000), "scan.png", TILES_4O)
    assert str(caught.value) == (
        "scan.png is 20,000 × 10,000 pixels (200 million); chatdesk reads images of at most "
        "89 million pixels (about 9,400 × 9,400). Save it at a smaller size and attach it "
        "again."
    )


def test_sizes_are_said_in_the_units_they_name():
    from chatdesk.core.image_input import size_text

    assert [size_text(n) for n in (812_000, 24_300_000, 1_204_800_000, 20_000_000)] == [
        "812 KB", "24.3 MB", "1,204.8 MB", "20.0 MB",
    ]  # fmt: skip
