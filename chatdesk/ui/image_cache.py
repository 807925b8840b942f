"""Thumbnails of the images in messages and the draft, decoded lazily off the GUI thread.

Opening a conversation decodes nothing: a thumbnail is decoded the first time a row or the
composer asks for it, by a `FunctionWorker` (Qt's QImage decoders are thread-safe; a QPixmap
is made on the GUI thread), and kept in a small LRU cache. Until it is ready the caller draws
a placeholder of the right size (the size comes from the image's header, `data_url_size`), and
`ready(key)` says when to draw again. So a file full of images opens and scrolls as fast as
one without, and a paint never waits for a decoder.
"""

from __future__ import annotations

from collections import OrderedDict

from chatdesk.core.images import PendingImage, data_url_bytes
from chatdesk.ui.qt.core import QObject, QSize, Qt, Signal
from chatdesk.ui.qt.gui import QImage, QPixmap
from chatdesk.ui.worker import FunctionWorker

THUMB = 160  # the longest side of a thumbnail, in device-independent pixels
_KEEP = 256  # thumbnails kept


def image_key(url: str) -> str:
    """A short key for an image URL: its length and ends (a data URL is megabytes; equal
    keys with different data would need equal length, head and 64-character tail)."""
    return f"{len(url)}:{url[:48]}:{url[-64:]}"


def decode_image(url: str) -> QImage:
    """The whole image of a data URL (a null QImage when it cannot be read)."""
    data = data_url_bytes(url)
    return QImage.fromData(data) if data else QImage()


def _thumbnail(url: str, side: int) -> QImage:
    image = decode_image(url)
    if image.isNull():
        return image
    if image.width() > side or image.height() > side:
        image = image.scaled(
            QSize(side, side),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class ThumbnailCache(QObject):
    """Signals: ready(str) with the `image_key` of an image whose thumbnail was decoded (or
    failed: then `thumbnail` answers a null pixmap, and the caller draws the card instead)."""

    ready = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._done: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: dict[str, FunctionWorker] = {}
        self.decoded = 0  # thumbnails decoded so far (for tests and the benchmark)

    def thumbnail(self, url: str, side: int = THUMB) -> QPixmap | None:
        """The thumbnail of a data URL's image, or None while it is decoded (asked now) or
        not read yet (a `PendingImage`: asked again once it is)."""
        if isinstance(url, PendingImage):
            return None
        name = image_key(url)
        key = f"{side}:{name}"
        found = self._done.get(key)
        if found is not None:
            self._done.move_to_end(key)
            return found
        if key not in self._pending:
            worker = FunctionWorker(lambda: _thumbnail(url, side), self)
            worker.returned.connect(lambda image: self._decoded(key, name, image))
            worker.errored.connect(lambda _exc: self._decoded(key, name, QImage()))
            worker.finished.connect(lambda: self._pending.pop(key, None))
            self._pending[key] = worker
            worker.start()
        return None

    def _decoded(self, key: str, name: str, image: QImage) -> None:
        self.decoded += 1
        self._done[key] = QPixmap.fromImage(image) if not image.isNull() else QPixmap()
        while len(self._done) > _KEEP:
            self._done.popitem(last=False)
        self.ready.emit(name)

    @property
    def busy(self) -> bool:
        return bool(self._pending)
