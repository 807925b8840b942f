"""Every colour chatdesk chooses lives in ui/palette.py, for the light and the dark theme."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

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
