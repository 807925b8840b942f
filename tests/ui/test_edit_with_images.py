"""A question with images edited in place, on the real window (tester, session 12): its images
stay on the card around the editor, where the card shows them, with nothing drawn under the
editor; each can be removed (its ✕), and Resend sends the question without it as a new
version, the old one kept with every image."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageChops
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QToolButton

from chatdesk.core import alternatives
from tests.support.fake_azure import Reply
from tests.support.images import image_part
from tests.support.opening import open_and_wait
from tests.ui.test_main_window import type_and_send, wait_idle
from tests.ui.test_turn_cards import click_action

RED, BLUE = (210, 40, 40), (40, 60, 210)


def _png(width, height, rgb):
    out = io.BytesIO()
    Image.new("RGB", (width, height), rgb).save(out, "PNG")
    return out.getvalue()


RED_PART = image_part(_png(200, 90, RED), detail="high")  # shown at their own size
BLUE_PART = image_part(_png(120, 120, BLUE))
SIZES = {RED: (200, 90), BLUE: (120, 120)}
SHOWN = {RED: 200 * 90, BLUE: 120 * 120}


def _screen(window):
    """The transcript as it is on screen (the editor included), as a Pillow image."""
    shot = window.transcript.viewport().grab().toImage()
    shot = shot.convertToFormat(QImage.Format.Format_RGB888)
    size = (shot.width(), shot.height())
    return Image.frombuffer("RGB", size, bytes(shot.constBits()), "raw", "RGB",
                            shot.bytesPerLine(), 1)  # fmt: skip


def _painted(screen, rgb):
    """(how many pixels, their bounding box) of colour `rgb` in `screen`."""
    bands = [b.point(lambda v, c=c: 255 if abs(v - c) <= 6 else 0)
             for b, c in zip(screen.split(), rgb, strict=True)]  # fmt: skip
    mask = ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2])
    return mask.histogram()[255], mask.getbbox()


def _whole(screen, rgb):
    """Whether the picture of colour `rgb` is on screen whole (its ✕ over a corner of it while
    it is edited): its bounding box, else None."""
    count, box = _painted(screen, rgb)
    if box is None or (box[2] - box[0], box[3] - box[1]) != SIZES[rgb]:
        return None
    return box if count >= SHOWN[rgb] - 32 * 32 else None


def _wait_pictures(qtbot, window, parts):
    """Until the card shows its images' pictures (decoded on the pool)."""
    cache = window.transcript.delegate.images.cache
    urls = [p["image_url"]["url"] for p in parts]
    qtbot.waitUntil(lambda: all(cache.thumbnail(u, 480) is not None for u in urls),
                    timeout=10_000)  # fmt: skip
    qtbot.wait(50)


def _ask(qtbot, window, server, text, parts):
    window.session.set_draft_images(parts)  # as Attach leaves them
    server.enqueue(Reply("Two colours."))
    type_and_send(qtbot, window, text)
    wait_idle(qtbot, window)
    window.transcript.scrollToTop()
    _wait_pictures(qtbot, window, parts)


def _card(window, row=0):
    view = window.transcript
    index = view.model().index(row, 0)
    return view.delegate.layout(view.visualRect(index), index)


def _remove_button(window, number):
    buttons = window.transcript.viewport().findChildren(QToolButton)
    found = [b for b in buttons if b.accessibleName() == f"Remove image {number}"]
    assert found, f"no button removes image {number}"
    assert found[0].isVisible()
    return found[0]


def test_a_questions_images_stay_on_its_card_around_the_editor(qtbot, window, server):
    _ask(qtbot, window, server, "Compare these two.", [RED_PART, BLUE_PART])
    before = _card(window)
    screen = _screen(window)
    assert _painted(screen, RED)[0] == SHOWN[RED]
    assert _painted(screen, BLUE)[0] == SHOWN[BLUE]

    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.waitUntil(lambda: _whole(_screen(window), RED) is not None, timeout=5000)
    screen = _screen(window)
    red, blue = _whole(screen, RED), _whole(screen, BLUE)
    assert red  # both pictures, under the editor's text as before
    assert blue
    box = editor.geometry()
    assert box.bottom() < red[1] < blue[1]
    card = _card(window)
    assert not box.intersects(card.header)  # "You" stays in sight
    for _action, rect in card.actions:
        assert not box.intersects(rect)
    # Nothing of the card is drawn under the editor (a caption showed through its keys line).
    editor.hide()
    under = _screen(window).crop((box.left(), box.top(), box.right() + 1, box.bottom() + 1))
    editor.show()
    assert len(under.getcolors()) == 1

    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # unchanged: closes at once
    assert window.inline_edit.editor is None
    qtbot.waitUntil(lambda: _card(window).height == before.height, timeout=5000)
    after = _card(window)
    assert after.body == before.body
    assert [a for a, _ in after.actions] == [a for a, _ in before.actions]
    assert _painted(_screen(window), RED)[0] == SHOWN[RED]


def test_an_image_before_the_text_stays_above_the_editor(qtbot, window, tmp_path):
    body = {"model": "gpt-4o", "messages": [
        {"role": "user", "content": [RED_PART, {"type": "text", "text": "Between them"},
                                     BLUE_PART]},
        {"role": "assistant", "content": "Red, then blue."},
    ]}  # fmt: skip
    path = tmp_path / "between.json"
    path.write_text(json.dumps(body))
    open_and_wait(qtbot, window, [str(path)])
    window.transcript.scrollToTop()
    _wait_pictures(qtbot, window, [RED_PART, BLUE_PART])
    window.transcript.editRequested.emit(0)
    editor = window.inline_edit.editor
    assert editor.toPlainText() == "Between them"
    qtbot.waitUntil(lambda: _whole(_screen(window), BLUE) is not None, timeout=5000)
    screen = _screen(window)
    red, blue = _whole(screen, RED), _whole(screen, BLUE)
    assert red
    assert blue
    box = editor.geometry()
    assert red[3] <= box.top()  # as the card shows them
    assert box.bottom() < blue[1]


def test_an_image_removed_while_editing_goes_with_the_resent_question(qtbot, window, server):
    _ask(qtbot, window, server, "Compare these two.", [RED_PART, BLUE_PART])
    session = window.session
    original = session.conversation[0].to_api()
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.mouseClick(_remove_button(window, 1), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _painted(_screen(window), RED)[0] == 0, timeout=5000)
    assert _whole(_screen(window), BLUE)  # the other one stays
    assert window.inline_edit.editor is editor
    assert editor.changed()
    assert session.conversation[0].to_api() == original  # nothing changes until Resend

    server.enqueue(Reply("Blue."))
    qtbot.mouseClick(editor.resend_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    sent = [m for m in server.last_request.json["messages"] if m["role"] != "system"]
    assert sent == [{"role": "user", "content": [
        {"type": "text", "text": "Compare these two."}, BLUE_PART]}]  # fmt: skip
    question = session.conversation[0]
    assert alternatives.position(question) == (2, 2)  # a new version; the old one is kept
    session.show_version(0, 0)
    assert session.conversation[0].to_api() == original
    assert session.conversation[1].content == "Two colours."


def test_an_image_only_question_resends_with_its_other_image(qtbot, window, server):
    _ask(qtbot, window, server, "", [RED_PART, BLUE_PART])
    session = window.session
    assert session.conversation[0].to_api()["content"] == [RED_PART, BLUE_PART]
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    assert editor.toPlainText() == ""
    qtbot.mouseClick(_remove_button(window, 2), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _painted(_screen(window), BLUE)[0] == 0, timeout=5000)

    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # an image removed is a change: asked first
    qtbot.waitUntil(lambda: window.discard_question is not None
                    and window.discard_question.isVisible(), timeout=5000)  # fmt: skip
    window.discard_question.reject()  # Keep editing
    assert window.inline_edit.editor is editor

    server.enqueue(Reply("Red."))
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # no text, one image: it resends
    wait_idle(qtbot, window)
    sent = [m for m in server.last_request.json["messages"] if m["role"] != "system"]
    assert sent == [{"role": "user", "content": [RED_PART]}]
    assert alternatives.position(session.conversation[0]) == (2, 2)


def test_removing_every_image_leaves_a_plain_question(qtbot, window, server):
    _ask(qtbot, window, server, "What are these?", [RED_PART])
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.mouseClick(_remove_button(window, 1), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _painted(_screen(window), RED)[0] == 0, timeout=5000)
    assert not editor.geometry().intersects(_card(window).header)
    server.enqueue(Reply("Nothing now."))
    qtbot.mouseClick(editor.resend_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    sent = [m for m in server.last_request.json["messages"] if m["role"] != "system"]
    assert sent == [{"role": "user", "content": "What are these?"}]
