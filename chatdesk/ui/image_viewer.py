"""An image full size, with Copy image and Save image as…; the same two actions serve the
transcript's context menu. An image is decoded here only when the user asks to see, copy or
save it (one image, on a click), never to draw the transcript."""

from __future__ import annotations

from pathlib import Path

from chatdesk.core.atomic import atomic_write_bytes
from chatdesk.core.image_input import EXTENSIONS, image_type, size_text
from chatdesk.core.images import data_url_bytes
from chatdesk.ui.image_cache import decode_image
from chatdesk.ui.qt.core import Qt
from chatdesk.ui.qt.gui import QGuiApplication, QImage, QPixmap
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def copy_image(url: str) -> bool:
    """Put the image on the clipboard (as an image, for pasting into other apps)."""
    image = decode_image(url)
    if image.isNull():
        return False
    QGuiApplication.clipboard().setImage(image)
    return True


def suggested_name(url: str, stem: str = "image") -> str:
    data = data_url_bytes(url) or b""
    return f"{stem}.{EXTENSIONS.get(image_type(data) or '', 'png')}"


def save_image_as(parent: QWidget, url: str) -> QFileDialog | None:
    """Ask where to save the image (its own bytes, as sent) and write it there; the open
    dialog is returned so a test can answer it. None when the URL holds no image data."""
    data = data_url_bytes(url)
    if not data:
        return None
    dialog = QFileDialog(parent, "Save image as")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.selectFile(suggested_name(url))
    dialog.fileSelected.connect(lambda path: _write(parent, Path(path), data))
    dialog.open()
    return dialog


def _write(parent: QWidget, path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        QMessageBox.warning(parent, "Could not save the image", f"{path}: {exc.strerror or exc}")


class ImageViewer(QDialog):
    """One image at full size (scrolled when larger than the screen)."""

    def __init__(self, url: str, title: str = "Image", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.image: QImage = decode_image(url)
        self.setWindowTitle(title)
        self.save_dialog: QFileDialog | None = None
        label = QLabel(self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if self.image.isNull():
            label.setText("This image cannot be shown (its data is damaged).")
        else:
            label.setPixmap(QPixmap.fromImage(self.image))
            label.setAccessibleName(f"{title}, {self.image.width()} × {self.image.height()} px")
        scroll = QScrollArea(self)
        scroll.setWidget(label)
        scroll.setWidgetResizable(True)
        data = data_url_bytes(url) or b""
        info = QLabel(
            f"{self.image.width()} × {self.image.height()} px, {size_text(len(data))}", self
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.copy_button = buttons.addButton("Copy image", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton(
            "Save image as…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.clicked.connect(lambda: copy_image(url))
        self.save_button.clicked.connect(self._save)
        buttons.rejected.connect(self.reject)
        for button in (self.copy_button, self.save_button):
            button.setEnabled(not self.image.isNull())
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(info)
        layout.addWidget(buttons)
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = self.image.width() + 40, self.image.height() + 110
        if screen is not None:
            width = min(width, screen.width() * 9 // 10)
            height = min(height, screen.height() * 9 // 10)
        self.resize(max(320, width), max(240, height))

    def _save(self) -> None:
        self.save_dialog = save_image_as(self, self.url)
