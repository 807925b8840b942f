"""Every colour chatdesk chooses itself, for the light theme and for the dark one.

The rest are the Qt palette's: the platform's, Fusion's light one, or `DARK_WINDOW` for the dark
theme (ui/appearance.py). What a widget draws beyond those (error, warning and content-filter
text, code blocks, Markdown's muted text and rules, find marks) comes from here, so a colour is
changed in one place and both themes are seen side by side. Plain data: importing this costs
nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from chatdesk.ui.qt.gui import QColor, QPalette

if TYPE_CHECKING:
    from chatdesk.ui.qt.gui import QColor, QPalette


class Tones(msgspec.Struct, frozen=True):
    """The colours drawn on one theme's window, as ``#rrggbb``."""

    error: str  # error text and badges: a failed request, a disk problem, a refused image
    warning: str  # the meter near its limit, "Cut at the length limit", "Stopped by you"
    content_filter: str  # "Filtered: ..." badges
    code_bg: str  # behind code blocks and inline code
    muted: str  # Markdown's secondary text (a code block's language, table rules)
    border: str  # Markdown's tables and rules
    quote_bar: str  # the bar beside a block quote
    code_style: str  # the Pygments style of highlighted code


LIGHT = Tones(
    error="#c62828", warning="#8a5a00", content_filter="#b3410e", code_bg="#f3f4f6",
    muted="#6b7280", border="#c4c8ce", quote_bar="#b8bec6", code_style="default",
)  # fmt: skip
DARK = Tones(
    error="#ff7b72", warning="#e3b341", content_filter="#f0883e", code_bg="#1b1d21",
    muted="#9aa0a6", border="#5a5f66", quote_bar="#6e757d", code_style="github-dark",
)  # fmt: skip

# Found words, in the transcript's find bar and the library's search results: a pale yellow on
# every match and orange on the current one, as browsers mark finds; black text on them reads
# in either theme.
MATCH = "#fff176"
CURRENT_MATCH = "#ff9632"
ON_MARK = "#000000"

# The dark theme's Qt palette, by `QPalette.ColorRole` name; disabled text in DARK_DISABLED.
DARK_WINDOW = {
    "Window": "#202124", "WindowText": "#e8eaed", "Base": "#2a2b2e", "AlternateBase": "#303134",
    "ToolTipBase": "#303134", "ToolTipText": "#e8eaed", "PlaceholderText": "#9aa0a6",
    "Text": "#e8eaed", "Button": "#303134", "ButtonText": "#e8eaed", "BrightText": DARK.error,
    "Light": "#3c4043", "Midlight": "#35363a", "Mid": "#2a2b2e", "Dark": "#18191b",
    "Shadow": "#000000", "Highlight": "#3d6fb4", "HighlightedText": "#ffffff",
    "Link": "#8ab4f8", "LinkVisited": "#c58af9",
}  # fmt: skip
DARK_DISABLED = "#7f8388"
# Radio buttons' and check boxes' ring and box on the dark theme: Fusion draws them in the
# window's colour made darker, which on a dark window is all but invisible (ui/appearance.py).
DARK_INDICATOR_EDGE = "#9aa0a6"
DARK_INDICATOR_FILL = "#303134"


def is_dark(palette: QPalette) -> bool:
    """Whether `palette` is a dark one (its window colour darker than mid-grey)."""
    return palette.window().color().lightness() < 128


def tones(dark: bool) -> Tones:
    return DARK if dark else LIGHT


def tones_of(palette: QPalette) -> Tones:
    """The tones that read on `palette`'s window."""
    return tones(is_dark(palette))


def status_color(state: str, palette: QPalette) -> QColor:
    """The colour of "warning" or "error" text (and the meter's bar) on `palette`; its text
    colour otherwise."""
    if state in ("warning", "error"):
        colours = tones_of(palette)
        return QColor(colours.warning if state == "warning" else colours.error)
    return palette.color(QPalette.ColorRole.WindowText)
