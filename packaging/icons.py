"""The app icon in every format an installer wants, rendered from the one SVG at build time.

    render_png(svg, size) -> bytes      a square PNG, drawn by Qt's SVG renderer
    write_hicolor(svg, share_dir)       share/icons/hicolor/<n>x<n>/apps/chatdesk.png + scalable
    write_ico(svg, path)                Windows: one .ico holding 16 to 256 px
    write_icns(svg, path)               macOS: one .icns holding 16 to 1024 px

Qt draws the SVG (QSvgRenderer, the renderer the window itself uses, from PySide6-Essentials);
Pillow packs the renders into .ico and .icns containers, so the Windows and macOS icons can be
made, and tested, on any OS. Nothing here is committed: the SVG is the only source.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

# The sizes each platform asks for. hicolor: the freedesktop Icon Theme Specification's usual
# directories (https://specifications.freedesktop.org/icon-theme-spec/latest/); .ico: Windows'
# "Construct icons" guidance, 16-256 px (https://learn.microsoft.com/windows/apps/design/style/iconography/app-icon-construction);
# .icns: Apple's app icon sizes, 16-1024 px (the iconutil set).
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
ICON_NAME = "chatdesk"


class IconError(RuntimeError):
    """The SVG could not be read or drawn."""


def render_png(svg: Path, size: int) -> bytes:
    """`svg` drawn into a transparent `size` x `size` PNG (bytes).

    Raises IconError when Qt cannot parse the SVG.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise IconError(f"{svg} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise IconError(f"Qt could not encode a {size} px PNG of {svg}")
    buffer.close()
    return bytes(data.data())


def write_hicolor(svg: Path, share_dir: Path) -> list[Path]:
    """PNGs in every HICOLOR_SIZES and the SVG itself, laid out as `share/icons/hicolor`.

    Returns the files written (the scalable SVG last).
    """
    written = []
    for size in HICOLOR_SIZES:
        path = share_dir / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_png(svg, size))
        written.append(path)
    scalable = share_dir / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)
    return written


def _images(svg: Path, sizes: tuple[int, ...]) -> list:
    from PIL import Image

    return [Image.open(io.BytesIO(render_png(svg, size))).convert("RGBA") for size in sizes]


def write_ico(svg: Path, path: Path) -> Path:
    """A Windows .ico with one render per ICO_SIZES (each drawn at its size, not scaled)."""
    images = _images(svg, ICO_SIZES)
    largest = images[-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    largest.save(path, format="ICO", sizes=[im.size for im in images], append_images=images[:-1])
    return path


def write_icns(svg: Path, path: Path) -> Path:
    """A macOS .icns with one render per ICNS_SIZES (Pillow writes the container on any OS)."""
    images = _images(svg, ICNS_SIZES)
    largest = images[-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    largest.save(path, format="ICNS", append_images=images[:-1])
    return path
