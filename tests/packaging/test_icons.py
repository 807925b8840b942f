"""The icons every installer needs are drawn from the one SVG, and Windows' and macOS' ones are
checked here on Linux: what the release builds put into chatdesk.exe and chatdesk.app."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.packaging.conftest import load

PIL = pytest.importorskip("PIL", reason="Pillow packs .ico/.icns: pip install -e '.[test]'")
from PIL import Image  # noqa: E402

icons = load("icons")
SVG = Path(__file__).resolve().parents[2] / "resources" / "icons" / "chatdesk.svg"


def _png(size: int) -> Image.Image:
    with Image.open(io.BytesIO(icons.render_png(SVG, size))) as image:
        return image.convert("RGBA")


@pytest.mark.parametrize("size", [16, 48, 256, 1024])
def test_render_is_square_transparent_at_the_corners_and_blue_inside(size):
    image = _png(size)
    assert image.size == (size, size)
    assert image.getpixel((0, 0))[3] == 0  # the rounded square leaves the corner clear
    r, _g, b, a = image.getpixel((size // 8, size // 2))  # inside the blue background
    assert a == 255
    assert b > r + 60


@pytest.mark.qt_log_ignore("Cannot read file")  # Qt's own report of the bad file
def test_an_unreadable_svg_is_refused(tmp_path):
    bad = tmp_path / "bad.svg"
    bad.write_text("<svg")
    with pytest.raises(icons.IconError, match=r"bad\.svg"):
        icons.render_png(bad, 32)


def test_windows_ico_holds_each_size_drawn_at_that_size(tmp_path):
    path = icons.write_ico(SVG, tmp_path / "chatdesk.ico")
    with Image.open(path) as ico:
        assert ico.format == "ICO"
        assert sorted(ico.info["sizes"]) == [(s, s) for s in icons.ICO_SIZES]
        for size in (16, 32, 256):
            ico.size = (size, size)
            ico.load()
            # Drawn at 16 px by Qt, not the 256 px render shrunk: small sizes stay crisp.
            assert ico.convert("RGBA").tobytes() == _png(size).tobytes()


def test_macos_icns_holds_every_size_up_to_1024(tmp_path):
    path = icons.write_icns(SVG, tmp_path / "chatdesk.icns")
    assert path.read_bytes()[:4] == b"icns"
    with Image.open(path) as icns:
        assert icns.format == "ICNS"
        assert icns.size == (1024, 1024)
        sizes = icns.info["sizes"]
    have = {w for w, _h, _scale in sizes} | {w * scale for w, _h, scale in sizes}
    assert {16, 32, 128, 256, 512, 1024} <= have


def test_hicolor_theme_layout(tmp_path):
    written = icons.write_hicolor(SVG, tmp_path / "share")
    base = tmp_path / "share" / "icons" / "hicolor"
    for size in icons.HICOLOR_SIZES:
        png = base / f"{size}x{size}" / "apps" / "chatdesk.png"
        assert png in written
        with Image.open(png) as image:
            assert image.size == (size, size)
    scalable = base / "scalable" / "apps" / "chatdesk.svg"
    assert scalable.read_bytes() == SVG.read_bytes()
