"""The theme (light, dark, or the system's) and the messages' font size, applied live.

Qt 6.8's `QStyleHints.setColorScheme` asks the platform for a light or dark scheme, but many
platforms ignore it (X11 without a desktop portal, the offscreen platform), so a chosen theme
also sets an explicit palette: Fusion's colours for light, a dark one built here. "Follow the
system" gives the scheme back to the platform and unsets the application's palette (an empty
one: Qt uses the platform's again), so the platform's own changes reach the window live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core.preferences import Theme, point_size
from chatdesk.ui.palette import (
    DARK_DISABLED,
    DARK_INDICATOR_EDGE,
    DARK_INDICATOR_FILL,
    DARK_WINDOW,
    is_dark,
)
from chatdesk.ui.qt.core import Qt
from chatdesk.ui.qt.gui import QColor, QFont, QPalette
from chatdesk.ui.qt.widgets import QApplication

if TYPE_CHECKING:
    from chatdesk.ui.qt.gui import QPainter
    from chatdesk.ui.qt.widgets import QStyle, QStyleOption, QWidget


def dark_palette() -> QPalette:
    """A dark palette for every colour role, active and disabled."""
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    palette = QPalette()
    for name, colour in DARK_WINDOW.items():
        palette.setColor(getattr(role, name), QColor(colour))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QColor(DARK_DISABLED))
    return palette


_STYLE: list[QStyle] = []  # the application's style once the dark theme was first applied


def _indicator_style() -> QStyle:
    """The application's style, with radio buttons and check boxes that stand out on the dark
    theme: their ring and box drawn from DARK_INDICATOR_EDGE / _FILL (palette.py), where
    Fusion derives them from the window's colour; unchanged on a light palette."""
    from chatdesk.ui.qt.widgets import QProxyStyle, QStyle, QStyleOption  # once a theme is set

    class IndicatorStyle(QProxyStyle):
        def drawPrimitive(
            self,
            element: QStyle.PrimitiveElement,
            option: QStyleOption,
            painter: QPainter,
            widget: QWidget | None = None,
        ) -> None:
            kinds = (QStyle.PrimitiveElement.PE_IndicatorRadioButton,
                     QStyle.PrimitiveElement.PE_IndicatorCheckBox)  # fmt: skip
            if element in kinds and isinstance(option, QStyleOption) and is_dark(option.palette):
                option = type(option)(option)  # a copy: the caller's option is left alone
                role = QPalette.ColorRole
                option.palette.setColor(role.Window, QColor(DARK_INDICATOR_EDGE))
                option.palette.setColor(role.Base, QColor(DARK_INDICATOR_FILL))
            super().drawPrimitive(element, option, painter, widget)

    return IndicatorStyle()


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
    if dark and not _STYLE:
        _STYLE.append(_indicator_style())  # kept: Python's side of it must outlive this call
        app.setStyle(_STYLE[0])
    hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    QApplication.setPalette(dark_palette() if dark else QApplication.style().standardPalette())


def message_font(base: QFont, font_size: int, zoom: int) -> QFont:
    """`base` at the Preferences' size (0: its own) times the zoom (percent)."""
    font = QFont(base)
    font.setPointSizeF(point_size(font_size, zoom, base.pointSizeF()))
    return font
