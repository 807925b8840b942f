"""Images in the transcript: each embedded image of a message shows as a thumbnail in its card.

The card text (`core/cards.py`) says "Image (W × H px …)"; in the window that line becomes a
thumbnail that links to the full image (`chatdesk-image:` links: the view opens, copies or
saves the image). Thumbnails come from the `ThumbnailCache`, decoded on the thread pool the
first time a card is laid out; until then the card holds a placeholder of the same size (from
the image's header), so nothing moves when the picture arrives and no paint waits for a
decoder. A message without images costs one attribute check.
"""

from __future__ import annotations

import zlib
from typing import Any

from chatdesk.core.cards import composed_text, shown_text
from chatdesk.core.image_input import part_url
from chatdesk.core.images import PendingImage, data_url_size
from chatdesk.core.messages import Message
from chatdesk.ui.image_cache import ThumbnailCache
from chatdesk.ui.qt.core import QObject, QUrl, Signal
from chatdesk.ui.qt.gui import QImage, QTextDocument

SCHEME = "chatdesk-image"
SHOWN = 240  # the longest side of a thumbnail in a card, in device-independent pixels
_DECODED = 2 * SHOWN  # decoded at twice that: sharp on a 200 % screen
_TEXTS = 512  # composed card texts kept


def fitted(size: tuple[int, int] | None) -> tuple[int, int]:
    """The size a thumbnail is shown at: `size` fitted into SHOWN x SHOWN."""
    if size is None:
        return SHOWN, SHOWN * 3 // 4
    width, height = (max(1, v) for v in size)
    scale = min(1.0, SHOWN / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class TranscriptImages(QObject):
    """Signals: changed() when a thumbnail arrived (the view repaints; the card's text
    changes, so its piece is rendered again with the picture)."""

    changed = Signal()

    def __init__(self, cache: ThumbnailCache | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache = cache or ThumbnailCache(parent=self)
        self.urls: dict[str, str] = {}  # key -> data URL, for the links and the resources
        self._texts: dict[int, tuple[str, tuple[tuple[bool, bool], ...], str]] = {}
        self.cache.ready.connect(lambda _key: self.changed.emit())

    # -- the card's text ---------------------------------------------------------------------
    def text(self, message: Message) -> str:
        """What the card shows: `shown_text`, its embedded images as thumbnails."""
        if not message.has_parts:
            return shown_text(message)
        urls = [
            part_url(p)[0] for p in message.api_content()
            if isinstance(p, dict) and p.get("type") == "image_url"
            and part_url(p)[0].startswith("data:")
        ]  # fmt: skip
        if not urls:
            return shown_text(message)
        # Whether each is pending too: a pending image is filled in place once read.
        ready = tuple(
            (isinstance(u, PendingImage), self.cache.thumbnail(u, _DECODED) is not None)
            for u in urls
        )
        cached = self._texts.get(message.uid)
        if cached is not None and cached[0] is message.content and cached[1] == ready:
            return cached[2]
        text = composed_text(message, self._card)
        if len(self._texts) >= _TEXTS:
            self._texts.clear()
        self._texts[message.uid] = (message.content, ready, text)
        return text

    def _card(self, part: dict[str, Any]) -> str:
        from chatdesk.core.cards import image_card

        url, detail = part_url(part)
        size = data_url_size(url)
        if size is None:
            return image_card(part)
        key = self.key(url)
        width, height = fitted(size)
        state = "" if self.cache.thumbnail(url, _DECODED) is not None else "?pending"
        src = f"{SCHEME}:{key}"
        return (
            f'[![Image, {size[0]} × {size[1]} px]({src}{state} "{width}x{height}")]({src})\n\n'
            f"*{size[0]} × {size[1]} px · detail {detail}*"
        )

    def key(self, url: str) -> str:
        """A short name for an image, the same for the same data."""
        key = f"{len(url)}-{zlib.crc32(url[-65536:].encode('ascii', 'replace')):08x}"
        self.urls[key] = url
        return key

    def url_of(self, href: str) -> str | None:
        """The data URL a `chatdesk-image:` link names, or None (also while it is still
        being read: a `PendingImage` has nothing to show full size yet)."""
        if not href.startswith(f"{SCHEME}:"):
            return None
        url = self.urls.get(href[len(SCHEME) + 1 :].partition("?")[0])
        return None if isinstance(url, PendingImage) else url

    # -- the pictures ----------------------------------------------------------------------
    def add_resources(self, doc: QTextDocument, piece: str) -> None:
        """Give `doc` (about to render `piece`) the thumbnails its images name."""
        if f"]({SCHEME}:" not in piece:
            return
        kind = QTextDocument.ResourceType.ImageResource
        for key, url in list(self.urls.items()):
            src = f"{SCHEME}:{key}"
            if src not in piece:
                continue
            pixmap = self.cache.thumbnail(url, _DECODED)
            if pixmap is not None and not pixmap.isNull():
                doc.addResource(kind, QUrl(src), pixmap)
            placeholder = QImage(8, 8, QImage.Format.Format_ARGB32)
            placeholder.fill(0x30808080)  # a faint grey box until the picture arrives
            doc.addResource(kind, QUrl(f"{src}?pending"), placeholder)
