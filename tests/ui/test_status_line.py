"""The status line: one line, elided, in its own colour (the disk warning is red)."""

from PySide6.QtGui import QColor

from chatdesk.ui.status_line import StatusLine


def test_long_text_is_one_elided_line_with_the_whole_text_in_the_tooltip(qtbot):
    line = StatusLine()
    qtbot.addWidget(line)
    line.resize(200, line.sizeHint().height())
    height = line.minimumSizeHint().height()
    line.setText("word " * 200)
    assert line.minimumSizeHint().height() == height
    assert line.toolTip() == "word " * 200


def test_the_disk_warning_is_painted_red(qtbot, window):
    window.show_disk_problem("settings", "Settings could not be saved (disk full).")
    qtbot.waitUntil(window.disk_warning.isVisible)
    image = window.disk_warning.grab().toImage()
    colours = {
        QColor(image.pixel(x, y)).name()
        for x in range(0, image.width(), 2)
        for y in range(image.height())
    }
    red = [c for c in colours if QColor(c).red() > 150 and QColor(c).green() < 90]
    assert red, sorted(colours)[:10]
    window.show_disk_problem("settings", "")
