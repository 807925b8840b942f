"""Images in the transcript (issue 16): thumbnails in the card, decoded on the pool after the
conversation shows; a click opens the image full size; Copy image and Save image as…; a remote
image stays a link naming its host."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from chatdesk.core.images import data_url_bytes
from tests.support.images import data_url, image_bytes
from tests.support.opening import open_and_wait


def _open(qtbot, window, tmp_path, parts):
    body = {"model": "gpt-4o", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "What is this?"}, *parts]},
        {"role": "assistant", "content": "A gradient."},
    ]}  # fmt: skip
    path = tmp_path / "images.json"
    path.write_text(json.dumps(body))
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    return window.session


def _images(window):
    return window.transcript.delegate.images


def test_a_cards_images_show_as_thumbnails_decoded_off_the_gui_thread(qtbot, window, tmp_path):
    png = image_bytes(900, 600)
    url = data_url(png)
    remote = {"type": "image_url", "image_url": {"url": "https://cdn.example.org/a/cat.jpg"}}
    session = _open(qtbot, window, tmp_path,
                    [{"type": "image_url", "image_url": {"url": url}}, remote])  # fmt: skip
    images = _images(window)
    message = session.conversation[0]
    first = images.text(message)
    key = images.key(url)
    assert f"(chatdesk-image:{key}" in first
    assert "?pending" in first or images.cache.decoded  # a placeholder until decoded
    assert '"240x160"' in first  # laid out at its final size from the header alone
    assert "*900 × 600 px · detail auto*" in first
    assert "from [cdn.example.org](https://cdn.example.org/a/cat.jpg)" in first
    qtbot.waitUntil(lambda: "?pending" not in images.text(message), timeout=10_000)
    assert images.cache.thumbnail(url, 480).width() == 480  # decoded at twice the shown size
    window.transcript.viewport().repaint()  # the card renders with the picture


def test_click_opens_full_size_and_the_menu_copies_and_saves(qtbot, window, tmp_path):
    png = image_bytes(1200, 800)
    url = data_url(png)
    session = _open(qtbot, window, tmp_path, [{"type": "image_url", "image_url": {"url": url}}])
    images = _images(window)
    images.text(session.conversation[0])
    href = f"chatdesk-image:{images.key(url)}"
    window.transcript._on_body_link(href, 0)  # what a click on the thumbnail does
    viewer = window.transcript.image_viewer
    assert viewer.isVisible()
    assert (viewer.image.width(), viewer.image.height()) == (1200, 800)
    viewer.copy_button.click()
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (1200, 800)
    viewer.reject()

    menu = window.transcript.context_menu(0)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert {"Open image", "Copy image", "Save image as…"} <= set(labels)
    save = next(a for a in menu.actions() if a.text() == "Save image as…")
    save.trigger()
    dialog = window.transcript.save_dialog
    assert dialog.selectedFiles()[0].endswith("image.png")
    target = tmp_path / "saved.png"
    dialog.fileSelected.emit(str(target))  # what choosing the file and Save does
    dialog.reject()
    assert target.read_bytes() == png == data_url_bytes(url)
    menu.close()
    QApplication.processEvents()


def test_a_file_of_large_images_shows_their_sizes_first_and_their_pictures_once_read(
    qtbot, window, tmp_path, monkeypatch
):
    """The card of an image still being read (a `PendingImage`: its header, not its data) is
    laid out at its size with a placeholder and decodes nothing; once the file's images are
    read it gets the picture, and the click, the meter and Save see the whole image."""
    from chatdesk.core.images import PendingImage
    from chatdesk.core.messages import Message
    from chatdesk.ui.transcript_images import TranscriptImages

    png = image_bytes(600, 400, noise=True)  # ~1 MB of base64: read after the first paint
    url = data_url(png)
    images = TranscriptImages()
    part = {"type": "image_url", "image_url": {"url": PendingImage(url[:1024]), "detail": "high"}}
    message = Message.from_raw({"role": "user", "content": [part]})
    pending = images.text(message)
    assert '"240x160"' in pending
    assert "?pending" in pending
    assert "*600 × 400 px · detail high*" in pending
    assert not images.cache.busy
    assert images.cache.decoded == 0
    head = part["image_url"]["url"]
    assert images.url_of(f"chatdesk-image:{images.key(head)}") is None  # nothing to open yet
    part["image_url"]["url"] = url  # what ImagesRead.fill does
    qtbot.waitUntil(lambda: "?pending" not in images.text(message), timeout=10_000)
    assert images.url_of(f"chatdesk-image:{images.key(url)}") == url

    from chatdesk.core.images_first import ImagesRead

    filled = []
    real_fill = ImagesRead.fill
    monkeypatch.setattr(ImagesRead, "fill", lambda self: filled.append(1) or real_fill(self))
    session = _open(qtbot, window, tmp_path, [{"type": "image_url", "image_url": {"url": url}}])
    assert filled == [1]  # shown before its image was read
    shown = session.conversation[0].to_api()["content"][1]["image_url"]["url"]
    assert shown == url
    assert not isinstance(shown, PendingImage)
    window.transcript._on_body_link(f"chatdesk-image:{_images(window).key(url)}", 0)
    viewer = window.transcript.image_viewer
    assert (viewer.image.width(), viewer.image.height()) == (600, 400)
    viewer.reject()
    saved = tmp_path / "saved.chatdesk.json"
    from chatdesk.core.fileformat import load_conversation, save_conversation

    save_conversation(session.conversation, saved)
    again = load_conversation(saved).conversation[0].to_api()["content"][1]["image_url"]["url"]
    assert data_url_bytes(again) == png


def test_hovering_a_thumbnail_says_it_opens_the_image_not_an_internal_address(
    qtbot, window, tmp_path
):
    from PySide6.QtCore import QPoint

    url = data_url(image_bytes(300, 200))
    _open(qtbot, window, tmp_path, [{"type": "image_url", "image_url": {"url": url}}])
    view = window.transcript
    view.scrollToTop()
    qtbot.waitUntil(lambda: "?pending" not in _images(window).text(window.session.conversation[0]))
    index = view.model().index(0, 0)
    lay = view.delegate.layout(view.visualRect(index), index)
    body = lay.body
    target = next(
        (QPoint(int(body.left()) + x, int(body.top()) + y)
         for y in range(0, int(body.height()), 4) for x in range(0, int(body.width()), 4)
         if lay.doc.anchor_at(x, y).startswith("chatdesk-image:")),
        None,
    )  # fmt: skip
    assert target is not None
    with qtbot.waitSignal(view.linkHovered):
        qtbot.mouseMove(view.viewport(), target)
    shown = window.statusBar().currentMessage()
    assert shown == "Opens the image full size"
    assert "chatdesk-image" not in shown


def _images_conversation(tmp_path):
    """The tester's: answers with "longer answer", then a question with two large images and
    the answer to it, the match to show, near the end (the list cannot put it at the top)."""
    answer = "Here is a longer answer so that streaming can be seen. " * 6
    messages = []
    for i in range(5):
        messages += [{"role": "user", "content": f"question {i}"},
                     {"role": "assistant", "content": answer}]  # fmt: skip
    messages.append({"role": "user", "content": [
        {"type": "text", "text": "What colours are these?"},
        {"type": "image_url", "image_url": {"url": data_url(image_bytes(1024, 768))}},
        {"type": "image_url", "image_url": {"url": data_url(image_bytes(300, 200))}},
    ]})  # fmt: skip
    messages.append({"role": "assistant", "content": answer + "\n\nAnd a **bold** end."})
    path = tmp_path / "heron.json"
    path.write_text(json.dumps({"model": "gpt-4o", "messages": messages}))
    return path, len(messages) - 1


def test_a_match_shown_on_opening_stays_on_screen_while_images_above_it_decode(
    qtbot, window, tmp_path
):
    # Reported: a sidebar search result opened with the find bar at "7 of 12", but the view
    # showed the question's two large images: the rows above grew once their thumbnails were
    # laid out, after the scroll, and pushed the match off screen.
    path, target = _images_conversation(tmp_path)
    view = window.transcript
    shown = []
    window.open_file(path, then=lambda s: shown.append(view.show_history_index(target)))
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    images = _images(window)
    message = window.session.conversation[target - 1]
    qtbot.waitUntil(lambda: "?pending" not in images.text(message), timeout=10_000)
    qtbot.wait(200)  # the thumbnails painted, the rows measured and laid out again
    rect = view.visualRect(view.model().index(shown[0], 0))
    viewport = view.viewport().rect()
    assert viewport.top() <= rect.top() < viewport.bottom()  # its first lines are on screen


def test_the_reader_scrolling_lets_go_of_a_match_shown(qtbot, window, tmp_path):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QFont, QWheelEvent

    path, target = _images_conversation(tmp_path)
    view = window.transcript
    shown = []
    window.open_file(path, then=lambda s: shown.append(view.show_history_index(target - 3)))
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    qtbot.wait(200)
    bar = view.verticalScrollBar()
    held = view.visualRect(view.model().index(shown[0], 0)).top()
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        centre, view.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(view.viewport(), wheel)  # one notch up
    scrolled = bar.value()
    assert view.visualRect(view.model().index(shown[0], 0)).top() > held
    font = QFont(view.font())
    font.setPointSizeF(font.pointSizeF() + 3)  # every row changes height
    view.setFont(font)
    qtbot.wait(200)
    assert bar.value() == min(scrolled, bar.maximum())  # where the reader put it
