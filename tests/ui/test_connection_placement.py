"""The Connections dialog opens within its screen's available geometry, also without a parent
(session 13 tester: opened by itself on a low screen, its title bar was ~20 px above the top,
out of reach). Where the window system or Qt's centring, which does not know the frame yet,
put it off the available area, it is moved onto it once shown."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def on_screen(d) -> bool:
    area = d.screen().availableGeometry()
    return area.contains(d.frameGeometry())


@pytest.mark.parametrize("where", ["above", "left", "below"])
def test_a_dialog_placed_off_the_screen_is_moved_onto_it(qtbot, make_dialog, where):
    harness = make_dialog()
    d = harness.dialog
    d.hide()
    area = d.screen().availableGeometry()
    spot = {
        "above": (area.left() + 20, area.top() - 20),
        "left": (area.left() - 40, area.top() + 10),
        "below": (area.left() + 20, area.bottom() - 100),
    }[where]
    d.move(*spot)  # where it was put before it showed
    d.open()
    qtbot.waitExposed(d)
    qtbot.waitUntil(lambda: on_screen(d), timeout=2000)
    assert d.frameGeometry().top() >= area.top()
