"""The images attached to the message being written, as thumbnails above the message box.

Each shows its thumbnail (a click opens it full size), its size and token count, a detail
choice (auto / low / high) and a remove button. The strip only shows: the attach flow
(`attach_flow.py`) decides what is attached and changes the draft. It takes the width the
composer has and scrolls sideways when the thumbnails need more, so attaching an image never
widens the middle column and moves the side panels."""

from __future__ import annotations

from typing import Any

from chatdesk.core.choices import ImageDetail
from chatdesk.core.image_input import DETAILS, part_url
from chatdesk.core.images import data_url_size
from chatdesk.ui.image_cache import ThumbnailCache, image_key
from chatdesk.ui.qt.core import QSize, Qt, Signal
from chatdesk.ui.qt.gui import QIcon
from chatdesk.ui.qt.widgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

CHIP_THUMB = 56


class _Chip(QFrame):
    def __init__(
        self, index: int, part: dict[str, Any], tokens: int | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        url, detail = part_url(part)
        self.key = image_key(url)
        self.url = url
        number = index + 1
        self.thumb = QToolButton(self)
        self.thumb.setIconSize(QSize(CHIP_THUMB, CHIP_THUMB))
        self.thumb.setFixedSize(CHIP_THUMB + 8, CHIP_THUMB + 8)
        self.thumb.setAutoRaise(True)
        self.thumb.setAccessibleName(f"Image {number}: open full size")
        self.thumb.setToolTip("Open full size")
        size = data_url_size(url)
        what = f"{size[0]} × {size[1]}" if size else "image"
        self.label = QLabel(what + (f"\n{tokens:,} tokens" if tokens is not None else ""), self)
        self.detail = QComboBox(self)
        self.detail.addItems(list(DETAILS))
        self.detail.setCurrentText(detail if detail in DETAILS else ImageDetail.AUTO)
        self.detail.setAccessibleName(f"Image {number} detail")
        self.detail.setToolTip("Image detail: low costs a fixed few tokens; high reads fine print")
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setAccessibleName(f"Remove image {number}")
        self.remove.setToolTip("Remove this image")
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.label)
        column.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.thumb)
        layout.addLayout(column)
        layout.addWidget(self.remove)


class AttachmentStrip(QWidget):
    """Signals: removeRequested(int), detailChanged(int, str), viewRequested(int)."""

    removeRequested = Signal(int)
    detailChanged = Signal(int, str)
    viewRequested = Signal(int)

    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.chips: list[_Chip] = []
        self._row = QWidget(self)
        self._layout = QHBoxLayout(self._row)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addStretch(1)
        self._scroll = QScrollArea(self)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidgetResizable(True)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setWidget(self._row)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._scroll)
        # Any width: the chips scroll. The height has room for the scroll bar, shown or not,
        # so the message box does not move when one more image brings it.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Attached images")
        thumbnails.ready.connect(self._thumbnail_ready)
        self.hide()

    def set_parts(self, parts: list[dict[str, Any]], tokens: list[int] | None = None) -> None:
        """Show these attachments (`image_url` parts) with their token counts."""
        for chip in self.chips:
            chip.deleteLater()
        self.chips = []
        for i, part in enumerate(parts):
            chip = _Chip(i, part, tokens[i] if tokens else None, self._row)
            chip.thumb.clicked.connect(lambda _=False, i=i: self.viewRequested.emit(i))
            chip.remove.clicked.connect(lambda _=False, i=i: self.removeRequested.emit(i))
            chip.detail.currentTextChanged.connect(lambda d, i=i: self.detailChanged.emit(i, d))
            self._layout.insertWidget(i, chip)
            self.chips.append(chip)
            self._show_thumbnail(chip)
        bar = self._scroll.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(self._row.sizeHint().height() + bar)
        self.setVisible(bool(parts))

    def ensure_visible(self, chip: _Chip) -> None:
        """Scroll the strip to show `chip`."""
        self._scroll.ensureWidgetVisible(chip)

    def _show_thumbnail(self, chip: _Chip) -> None:
        pixmap = self.thumbnails.thumbnail(chip.url)
        if pixmap is not None and not pixmap.isNull():
            chip.thumb.setIcon(QIcon(pixmap))
        elif pixmap is not None:
            chip.thumb.setText("?")  # undecodable: the check at attach time makes this rare

    def _thumbnail_ready(self, key: str) -> None:
        for chip in self.chips:
            if chip.key == key:
                self._show_thumbnail(chip)
