"""Images in the transcript: each embedded image of a message shows as a thumbnail in its card.

The card text (`core/cards.py`) says "Image (W × H px …)"; in the window that line becomes a
thumbnail that links to the full image (`chatdesk-image:` links: the view opens, copies or
saves the image). Thumbnails come from the `ThumbnailCache`, decoded on the thread pool the
first time a card is laid out; until then the card holds a placeholder of the same size (from
the image's header), so nothing moves when the picture arrives and no paint waits for a
decoder. A message without images costs one attribute check.

A question with content parts edited in place (ui/inline_editor.py) keeps showing its images
and other parts around the editor: while `editing` names it, its text gives way to a blank
picture as tall as the editor (`EDITOR`), where the text is in the message, and the images
removed in the editor are left out. The card's geometry and the clicks on its pictures stay
the delegate's, as for any other card.
"""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

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
EDITOR = f"{SCHEME}:editor"  # the editor's place in a card edited in place (a blank picture)


class Editing(NamedTuple):
    """A question being edited in place whose card shows its parts around the editor."""

    uid: int  # the message's
    height: int  # the room for the editor, in px
    removed: frozenset[int]  # positions in its content of the parts removed in the editor


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
        self._texts: dict[int, tuple[str, tuple[tuple[bool, bool], ...], Editing | None, str]] = {}
        self.editing: Editing | None = None  # set by the delegate (row_heights.make_room)
        self.cache.ready.connect(lambda _key: self.changed.emit())

    # -- the card's text ---------------------------------------------------------------------
    def text(self, message: Message) -> str:
        """What the card shows: `shown_text`, its embedded images as thumbnails (while it is
        being edited in place: its parts around the editor's place, see `editing`)."""
        if not message.has_parts:
            return shown_text(message)
        editing = self.editing if self.editing and self.editing.uid == message.uid else None
        urls = [
            part_url(p)[0] for p in message.api_content()
            if isinstance(p, dict) and p.get("type") == "image_url"
            and part_url(p)[0].startswith("data:")
        ]  # fmt: skip
        if not urls and editing is None:
            return shown_text(message)
        # Whether each is pending too: a pending image is filled in place once read.
        ready = tuple(
            (isinstance(u, PendingImage), self.cache.thumbnail(u, _DECODED) is not None)
            for u in urls
        )
        cached = self._texts.get(message.uid)
        if (
            cached is not None and cached[0] is message.content and cached[1] == ready
            and cached[2] == editing
        ):  # fmt: skip
            return cached[3]
        if editing is None:
            text = composed_text(message, self._card)
        else:
            text = composed_text(_around_editor(message, editing), self._card)
        if len(self._texts) >= _TEXTS:
            self._texts.clear()
        self._texts[message.uid] = (message.content, ready, editing, text)
        return text

    def pictures(self, message: Message) -> list[int]:
        """The positions in `message`'s content of the images its card shows as pictures
        (embedded, of a size known), in order."""
        content = message.api_content()
        return [
            at for at, part in enumerate(content if isinstance(content, list) else [])
            if isinstance(part, dict) and part.get("type") == "image_url"
            and data_url_size(part_url(part)[0]) is not None
        ]  # fmt: skip

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
        if EDITOR in piece:
            blank = QImage(1, 1, QImage.Format.Format_ARGB32)
            blank.fill(0)  # transparent: the editor lies over it
            doc.addResource(kind, QUrl(EDITOR), blank)


def _around_editor(message: Message, editing: Editing) -> Message:
    """`message` as its card shows it while edited in place: its text parts give way to the
    editor's place, where the edited text will go (the first text part's, else first: as
    `Message.api_content` puts it), and the parts removed are left out."""
    room = {"type": "text", "text": f'![]({EDITOR} "1x{max(editing.height, 0)}")'}
    content = message.api_content()
    parts: list[Any] = []
    for at, part in enumerate(content if isinstance(content, list) else []):
        if isinstance(part, dict) and part.get("type") == "text":
            if room not in parts:
                parts.append(room)
        elif at not in editing.removed:
            parts.append(part)
    if room not in parts:
        parts.insert(0, room)
    return Message.from_raw({"role": message.role, "content": parts})
