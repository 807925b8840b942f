"""Attaching images in the window (issue 16): a screenshot pasted from the real clipboard, files
dropped on the message box, Attach… with its file picker; thumbnails with remove and detail;
the meter counting them at once; bad input said above the message box with the draft kept;
and the request carrying what was attached, as the fake Azure logs it."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from chatdesk.core.image_input import part_url
from tests.support.fake_azure import Reply
from tests.support.images import animated_gif, decoded_size, image_bytes


def _images(window):
    return window.session.conversation.draft_images


def _wait_attached(qtbot, window, n):
    qtbot.waitUntil(
        lambda: len(_images(window)) == n and not window.attach_flow.workers, timeout=10_000
    )


def _drop(widget, paths):
    """Drag files over `widget` and drop them, the events a file manager's drag delivers."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    enter = QDragEnterEvent(QPoint(10, 10), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDragMoveEvent(QPoint(10, 10), *args))
    QApplication.sendEvent(widget, QDropEvent(QPointF(10, 10), *args))


def test_a_pasted_screenshot_is_attached_counted_and_sent(qtbot, window, server):
    shot = QImage(3000, 2000, QImage.Format.Format_RGB32)
    shot.fill(0x336699)
    QGuiApplication.clipboard().setImage(shot)
    window.composer.input.setFocus()
    before = window.session.plan.draft_tokens
    qtbot.keyClick(window.composer.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    _wait_attached(qtbot, window, 1)
    assert window.composer.text() == ""  # no text pasted
    url, detail = part_url(_images(window)[0])
    assert detail == "auto"
    assert decoded_size(url) == (1152, 768)  # what gpt-4o reads at high detail, nothing more
    # counted as soon as attached: 3 + "user" + 85 + 6 tiles x 170, before any text is typed
    assert window.session.plan.draft_tokens - before == 3 + 1 + 1105
    assert len(window.composer.strip.chips) == 1
    assert "1,105 tokens" in window.composer.strip.chips[0].label.text()
    qtbot.waitUntil(lambda: not window.composer.strip.chips[0].thumb.icon().isNull(), timeout=5000)

    server.enqueue(Reply(text="A blue rectangle."))
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)  # no text: the image alone is sent
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    sent = server.requests[-1].json["messages"][-1]
    assert sent["role"] == "user"
    assert sent["content"] == [{"type": "image_url", "image_url": {"url": url, "detail": "auto"}}]
    assert _images(window) == []
    assert not window.composer.strip.isVisible()
    assert window.session.conversation[0].to_api()["content"][0]["image_url"]["url"] == url


def test_dropped_files_attach_and_bad_ones_are_named_with_the_draft_kept(qtbot, window, tmp_path):
    good = tmp_path / "diagram.png"
    good.write_bytes(image_bytes(800, 600))
    heic = tmp_path / "IMG_0042.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(64))
    gif = tmp_path / "spinner.gif"
    gif.write_bytes(animated_gif())
    window.composer.set_text("Compare these")
    _drop(window.composer.input.viewport(), [good, heic, gif])
    _wait_attached(qtbot, window, 1)
    problem = window.composer.problem.text()
    assert "IMG_0042.HEIC is a HEIC file; Azure OpenAI takes PNG, JPEG, WebP" in problem
    assert "spinner.gif is an animated GIF" in problem
    assert window.composer.problem.isVisible()
    assert window.composer.text() == "Compare these"  # the draft is kept
    assert decoded_size(part_url(_images(window)[0])[0]) == (800, 600)  # small: sent as is
    assert good.read_bytes() == image_bytes(800, 600)


def test_attach_button_picks_files_and_detail_and_remove_change_the_count(
    qtbot, window, tmp_path
):
    path = tmp_path / "page.png"
    path.write_bytes(image_bytes(1024, 1024))
    base = window.session.plan.draft_tokens
    qtbot.mouseClick(window.composer.attach_button, Qt.MouseButton.LeftButton)
    dialog = window.attach_flow.dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.filesSelected.emit([str(path)])  # what choosing the file and Open does
    dialog.reject()
    _wait_attached(qtbot, window, 1)
    with_image = window.session.plan.draft_tokens
    assert with_image - base == 3 + 1 + 765
    revision = window.session.revision
    window.composer.strip.chips[0].detail.setCurrentText("low")
    assert part_url(_images(window)[0])[1] == "low"
    assert window.session.plan.draft_tokens == with_image - 765 + 85
    assert window.session.revision > revision  # the recovery copy keeps the draft's images
    qtbot.mouseClick(window.composer.strip.chips[0].remove, Qt.MouseButton.LeftButton)
    assert _images(window) == []
    assert window.session.plan.draft_tokens == base


def test_ctrl_shift_a_opens_the_picker(qtbot, window):
    assert window.attach_action.shortcut().toString() == "Ctrl+Shift+A"
    window.attach_action.trigger()
    assert window.attach_flow.dialog is not None
    assert window.attach_flow.dialog.isVisible()
    window.attach_flow.dialog.reject()


def test_more_images_than_a_request_carries_are_refused_at_once(qtbot, window, tmp_path):
    paths = []
    for i in range(11):
        path = tmp_path / f"p{i}.png"
        path.write_bytes(image_bytes(16 + i, 16))
        paths.append(path)
    _drop(window.composer.input.viewport(), paths)
    assert "A request carries at most 10 images" in window.composer.problem.text()
    assert _images(window) == []
    assert not window.attach_flow.workers
    _drop(window.composer.input.viewport(), paths[:10])
    _wait_attached(qtbot, window, 10)
    _drop(window.composer.input.viewport(), paths[10:])
    assert "no more can be attached" in window.composer.problem.text()


def test_a_model_without_image_input_is_named_when_attaching_and_sending(
    qtbot, window, tmp_path, server
):
    path = tmp_path / "a.png"
    path.write_bytes(image_bytes(64, 64))
    _drop(window.composer.input.viewport(), [path])
    _wait_attached(qtbot, window, 1)
    window.context.settings.profiles[0].model = "gpt-35-turbo"  # the deployment serves it
    window.composer.set_text("What is it?")
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert "gpt-35-turbo takes no image input" in window.composer.problem.text()
    assert server.requests == []  # nothing sent
    assert window.composer.text() == "What is it?"
    assert len(_images(window)) == 1
    _drop(window.composer.input.viewport(), [path])
    assert "gpt-35-turbo takes no image input" in window.composer.problem.text()
    assert len(_images(window)) == 1


def test_what_will_be_sent_shows_each_images_count_on_its_row(qtbot, window, tmp_path):
    import json

    path = tmp_path / "page.png"
    path.write_bytes(image_bytes(1024, 1024))
    _drop(window.composer.input.viewport(), [path])
    _wait_attached(qtbot, window, 1)
    window.composer.set_text("What does the page say?")
    window.show_preview()
    preview = window.preview
    role, _name, text, tokens, sent = preview.rows[-1]
    assert (role, sent) == ("user", True)
    assert text.startswith("What does the page say?")
    assert "(768 × 768 px, embedded; detail auto) · 765 tokens" in text  # as it will go
    assert tokens == window.session.plan.draft_tokens
    preview.copy_json()
    copied = json.loads(QGuiApplication.clipboard().text())
    assert copied[-1]["content"][1] == _images(window)[0]
    preview.reject()


def test_attached_images_with_detail_auto_read_as_an_estimate_before_and_after_sending(
    qtbot, window, server, tmp_path
):
    # Reported: two attached images, detail auto, read exactly "1,145 + 4,096 reserved"; once
    # sent, the same images made the meter "≈1,238 … (estimate)". Auto is an estimate (README).
    paths = [tmp_path / "blue.png", tmp_path / "red.png"]
    paths[0].write_bytes(image_bytes(1024, 768))
    paths[1].write_bytes(image_bytes(300, 200))
    window.composer.set_text("What colours are these?")
    _drop(window.composer.input.viewport(), paths)
    _wait_attached(qtbot, window, 2)
    assert [part_url(p)[1] for p in _images(window)] == ["auto", "auto"]
    meter = window.meter
    qtbot.waitUntil(lambda: meter.summary.startswith("≈"), timeout=5000)
    assert meter.summary.endswith("(estimate)")
    before = window.session.plan.draft_tokens
    server.enqueue(Reply(text="Blue and red."))
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    assert meter.summary.startswith("≈")
    assert meter.summary.endswith("(estimate)")
    assert window.session.budget.ledger.count(0) == before  # the same images, the same count
