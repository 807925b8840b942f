"""A first launch's window fits the screen it opens on (ui/app.py `fit_to_screen`): 1180×780
was taller than a 1366×768 laptop's desktop, the message box below its bottom edge (seen under
Xvfb at 1200×600, session 13)."""

from __future__ import annotations

from PySide6.QtCore import QRect


def test_a_first_launch_window_fits_a_small_laptop_screen(window):
    from chatdesk.ui.app import fit_to_screen

    window.resize(1180, 780)  # the first launch's size
    laptop = QRect(0, 0, 1366, 728)  # 1366×768 less a 40-pixel task bar
    fit_to_screen(window, laptop)
    assert window.height() <= 728 - 728 // 20  # room left for the title bar
    assert window.width() == 1180
    assert laptop.contains(window.frameGeometry())


def test_on_a_big_screen_the_size_stays_and_the_window_is_centred(window):
    from chatdesk.ui.app import fit_to_screen

    window.resize(1180, 780)
    desktop = QRect(1920, 0, 2560, 1400)  # a second monitor to the right
    fit_to_screen(window, desktop)
    assert (window.width(), window.height()) == (1180, 780)
    assert window.frameGeometry().center() == desktop.center()
