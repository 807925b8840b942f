"""The window at 800×600 and at 200 % scaling: the side panels give way to the transcript, the
window's minimum size fits, and nothing in a card is drawn outside it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QRect

from chatdesk.ui.panel_fit import CENTRE_MIN
from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle

ROOT = Path(__file__).resolve().parents[2]


def fitted(qtbot, window, width, height):
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.splitter.sizes()[1] >= min(CENTRE_MIN, width - 40))


def test_at_800_by_600_the_transcript_keeps_its_room(qtbot, window):
    window.side.setCurrentIndex(2)  # the parameters: the widest page, built
    assert window.params_panel.isVisible()
    window.resize(1260, 780)
    qtbot.wait(20)
    assert window.splitter.sizes()[2] > 0
    fitted(qtbot, window, 800, 600)
    assert (window.width(), window.height()) == (800, 600)
    hint = window.minimumSizeHint()
    assert hint.width() <= 800
    assert hint.height() <= 600
    assert window.transcript.width() >= CENTRE_MIN - 20  # the list's own margins
    assert window.splitter.sizes()[2] == 0  # the right panel gave way...
    assert not window.side_action.isChecked()
    window.side_action.trigger()  # ...and Ctrl+B brings it back
    assert window.splitter.sizes()[2] > 0
    # Narrowed again, it gives way again; wide again, it comes back by itself.
    window.resize(1000, 600)
    qtbot.wait(20)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] == 0)
    window.resize(1260, 780)
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] > 0)
    assert window.side_action.isChecked()


def test_a_narrow_card_wraps_its_actions_inside_it(qtbot, window, server):
    server.enqueue(Reply(text="```python\nprint(1)\n```\nsome text"))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    index = window.session.model.index(1)
    lay = window.transcript.delegate.layout(QRect(0, 0, 260, 0), index)
    assert len(lay.actions) >= 3
    for _action, rect in lay.actions:
        assert lay.card.contains(rect), (rect, lay.card)
    assert lay.info is None or lay.card.contains(lay.info)


SCALED = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication
    from chatdesk.core.settings import Settings
    from chatdesk.service.connections import Connections
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.main_window import MainWindow

    app = QApplication([])
    settings = Settings()
    connections = Connections(settings, env={})
    window = MainWindow(AppContext(settings, connections, service=None))
    window.open_paths([])
    window.resize(800, 600)
    window.show()
    for _ in range(50):
        app.processEvents()
    hint = window.minimumSizeHint()
    print(window.devicePixelRatio(), window.width(), window.height(), hint.width(),
          hint.height(), *window.splitter.sizes())
    for session in window.sessions:
        session.shutdown()
    """
)


def test_at_200_percent_the_window_fits_800_by_600_logical_pixels(tmp_path):
    env = {
        **os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": "offscreen",
        "CHATDESK_HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", SCALED], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    ratio, width, height, min_w, min_h, _left, centre, _right = out.stdout.split()
    assert float(ratio) == 2.0
    assert (int(width), int(height)) == (800, 600)
    assert int(min_w) <= 800
    assert int(min_h) <= 600
    assert int(centre) >= CENTRE_MIN


def priced(qtbot, window):
    """Prices for the window's deployment, as the tester set them ($ per 1M tokens)."""
    from decimal import Decimal

    from chatdesk.core.pricing import Prices

    profile = window.context.connections.profile("test")
    profile.prices = {"gpt-4o": Prices(Decimal("2.50"), Decimal("1.25"), Decimal("10"))}
    window.refresh_profiles()
    qtbot.waitUntil(lambda: window.session.budget is not None)  # counting again after the edit
    qtbot.waitUntil(lambda: window.meter.cost_text.startswith("next ≈ $"))


def test_ctrl_b_at_800_by_600_keeps_the_transcripts_room_and_gives_it_back(qtbot, window):
    # Reported: at 800×600, Ctrl+B brought the right panel back but squeezed the transcript to
    # ~245 px ("16 + 4,096 reser…"), and widening back left the transcript ~400 px.
    window.resize(1280, 860)
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] > 0)
    qtbot.wait(50)
    wide_centre = window.splitter.sizes()[1]
    natural = window.side.sizeHint().width()  # the parameters' fields, without scrolling
    assert window.splitter.sizes()[2] >= natural
    fitted(qtbot, window, 800, 600)
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] == 0)
    window.side_action.trigger()  # Ctrl+B
    qtbot.wait(50)
    left, centre, right = window.splitter.sizes()
    assert right > 0
    assert centre >= CENTRE_MIN, (left, centre, right)  # the library list made room
    assert window.transcript.width() >= CENTRE_MIN - 20
    assert window.meter.view.clipped() == []
    window.resize(1280, 860)
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] > 0)  # the list comes back by itself
    qtbot.wait(50)
    left, centre, right = window.splitter.sizes()
    assert right >= natural  # widened back to its fields' width
    assert centre >= wide_centre - 40, (wide_centre, window.splitter.sizes())


def test_the_meter_is_never_clipped_with_prices_set(qtbot, window, server):
    # Reported at 1280×860: "… / 128,0…  next ≈ $0.00023 · spent $0.00…".
    priced(qtbot, window)
    server.enqueue(Reply(text="hello there"))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    window.composer.set_text("and one more question about the weather, please")
    for size in ((1280, 860), (800, 600)):
        window.resize(*size)
        qtbot.wait(100)
        meter = window.meter
        assert meter.usage_text
        assert meter.cost_text
        assert meter.view.clipped() == [], size
    window.side_action.trigger()  # Ctrl+B at 800×600
    qtbot.wait(100)
    assert window.meter.view.clipped() == []
    assert "The next request" in window.meter.view.toolTip()  # the whole of it, in the tooltip


def test_a_replys_facts_wrap_on_a_narrow_card_instead_of_losing_the_cost(qtbot, window, server):
    # Seen at 800×600 with Ctrl+B: "… · 0.8 s · $…", the reply's cost cut off.
    priced(qtbot, window)
    server.enqueue(Reply(text="Hello! How can I help?"))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    index = window.session.model.index(1)
    delegate = window.transcript.delegate
    lay = delegate.layout(QRect(0, 0, 300, 0), index)
    assert "$" in lay.info_text
    metrics = delegate.metrics()
    assert metrics.small_fm.horizontalAdvance(lay.info_text) > lay.info.width()
    assert lay.info.height() >= 2 * metrics.small_line  # wrapped, every word shown
    assert lay.card.contains(lay.info)
    for _action, rect in lay.actions:
        assert not rect.intersects(lay.info)


def test_the_list_comes_back_to_its_width_when_a_small_window_grows_again(qtbot, window):
    # Reported: 800×600, then 1180×780 again: the list stayed ~140 px wide.
    window.side.setCurrentIndex(2)  # the parameters page, as in the report
    window.resize(1180, 780)
    qtbot.wait(50)
    before = window.splitter.sizes()
    assert before[0] >= 180
    fitted(qtbot, window, 800, 600)
    qtbot.wait(50)
    assert window.splitter.sizes()[0] < before[0]
    window.resize(1180, 780)
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] >= before[0], timeout=2000)
    assert window.splitter.sizes()[1] >= CENTRE_MIN


def test_a_list_width_the_user_dragged_is_kept_through_a_small_window(qtbot, window):
    from PySide6.QtCore import QPoint, Qt

    window.resize(1180, 780)
    qtbot.wait(50)
    splitter = window.splitter
    handle = splitter.handle(1)
    start = splitter.sizes()[0]
    # The user drags the list's edge 40 px to the left, on purpose.
    middle = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=middle)
    qtbot.mouseMove(handle, middle + QPoint(-20, 0))
    qtbot.mouseMove(handle, middle + QPoint(-40, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=middle + QPoint(-40, 0))
    dragged = splitter.sizes()[0]
    assert dragged <= start - 30
    fitted(qtbot, window, 800, 600)
    window.resize(1180, 780)
    qtbot.wait(100)
    assert splitter.sizes()[0] == dragged  # not widened back over the user's choice
