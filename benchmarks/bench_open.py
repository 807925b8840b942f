"""open_scaling: open a conversation file and show it, 10 messages vs. 10,000.

The real `MainWindow.open_paths([file])` on a shown, offscreen window, timed until the
transcript's viewport has painted the conversation's messages ("shown": reading them off the GUI
thread, building the session, the list's layout and that paint; see `open_until_shown`), and
separately until the token meter is ready
(the tokenizer and the count of every message, which the window may finish in the background).
Opens of the two files alternate; each opened conversation is closed before the next open.
Peak memory is measured in a fresh process per file: the rise of the peak resident set size
(VmHWM, reset through /proc/self/clear_refs) over the resident size before the open.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    ratio_result,
    wait_until,
)


def write_file(folder: Path, n: int) -> Path:
    from common import api_messages

    from chatdesk.core.fileformat import FORMAT, VERSION

    messages = api_messages(n, seed=n, system="You are a helpful assistant.")
    doc = {
        "format": FORMAT, "version": VERSION, "title": f"{n} messages", "model": "gpt-4o",
        "messages": messages,
    }
    path = folder / f"conversation-{n}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


class _PaintCounter:
    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            count = 0

            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint:
                    Filter.count += 1
                return False

        self.filter = Filter(widget)
        self.cls = Filter
        widget.installEventFilter(self.filter)

    @property
    def count(self) -> int:
        return self.cls.count


def open_until_shown(app, window, path: Path, paints: _PaintCounter):
    """`window.open_paths([path])`, returning the session once its messages have painted.

    The file is read off the GUI thread, so the first paint after the call can be of the empty
    conversation that says it is opening; what the user waits for is its (newest) messages: a
    paint after they became rows."""
    window.open_paths([str(path)])
    session = window.session
    while session.loading and not session.model.rowCount():
        app.processEvents()
    before = paints.count
    while paints.count == before:
        app.processEvents()
    return session


def _open_once(app, window, path: Path) -> tuple[float, float]:
    """(seconds to shown, seconds to meter ready) for one open."""
    paints = _PaintCounter(window.transcript.viewport())
    pump(app)
    with gc_paused():
        start = time.perf_counter()
        session = open_until_shown(app, window, path, paints)
        shown = time.perf_counter() - start
        while session.budget is None or window.meter.state == "counting":
            app.processEvents()
        ready = time.perf_counter() - start
    assert session.path == path
    assert window.meter.summary.endswith("tokens")
    session.set_modified(False)
    window.close_current()
    pump(app, 0.02)
    return shown, ready


def open_alternately(
    app, window, paths: dict[str, Path], runs: int, name: str = "open"
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(shown, ready) seconds per label: each file opened `runs` times, the order of the two
    alternating from run to run, after one warm-up open of each."""
    (a, path_a), (b, path_b) = paths.items()
    for path in (path_a, path_b):
        _open_once(app, window, path)  # warm-up: first use of everything
    shown: dict[str, list[float]] = {a: [], b: []}
    ready: dict[str, list[float]] = {a: [], b: []}
    for i in range(runs):
        order = ((a, path_a), (b, path_b))
        for label, path in order if i % 2 == 0 else order[::-1]:
            s, r = _open_once(app, window, path)
            shown[label].append(s)
            ready[label].append(r)
        last = [f"{k} shown {ms(shown[k][-1])} ms, ready {ms(ready[k][-1])} ms" for k in (a, b)]
        log(f"{name} {i + 1}/{runs}: " + "; ".join(last))
    return shown, ready


def _memory_child(path: str) -> None:
    """In a fresh process: the rise of the peak RSS while opening `path`, in MB."""
    app = qt_app()
    with fake_server() as server:
        window = make_window(app_context(server))

        def status(key: str) -> int:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
            raise KeyError(key)

        pump(app, 0.1)
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = status("VmRSS")
        window.open_paths([path])
        session = window.session
        wait_until(app, lambda: session.budget is not None and window.meter.state != "counting")
        pump(app, 0.1)
        peak = status("VmHWM")
        print(json.dumps({"peak_rise_mb": round((peak - before) / 1024, 1)}))
        session.set_modified(False)
        close_window(window)


def _memory(path: Path) -> float | None:
    proc = subprocess.run(
        [sys.executable, __file__, "memory", str(path)], capture_output=True, text=True,
        env=os.environ, timeout=300,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)["peak_rise_mb"]
    log(f"open memory: no figure ({proc.stderr.strip()[-300:]})")
    return None


def run(quick: bool) -> dict:
    app = qt_app()
    runs = 7 if quick else 21
    folder = Path(tempfile.mkdtemp(prefix="open-", dir=os.environ["CHATDESK_HOME"]))
    small, large = write_file(folder, 10), write_file(folder, 10_000)
    with fake_server() as server:
        window = make_window(app_context(server))
        shown, ready = open_alternately(app, window, {"small": small, "large": large}, runs)
        close_window(window)
    return ratio_result(
        "large", shown["large"], "small", shown["small"], "<= 3", 3.0,
        large_meter_ready_ms=ms(median(ready["large"])),
        small_meter_ready_ms=ms(median(ready["small"])),
        meter_ready_ratio=round(median(ready["large"]) / median(ready["small"]), 3),
        large_file_kb=round(large.stat().st_size / 1024),
        large_peak_memory_mb=_memory(large),
        small_peak_memory_mb=_memory(small),
    )


if __name__ == "__main__" and sys.argv[1:2] == ["memory"]:
    _memory_child(sys.argv[2])


def run_100k(quick: bool) -> dict:
    """open_scaling_100k: 100,000 vs 10,000 messages, shown / meter ready / peak RSS rise."""
    app = qt_app()
    runs = 3 if quick else 7
    folder = Path(tempfile.mkdtemp(prefix="open100k-", dir=os.environ["CHATDESK_HOME"]))
    small, large = write_file(folder, 10_000), write_file(folder, 100_000)
    with fake_server() as server:
        window = make_window(app_context(server))
        shown, ready = open_alternately(
            app, window, {"small": small, "large": large}, runs, "open_100k"
        )
        close_window(window)
    shown_ratio = median(shown["large"]) / median(shown["small"])
    ready_ratio = median(ready["large"]) / median(ready["small"])
    large_mb, small_mb = _memory(large), _memory(small)
    memory_ratio = large_mb / small_mb if large_mb and small_mb else None
    met = shown_ratio <= 2 and ready_ratio <= 12 and memory_ratio is not None and memory_ratio <= 6
    return {
        "ratio": round(shown_ratio, 3), "target": "shown <= 2, meter ready <= 12, peak RSS <= 6",
        "met": met, "shown_large_ms": ms(median(shown["large"])),
        "shown_small_ms": ms(median(shown["small"])),
        "meter_ready_ratio": round(ready_ratio, 3),
        "ready_large_ms": ms(median(ready["large"])), "ready_small_ms": ms(median(ready["small"])),
        "peak_rss_ratio": round(memory_ratio, 2) if memory_ratio else None,
        "peak_rise_large_mb": large_mb, "peak_rise_small_mb": small_mb,
        "large_file_kb": round(large.stat().st_size / 1024), "runs": runs,
    }  # fmt: skip
