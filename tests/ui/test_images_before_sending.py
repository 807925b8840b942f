"""The window checks the images a request would carry before anything leaves (the session-12
tester: a file holding a cut JPEG and an SVG, sent with Enter in an empty box, came back as
Azure's 400 naming no image), and takes big images it downscales anyway (a 30 MB PNG, an 8K
screenshot were refused by their source size)."""

from __future__ import annotations

import json
import random

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage

from chatdesk.core.image_input import MAX_IMAGE_BYTES
from tests.support.images import (
    BAD_IMAGES_SAID,
    bad_images_body,
    decoded_size,
    image_bytes,
    image_part,
)
from tests.support.opening import open_and_wait

# Qt's own report of the cut JPEG, as its card's thumbnail is decoded.
bad_jpeg = pytest.mark.qt_log_ignore("Invalid JPEG file structure", "Premature end of JPEG")


def _open_bad(qtbot, window, tmp_path):
    path = tmp_path / "pictures.json"
    path.write_text(json.dumps(bad_images_body()), encoding="utf-8")
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    return window.session


@bad_jpeg
def test_enter_in_an_empty_box_names_the_bad_images_and_sends_nothing(
    qtbot, window, server, tmp_path
):
    session = _open_bad(qtbot, window, tmp_path)
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert BAD_IMAGES_SAID in window.composer.problem.text()
    assert server.requests == []
    assert len(session.conversation) == 1
    assert not session.busy
    assert session.conversation[0].meta.error is None  # not marked failed: nothing was sent


@bad_jpeg
def test_a_typed_question_after_them_is_kept_in_the_box(qtbot, window, server, tmp_path):
    session = _open_bad(qtbot, window, tmp_path)
    window.composer.set_text("And now?")
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert BAD_IMAGES_SAID in window.composer.problem.text()
    assert window.composer.text() == "And now?"
    assert len(session.conversation) == 1
    assert server.requests == []


def test_a_30_mb_png_and_an_8k_screenshot_attach_downscaled(qtbot, window, tmp_path):
    big = tmp_path / "big30.png"
    big.write_bytes(image_bytes(3200, 3200, noise=True))
    assert big.stat().st_size > MAX_IMAGE_BYTES
    window.attach_flow.attach_files([str(big)])
    qtbot.waitUntil(
        lambda: (
            len(window.session.conversation.draft_images) == 1 and not window.attach_flow.workers
        ),
        timeout=60_000,
    )
    assert window.composer.problem.text() == ""
    url = window.session.conversation.draft_images[0]["image_url"]["url"]
    assert decoded_size(url) == (768, 768)
    assert len(url) * 3 // 4 <= MAX_IMAGE_BYTES

    pixels = random.randbytes(7680 * 4320 * 3)  # noise: a PNG of about 100 MB
    shot = QImage(pixels, 7680, 4320, 7680 * 3, QImage.Format.Format_RGB888).copy()
    QGuiApplication.clipboard().setImage(shot)
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: (
            len(window.session.conversation.draft_images) == 2 and not window.attach_flow.workers
        ),
        timeout=60_000,
    )
    assert window.composer.problem.text() == ""
    assert decoded_size(window.session.conversation.draft_images[1]["image_url"]["url"]) == (
        1365,
        768,
    )


def test_a_cards_count_has_thousands_separators_and_says_when_it_is_an_estimate(
    qtbot, window, tmp_path
):
    # Reported: a card read "3409 tokens" while the meter read "≈3,434 … (estimate)".
    words = " ".join(f"word{i}" for i in range(1200))
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": words},
            {
                "role": "user",
                "content": [{"type": "text", "text": words}, image_part(image_bytes(64, 64))],
            },
        ],
    }
    path = tmp_path / "long.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    delegate, model = window.transcript.delegate, window.session.model
    facts = [delegate.footer_items(model.index(row))[0].text for row in (0, 1)]
    plain, with_image = (int(f.split(" tokens")[0].lstrip("≈").replace(",", "")) for f in facts)
    assert plain > 1000
    assert with_image > 1000
    assert facts[0] == f"{plain:,} tokens"  # exact: gpt-4o is known, text alone
    assert facts[1] == f"≈{with_image:,} tokens"  # the image's detail "auto" is an estimate
    assert window.meter.summary.startswith("≈")
