"""Attaching images never moves the window's other panels (session 13 tester: a third image
shifted the side panels by ~10 px): the strip of thumbnails takes the composer's width and
scrolls sideways when its chips need more. The real window offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.support.images import image_bytes


def drop(widget, paths):
    """Files dropped on `widget`, as a file manager's drag delivers them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(widget, QDragEnterEvent(QPoint(10, 10), *args))
    QApplication.sendEvent(widget, QDragMoveEvent(QPoint(10, 10), *args))
    QApplication.sendEvent(widget, QDropEvent(QPointF(10, 10), *args))


def panels(window):
    return [w.geometry() for w in (window.sidebar, window.side)]


@pytest.mark.parametrize("size", [(1366, 768), (1200, 600)])
def test_attached_images_leave_the_side_panels_where_they_were(qtbot, window, tmp_path, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().width() == size[0])
    qtbot.wait(50)
    before = panels(window)
    for n in range(1, 6):
        path = tmp_path / f"shot{n}.png"
        path.write_bytes(image_bytes(400 + n, 300))
        drop(window.composer.input.viewport(), [path])
        qtbot.waitUntil(lambda n=n: len(window.session.conversation.draft_images) == n
                        and not window.attach_flow.workers, timeout=10_000)  # fmt: skip
        qtbot.wait(50)
        assert panels(window) == before, f"with {n} image(s)"
    strip = window.composer.strip
    assert strip.isVisible()
    last = strip.chips[-1]  # out of sight, reached by scrolling
    assert last.visibleRegion().isEmpty()
    strip.ensure_visible(last)
    assert not last.visibleRegion().isEmpty()
