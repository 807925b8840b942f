"""jump_scaling: going somewhere else in a long conversation, 100,000 messages vs 100.

Two MainWindows, offscreen, each showing a conversation file opened as a user opens it
(`open_paths`; its tokens counted before timing starts): 100 messages and 100,000. A sample is
one thing a reader does to get elsewhere, through the real input: Ctrl+Home, Ctrl+End, PageUp
and PageDown as key events to the focused transcript (`QTest.keyClick`), and the scroll bar's
thumb dragged with the mouse to the top edge, to the middle and to the bottom edge (the press
and the release are not timed, the move is), timed to the end of the first paint of the
transcript's viewport that shows the result: for Ctrl+Home and the thumb at the top, the first
message at the top with the bar at its minimum; for Ctrl+End and the thumb at the bottom, the
last message at the bottom with the bar at its maximum; for PageUp and PageDown, a paint after
the current message moved; for the thumb dragged to the middle, a paint after the bar moved.
The two windows take turns sample by sample (the order swapped every round). The ratio is the
worst of the actions' median ratios (each action's is reported); target <= 1.5.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench_open import _PaintCounter, open_until_shown, write_file
from common import (
    app_context,
    close_window,
    fake_server,
    gc_paused,
    log,
    make_window,
    median,
    ms,
    pump,
    qt_app,
    wait_until,
)

SIZES = {"small": 100, "large": 100_000}


class _PaintWatch:
    """An event filter on the viewport: the time of the first paint at which `condition()`
    holds (checked as the paint event arrives: what it paints is that state)."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        watch = self

        class Filter(QObject):
            def eventFilter(self, watched, event):
                if (
                    event.type() == QEvent.Type.Paint
                    and watch.painted is None
                    and watch.condition is not None
                    and watch.condition()
                ):
                    watch.painted = time.perf_counter()
                return False

        self.painted: float | None = None
        self.condition = None
        self.filter = Filter(widget)
        widget.installEventFilter(self.filter)

    def until(self, app, condition, act) -> float:
        """Seconds from `act()` to the end of the event-loop pass whose paint of the viewport
        found `condition()` holding (the paint itself included)."""
        self.painted, self.condition = None, condition
        deadline = time.monotonic() + 30
        with gc_paused():
            start = time.perf_counter()
            act()
            while self.painted is None:
                app.processEvents()
                if time.monotonic() > deadline:
                    raise TimeoutError("the transcript did not paint the result")
            end = time.perf_counter()
        self.condition = None
        return end - start


def _first_shown(view) -> int | None:
    """The history index of the message at the top of the viewport."""
    from PySide6.QtCore import QPoint

    from chatdesk.ui.card_layout import MARGIN_X

    index = view.indexAt(QPoint(MARGIN_X + 1, 1))
    return view.transcript().history_index(index.row()) if index.isValid() else None


def _last_shown(view) -> int | None:
    from PySide6.QtCore import QPoint

    from chatdesk.ui.card_layout import MARGIN_X

    index = view.indexAt(QPoint(MARGIN_X + 1, view.viewport().height() - 2))
    return view.transcript().history_index(index.row()) if index.isValid() else None


def _thumb(bar):
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    option = QStyleOptionSlider()
    bar.initStyleOption(option)
    return bar.style().subControlRect(
        QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarSlider, bar
    )


class _Reader:
    """One window, its conversation of `n` messages, and the reader's moves in it."""

    def __init__(self, app, window, n: int) -> None:
        self.app, self.window, self.n = app, window, n
        self.view = window.transcript
        self.bar = self.view.verticalScrollBar()
        self.watch = _PaintWatch(self.view.viewport())

    def key(self, key, modifier=None) -> float:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        modifier = modifier if modifier is not None else Qt.KeyboardModifier.NoModifier
        self.view.setFocus()
        pump(self.app)
        bar, view = self.bar, self.view
        before = view.transcript().history_index(view.currentIndex().row())
        if key == Qt.Key.Key_Home:
            done = lambda: _first_shown(self.view) == 0 and bar.value() == bar.minimum()  # noqa: E731
        elif key == Qt.Key.Key_End:
            done = lambda: _last_shown(self.view) == self.n - 1 and bar.value() == bar.maximum()  # noqa: E731
        else:  # PageUp / PageDown move the current message a page (scrolling if need be)
            done = lambda: view.transcript().history_index(view.currentIndex().row()) != before  # noqa: E731
        took = self.watch.until(self.app, done, lambda: QTest.keyClick(self.view, key, modifier))
        pump(self.app, 0.02)  # the rows measured by that paint laid out again, untimed
        return took

    def drag(self, where: str) -> float:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        bar, left = self.bar, Qt.MouseButton.LeftButton
        grab = _thumb(bar).center()
        y = {"top": -20, "bottom": bar.height() + 20, "middle": bar.height() // 2}[where]
        if where == "middle" and abs(grab.y() - y) < 10:
            y += bar.height() // 4  # a move it makes
        QTest.mousePress(bar, left, Qt.KeyboardModifier.NoModifier, grab)
        pump(self.app)
        before = bar.value()
        if where == "top":
            done = lambda: _first_shown(self.view) == 0 and bar.value() == bar.minimum()  # noqa: E731
        elif where == "bottom":
            done = lambda: _last_shown(self.view) == self.n - 1 and bar.value() == bar.maximum()  # noqa: E731
        else:
            done = lambda: bar.value() != before  # noqa: E731
        to = QPoint(grab.x(), y)
        took = self.watch.until(self.app, done, lambda: QTest.mouseMove(bar, to))
        QTest.mouseRelease(bar, left, Qt.KeyboardModifier.NoModifier, to)
        pump(self.app, 0.02)
        return took


def _moves():
    from PySide6.QtCore import Qt

    ctrl = Qt.KeyboardModifier.ControlModifier
    return [
        ("ctrl_home", lambda r: r.key(Qt.Key.Key_Home, ctrl)),
        ("page_down", lambda r: r.key(Qt.Key.Key_PageDown)),
        ("thumb_middle", lambda r: r.drag("middle")),
        ("ctrl_end", lambda r: r.key(Qt.Key.Key_End, ctrl)),
        ("page_up", lambda r: r.key(Qt.Key.Key_PageUp)),
        ("thumb_top", lambda r: r.drag("top")),
        ("thumb_bottom", lambda r: r.drag("bottom")),
    ]


def run(quick: bool) -> dict:
    app = qt_app()
    rounds = 5 if quick else 15
    folder = Path(tempfile.mkdtemp(prefix="jump-", dir=os.environ["CHATDESK_HOME"]))
    with fake_server() as server:
        readers = {}
        for label, n in SIZES.items():
            window = make_window(app_context(server))
            path = write_file(folder, n)  # n messages after the system message
            paints = _PaintCounter(window.transcript.viewport())
            session = open_until_shown(app, window, path, paints)
            wait_until(app, lambda s=session: s.budget is not None, timeout=300)
            pump(app, 0.5)
            readers[label] = _Reader(app, window, len(session.conversation))
        moves = _moves()
        times: dict[str, dict[str, list[float]]] = {m: {k: [] for k in SIZES} for m, _ in moves}
        for _name, move in moves:  # once untimed: first use of each path
            for reader in readers.values():
                move(reader)
        for i in range(rounds):
            for name, move in moves:
                for label in list(SIZES) if i % 2 == 0 else list(SIZES)[::-1]:
                    times[name][label].append(move(readers[label]))
            log(f"jump {i + 1}/{rounds}: " + ", ".join(
                f"{name} {ms(times[name]['large'][-1])}/{ms(times[name]['small'][-1])} ms"
                for name, _ in moves
            ))  # fmt: skip
        rows = {k: r.view.transcript().rowCount() for k, r in readers.items()}
        for reader in readers.values():
            close_window(reader.window)
    ratios = {name: round(median(t["large"]) / median(t["small"]), 3) for name, t in times.items()}
    worst = max(ratios.values())
    return {
        "ratio": worst, "target": "<= 1.5 (the worst action's)", "met": worst <= 1.5,
        "ratios": ratios,
        "large_ms": {name: ms(median(t["large"])) for name, t in times.items()},
        "small_ms": {name: ms(median(t["small"])) for name, t in times.items()},
        "messages": SIZES, "rows_after": rows, "runs": rounds,
    }  # fmt: skip
