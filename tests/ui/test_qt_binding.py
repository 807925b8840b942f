"""The Qt binding must keep Python's reference counts: PySide6 6.12.0 on Python 3.11 took a
reference off None with every void call and aborted the interpreter after a few thousand."""

import sys

from PySide6.QtCore import QObject, QRect


def test_qt_calls_keep_reference_counts_of_none_true_false(qapp):
    obj, rect = QObject(), QRect(0, 0, 1, 1)
    before = [sys.getrefcount(x) for x in (None, True, False)]
    for _ in range(500):
        rect.setWidth(5)
        obj.setObjectName("x")
        rect.isEmpty()
        obj.blockSignals(False)
    after = [sys.getrefcount(x) for x in (None, True, False)]
    # 2,000 calls: a leaking binding loses ~2,000; allow a little unrelated noise.
    assert min(b - a for a, b in zip(before, after, strict=True)) > -100
