"""The token meter (ui/token_meter.py): counting, near and over the limit, estimates, usage,
its cost and how it paints."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from chatdesk.ui.token_meter import TokenMeter, status_color
from tests.support.accessibility import assert_accessible
from tests.support.trim_plans import make_plan

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- token meter -----------------------------------------------------------------------------
@pytest.fixture
def meter(qtbot):
    widget = TokenMeter()
    qtbot.addWidget(widget)
    widget.resize(700, widget.sizeHint().height())
    widget.show()
    return widget


def test_meter_counting_then_normal(meter, qtbot):
    assert meter.state == "counting"
    assert meter.summary == "Counting…"
    assert not meter.preview_button.isEnabled()
    meter.show_plan(make_plan())
    assert meter.state == "normal"
    # 400 + 800 + 34 + 3 priming the reply
    assert meter.summary == "1,237 + 250 reserved / 8,192 tokens"
    assert meter.note == ""
    assert meter.preview_button.isEnabled()
    assert meter.accessibleName() == "Token budget"
    assert "1,237 prompt tokens plus 250 reserved" in meter.accessibleDescription()
    assert "8,192-token limit" in meter.view.toolTip()
    with qtbot.waitSignal(meter.previewRequested):
        qtbot.mouseClick(meter.preview_button, Qt.MouseButton.LeftButton)
    meter.show_plan(None)
    assert meter.summary == "Counting…"


def test_meter_near_limit_warns(meter):
    # 7,000 of 8,192 is 85.4 %
    meter.show_plan(make_plan(history_tokens=6313))
    assert meter.state == "warning"
    meter.show_plan(make_plan(history_tokens=6000))
    assert meter.state == "normal"


def test_meter_over_limit_shows_the_error(meter):
    error = "The system prompt, the examples and the newest message need 9,999 tokens"
    meter.show_plan(make_plan(history_tokens=9000, fits=False, error=error, first_sent=4))
    assert meter.state == "error"
    assert meter.note == error  # the error wins over the dropped count
    assert meter.view.toolTip().startswith(error)
    assert error in meter.accessibleDescription()


def test_meter_estimate_and_dropped(meter):
    meter.show_plan(make_plan(estimate=True, first_sent=3))
    assert meter.summary == "≈1,237 + 250 reserved / 8,192 tokens (estimate)"
    assert meter.note == "3 older messages left out"
    assert "estimates" in meter.accessibleDescription()
    meter.show_plan(make_plan(first_sent=1))
    assert meter.note == "1 older message left out"


def test_meter_usage_check(meter):
    meter.show_plan(make_plan())
    meter.show_usage_check(1237, 1240)
    assert meter.usage_text == "API counted 1,240 (+3)"
    assert "the API counted 1,240" in meter.accessibleDescription()
    meter.show_usage_check(1237, 1235)
    assert meter.usage_text == "API counted 1,235 (-2)"
    meter.show_usage_check(1237, 1237)
    assert meter.usage_text == "matches the API"
    meter.show_usage_check(1237, None)
    assert meter.usage_text == ""
    assert "API" not in meter.accessibleDescription()


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_show_plan_is_cheap_and_never_relayouts(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    meter = TokenMeter(host)
    QVBoxLayout(host).addWidget(meter)
    host.show()
    meter.show_plan(make_plan())
    QApplication.processEvents()
    watcher = _LayoutRequests()
    for widget in (host, meter, meter.view, meter.preview_button):
        widget.installEventFilter(watcher)
    start = time.perf_counter()
    for i in range(1000):
        # Text widths change as the numbers grow; states flip between normal and warning.
        meter.show_plan(
            make_plan(draft_tokens=i * 7, history_tokens=5000 + i, estimate=bool(i % 2))
        )
    elapsed = time.perf_counter() - start
    QApplication.processEvents()
    assert watcher.count == 0
    assert elapsed < 1.0  # about 20 µs a call here; generous for slow CI machines


def test_meter_is_accessible(meter):
    assert_accessible(meter)


def _near(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _colors(meter: TokenMeter, rect: QRect) -> list[QColor]:
    image = meter.view.grab().toImage()
    return [image.pixelColor(x, y) for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)]  # fmt: skip


def test_meter_paints_the_bar_and_its_lines_in_each_state(meter):
    view, pal = meter.view, meter.view.palette()
    window = pal.color(QPalette.ColorRole.Window)
    line = view.fontMetrics().lineSpacing()
    width = view.width()
    bar = QRect(0, 0, width, 8)
    summary = QRect(0, 11, width // 2, line)
    second_right = QRect(width // 2, 11 + line, width // 2, line)

    def ink(rect: QRect) -> list[QColor]:
        return [c for c in _colors(meter, rect) if not _near(c, window, 10)]

    assert ink(bar)  # the track, before anything is counted
    assert any(_near(c, pal.color(QPalette.ColorRole.WindowText)) for c in ink(summary))
    assert not any(_near(c, pal.color(QPalette.ColorRole.Highlight)) for c in ink(bar))

    meter.show_plan(make_plan(history_tokens=3000))
    assert any(_near(c, pal.color(QPalette.ColorRole.Highlight), 8) for c in ink(bar))
    assert not ink(second_right)
    meter.show_usage_check(1237, 1240)
    assert ink(second_right)  # the usage check, at the right end

    error = "The system prompt, the examples and the newest message need 9,999 tokens"
    meter.show_plan(make_plan(history_tokens=9000, fits=False, error=error, first_sent=4))
    red = status_color("error", pal)
    assert any(_near(c, red) for c in ink(summary))


def test_the_meter_names_image_detail_auto_as_why_it_estimates(qtbot, window, tmp_path):
    # Tester: `chatdesk tokens` named "tool calls, tool definitions or some content parts" for
    # an image sent with detail "auto"; the meter's tooltip says what the command line says.
    from tests.support.images import auto_detail_file
    from tests.support.opening import open_and_wait

    open_and_wait(qtbot, window, [str(auto_detail_file(tmp_path))])
    why = (
        'Counts are estimates: an image\'s detail "auto" is counted as "high" (the service '
        "chooses)."
    )
    qtbot.waitUntil(lambda: why in window.meter.view.toolTip(), timeout=10_000)
