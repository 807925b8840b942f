"""Every colour chatdesk chooses lives in ui/palette.py, for the light and the dark theme."""

from __future__ import annotations

import re
from pathlib import Path

from msgspec.structs import fields
from PySide6.QtGui import QPalette

from chatdesk.ui import palette
from chatdesk.ui.appearance import dark_palette
from chatdesk.ui.palette import DARK, LIGHT, is_dark, status_color, tones_of

UI = Path(palette.__file__).parent
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def test_no_other_ui_module_picks_a_colour():
    found = {
        path.name: HEX.findall(path.read_text())
        for path in UI.glob("*.py")
        if path.name != "palette.py"
    }
    assert {name: hexes for name, hexes in found.items() if hexes} == {}


def test_both_themes_name_every_colour():
    for tones in (LIGHT, DARK):
        for field in fields(tones):
            value = getattr(tones, field.name)
            assert value if field.name == "code_style" else HEX.fullmatch(value), field.name
    assert LIGHT.error != DARK.error


def test_status_colours_follow_the_theme(qapp):
    dark = dark_palette()
    light = QPalette()
    light.setColor(QPalette.ColorRole.Window, "#ffffff")
    assert is_dark(dark)
    assert not is_dark(light)
    assert tones_of(dark) is DARK
    assert tones_of(light) is LIGHT
    assert status_color("error", dark).name() == DARK.error
    assert status_color("warning", light).name() == LIGHT.warning
    text = dark.color(QPalette.ColorRole.WindowText)
    assert status_color("ok", dark) == text


def test_radio_buttons_stand_out_on_the_dark_theme(qtbot):
    """The tester: radio buttons were low-contrast in the Dark theme (Fusion draws the ring
    in the window's colour made darker)."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QRadioButton, QStyle, QStyleOptionButton

    from chatdesk.core.preferences import Theme
    from chatdesk.ui.appearance import apply_theme

    apply_theme(Theme.DARK)
    try:
        button = QRadioButton("Enter sends")
        qtbot.addWidget(button)
        button.resize(160, 30)
        image = button.grab().toImage()
        window = QColor(palette.DARK_WINDOW["Window"]).lightness()
        option = QStyleOptionButton()
        button.initStyleOption(option)
        ring = button.style().subElementRect(
            QStyle.SubElement.SE_RadioButtonIndicator, option, button
        )
        brightest = max(QColor(image.pixel(x, y)).lightness()
                        for x in range(ring.left(), ring.right() + 1)
                        for y in range(ring.top(), ring.bottom() + 1))  # fmt: skip
        assert brightest - window >= 60  # the ring: was a few steps off the window's colour
    finally:
        apply_theme(Theme.SYSTEM)
