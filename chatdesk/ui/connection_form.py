"""The Connections dialog's form column — its tabs over the Test connection panel — in a scroll
area that lets the dialog grow only as far as the screen.

The form's word-wrapped notes ask for all their lines (`WrapLabel.keep_whole`), so a long Test
connection answer (a certificate's CA advice, a proxy's) grows the dialog rather than cutting
the form. On a low screen that pushed Save and Cancel off its bottom (1280×600: a long endpoint
note and a certificate's answer made the dialog 668 px tall). `FormScroll` asks for all of the
form while the screen has room below the dialog's top, and no more: past that the form
scrolls, every note still given all its lines, and Save and Cancel stay on the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.ui.qt.core import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer
from chatdesk.ui.qt.gui import QShowEvent
from chatdesk.ui.qt.widgets import (
    QFrame,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from chatdesk.ui.wheel_guard import guard_wheel

if TYPE_CHECKING:
    from chatdesk.ui.connection_test import TestPanel

# The size the dialog opens at (when the screen has room for it).
DEFAULT_SIZE = QSize(760, 560)
# The least height the form is given, however low the screen: a tab bar and a field or two.
_LEAST = 120


class _Form(QWidget):
    """The form in its scroll area, which may make it as short as its minimum at any width.

    QScrollArea gives a widget whose layout has a height for its width (the word-wrapped
    notes) at least that height, which is its preferred one: the form scrolled by 14 px at the
    default size, where without a scroll area everything showed whole."""

    def heightForWidth(self, width: int) -> int:
        return self.minimumSizeHint().height()


class FormScroll(QScrollArea):
    """Holds `form`, as tall as it needs while the window fits on its screen, scrolling after.

    Its minimum height is the form's (the dialog's layout grows the window to it) bounded by
    the room between the window's top and the bottom of its screen's available geometry, less
    what the window holds below and above this area."""

    def __init__(self, form: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWidget(form)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # The form keeps its width (the window's minimum follows it): it only scrolls down.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Profile form")
        form.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A note shown, grown or gone inside the form changes what this area needs: the
        # window's layout must ask again, and the form be laid out again within this area (a
        # scroll area passes neither on: the form kept the height it asked for before the
        # dialog showed, and scrolled 40 px at the default size).
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
            QCoreApplication.postEvent(self, QEvent(QEvent.Type.LayoutRequest))
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        # Shown, the form's notes are laid out at their width: ask again, once that is done.
        super().showEvent(event)
        self.updateGeometry()
        QCoreApplication.postEvent(self, QEvent(QEvent.Type.LayoutRequest))

    def needed(self) -> QSize:
        """All of the form: its minimum, in which every note of the form has all its lines
        (`keep_whole`)."""
        return self.widget().minimumSizeHint()

    def room(self) -> int | None:
        """The most this area may take: the window, its frame (title bar, borders) included,
        from its top down to the bottom of its screen's available geometry, less the rest of
        the window. None before the window is shown (its place is not known yet)."""
        window = self.window()
        if window is self or not window.isVisible():
            return None
        screen = window.screen()
        if screen is None:
            return None
        available = screen.availableGeometry()
        frame = window.frameGeometry()
        top = max(frame.top(), available.top())
        borders = frame.height() - window.height()
        rest = window.height() - self.height()
        return max(_LEAST, available.bottom() + 1 - top - borders - rest)

    def minimumSizeHint(self) -> QSize:
        needed = self.needed()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        room = self.room()
        # Before the window shows, its notes are not laid out at their width yet and ask for
        # too much (the dialog opened 40 px taller): it opens at `opening_size`, and asks again
        # once shown (showEvent).
        height = min(needed.height(), _LEAST if room is None else room)
        return QSize(needed.width() + bar, height)

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    def bring_into_view(self, widget: QWidget) -> None:
        """Scroll to show `widget` once the form is laid out again (its text just changed)."""
        QTimer.singleShot(0, self, lambda: self.ensureWidgetVisible(widget, 0, 0))


def form_column(
    tabs: QTabWidget, test_panel: TestPanel, parent: QWidget
) -> tuple[QWidget, FormScroll]:
    """The tabs over the Test connection panel (`form`), in their `FormScroll`; a test's
    answer is scrolled into view (it grows the form at its bottom, out of a scrolled view)."""
    form = _Form(parent)
    column = QVBoxLayout(form)
    column.setContentsMargins(0, 0, 0, 0)
    # The room to spare below the test panel, not in the tabs, which are never squeezed below
    # the height they ask for (past the screen's room the form scrolls): a test's answer then
    # takes that room, or grows the dialog downwards, never moving the tabs' edge and the Test
    # connection button on it (session 14's tester).
    policy = tabs.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Minimum)
    tabs.setSizePolicy(policy)
    column.addWidget(tabs)
    column.addWidget(test_panel)
    column.addStretch(1)
    scroll = FormScroll(form, parent)
    test_panel.answered.connect(lambda: scroll.bring_into_view(test_panel))
    guard_wheel(form)  # it scrolls now: the wheel must not change a field it passes over
    return form, scroll


def onto_screen(window: QWidget) -> None:
    """Move `window`, its frame included, within its screen's available geometry, left and
    top edges first when it is larger. Qt centres a dialog before the window manager has
    framed it, and without a parent on the screen's middle: on a low screen its title bar
    could end up above the top, where it cannot be dragged back."""
    screen = window.screen()
    if screen is None:
        return
    area, frame = screen.availableGeometry(), window.frameGeometry()
    x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
    y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)  # a top-level window's position is its frame's


def opening_size(window: QWidget) -> QSize:
    """`DEFAULT_SIZE`, no taller than the available height of the window's screen (a title
    bar's worth left for the frame)."""
    screen = window.screen()
    if screen is None:
        return DEFAULT_SIZE
    title = window.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight, None, window)
    available = screen.availableGeometry().height() - title
    return QSize(DEFAULT_SIZE.width(), min(DEFAULT_SIZE.height(), max(_LEAST, available)))
