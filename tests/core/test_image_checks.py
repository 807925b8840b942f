"""Images already inside a conversation are checked before sending by Attach's rule
(`core/image_checks.py`): each one that cannot go is named by its message and its place in it."""

from __future__ import annotations

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.fileformat import loads
from chatdesk.core.image_checks import article, image_fault, request_image_problem
from tests.support.images import (
    BAD_IMAGES_SAID,
    SVG,
    bad_images_body,
    image_bytes,
    image_part,
    truncated_jpeg,
)


def _problem(body):
    import json

    opened = loads(json.dumps(body))
    assert opened.pending == 0
    conv = opened.conversation
    budget = Budget(conv)
    try:
        return request_image_problem(conv, budget.plan())
    finally:
        budget.close()


def test_a_cut_jpeg_and_an_svg_in_a_question_are_both_named():
    problem = _problem(bad_images_body())
    assert problem is not None
    assert problem.text.startswith(BAD_IMAGES_SAID)
    assert "Delete that message (or the image from it)" in problem.hint


def test_whole_images_and_remote_urls_pass_and_only_the_bad_one_is_named():
    body = bad_images_body()
    content = body["messages"][0]["content"]
    content[1] = image_part(image_bytes(64, 64, "JPEG"), "image/jpeg")
    content.insert(1, {"type": "image_url", "image_url": {"url": "https://example.com/a.heic"}})
    body["messages"].insert(0, {"role": "system", "content": "Be brief."})
    problem = _problem(body)
    assert problem is not None
    said = 'Message 2 of the request (user: "What is in these two pictures I took?"): '
    assert f"{said}image 3 of 3 is an SVG file." in problem.text
    assert "image 1" not in problem.text
    assert "image 2" not in problem.text
    del content[-1]
    assert _problem(body) is None


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        (image_bytes(32, 32, "PNG")[:-12], "a PNG file but is damaged"),
        (image_bytes(32, 32, "GIF")[:-1], "a GIF file but is damaged"),
        (image_bytes(32, 32, "WEBP")[:-20], "a WebP file but is damaged"),
        (truncated_jpeg(), "a JPEG file but is damaged"),
        (SVG, "an SVG file"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(64), "a HEIC file"),
        (b"\x00\x00\x00\x18ftypavif" + bytes(64), "an AVIF file"),
    ],
)
def test_each_fault_is_said_with_its_article(data, fault):
    found = image_fault(data)
    assert found is not None
    assert fault in found.words
    for kind in ("PNG", "JPEG", "GIF", "WEBP"):
        assert image_fault(image_bytes(32, 32, kind)) is None


def test_articles_follow_the_sound():
    said = [article(w) for w in ("SVG", "AVIF", "HEIC", "PNG", "JPEG", "PDF", "WebP", "image")]
    assert said == [
        "an SVG", "an AVIF", "a HEIC", "a PNG", "a JPEG", "a PDF", "a WebP", "an image",
    ]  # fmt: skip
