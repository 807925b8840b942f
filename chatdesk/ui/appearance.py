"""The theme (light, dark, or the system's) and the messages' font size, applied live.

Qt 6.8's `QStyleHints.setColorScheme` asks the platform for a light or dark scheme, but many
platforms ignore it (X11 without a desktop portal, the offscreen platform), so a chosen theme
also sets an explicit palette: Fusion's colours for light, a dark one built here. "Follow the
system" gives the scheme back to the platform and unsets the application's palette (an empty
one: Qt uses the platform's again), so the platform's own changes reach the window live.
"""

from __future__ import annotations

from chatdesk.core.preferences import Theme, point_size
from chatdesk.ui.palette import DARK_DISABLED, DARK_WINDOW
from chatdesk.ui.qt.core import Qt
from chatdesk.ui.qt.gui import QColor, QFont, QPalette
from chatdesk.ui.qt.widgets import QApplication


def dark_palette() -> QPalette:
    """A dark palette for every colour role, active and disabled."""
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    palette = QPalette()
    for name, colour in DARK_WINDOW.items():
        palette.setColor(getattr(role, name), QColor(colour))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor(DARK_DISABLED))
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
