"""The theme (light, dark, or the system's) and the messages' font size, applied live.

Qt 6.8's `QStyleHints.setColorScheme` asks the platform for a light or dark scheme, but many
platforms ignore it (X11 without a desktop portal, the offscreen platform), so a chosen theme
also sets an explicit palette: Fusion's colours for light, a dark one built here. "Follow the
system" gives the scheme back to the platform and unsets the application's palette (an empty
one: Qt uses the platform's again), so the platform's own changes reach the window live.
"""

from __future__ import annotations

from chatdesk.core.preferences import Theme, point_size
from chatdesk.ui.qt.core import Qt
from chatdesk.ui.qt.gui import QColor, QFont, QPalette
from chatdesk.ui.qt.widgets import QApplication


def dark_palette() -> QPalette:
    """A dark palette for every colour role, active and disabled."""
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    palette = QPalette()
    colours = {
        role.Window: "#202124", role.WindowText: "#e8eaed", role.Base: "#2a2b2e",
        role.AlternateBase: "#303134", role.ToolTipBase: "#303134", role.ToolTipText: "#e8eaed",
        role.PlaceholderText: "#9aa0a6", role.Text: "#e8eaed", role.Button: "#303134",
        role.ButtonText: "#e8eaed", role.BrightText: "#ff7b72", role.Light: "#3c4043",
        role.Midlight: "#35363a", role.Mid: "#2a2b2e", role.Dark: "#18191b",
        role.Shadow: "#000000", role.Highlight: "#3d6fb4", role.HighlightedText: "#ffffff",
        role.Link: "#8ab4f8", role.LinkVisited: "#c58af9",
    }  # fmt: skip
    for colour_role, name in colours.items():
        palette.setColor(colour_role, QColor(name))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor("#7f8388"))
    return palette


def apply_theme(theme: Theme) -> None:
    """Make the application light, dark or the system's, now: every window repaints."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    hints = app.styleHints()
    # QApplication's setPalette, not QGuiApplication's: it reaches every widget at once.
    if theme == Theme.SYSTEM:
        hints.unsetColorScheme()
        QApplication.setPalette(QPalette())  # nothing set: the platform's palette, live
        return
    dark = theme == Theme.DARK
    hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    QApplication.setPalette(dark_palette() if dark else QApplication.style().standardPalette())


def message_font(base: QFont, font_size: int, zoom: int) -> QFont:
    """`base` at the Preferences' size (0: its own) times the zoom (percent)."""
    font = QFont(base)
    font.setPointSizeF(point_size(font_size, zoom, base.pointSizeF()))
    return font
