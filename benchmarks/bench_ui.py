"""autosave_stall and preview_scaling: work that used to walk the whole conversation on the
GUI thread.

autosave_stall: two real windows, one on 10,000 messages and one on 10; a change is made
(untimed), then the GUI thread's share of one autosave is timed: `Autosaver.save_changed()`
(what its timer calls) plus the event-loop turn that handles the written copy. Saves alternate
between the windows; each waits for the previous one's copy to be written.

preview_scaling: "What will be sent" (Ctrl+I, `MainWindow.show_preview`) on 25,000 messages vs
20, until the dialog's table has painted; closed between opens, which alternate.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench_open import _PaintCounter
from common import (
    app_context,
    close_window,
    fake_server,
    gc_paused,
    history,
    make_window,
    pump,
    qt_app,
    ratio_result,
    wait_until,
)


def _window(app, server, n: int, path: Path | None = None):
    """A window showing a conversation of `n` messages: a new (library) one, or the user's own
    file at `path`."""
    from chatdesk.core.conversation import Conversation

    window = make_window(app_context(server))
    conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4.1")
    for m in history(n, seed=3):
        conv.append(m)
    session = window.open_session(conv, path)
    wait_until(app, lambda: session.budget is not None and session.plan is not None, 120)
    pump(app, 0.2)
    return window


def autosave(quick: bool) -> dict:
    app = qt_app()
    runs = 15 if quick else 41
    times: dict[str, list[float]] = {"small": [], "large": []}
    # The user's own files: a library conversation is kept by the library, not by recovery
    # copies (until session 9 this measured windows whose autosave wrote nothing at all).
    files = Path(os.environ["CHATDESK_HOME"])
    with fake_server() as server:
        windows = {
            "small": _window(app, server, 10, files / "small.chatdesk.json"),
            "large": _window(app, server, 10_000, files / "large.chatdesk.json"),
        }
        for i in range(runs):
            for label in ("small", "large") if i % 2 == 0 else ("large", "small"):
                window = windows[label]
                saver = window.autosaver
                window.session.conversation.title = f"change {i}"
                window.session.set_modified()
                wait_until(app, lambda s=saver: s.wait(0) and s._worker is None)
                pump(app)
                with gc_paused():
                    start = time.perf_counter()
                    saver.save_changed()
                    spent = time.perf_counter() - start
                    while saver._worker is not None:  # the copy is written on the pool
                        time.sleep(0.0005)
                        if saver.wait(0):
                            turn = time.perf_counter()
                            app.processEvents()  # delivers the result: GUI time again
                            spent += time.perf_counter() - turn
                times[label].append(spent)
        entries = len(windows["large"].autosaver.store.entries())
        if not entries:
            raise RuntimeError("autosave wrote no recovery copy: nothing was measured")
        for window in windows.values():
            window.session.set_modified(False)
            close_window(window)
    return ratio_result(
        "large", times["large"], "small", times["small"], "<= 2", 2.0,
        messages={"large": 10_000, "small": 10}, copies_written=entries,
    )  # fmt: skip


def preview(quick: bool) -> dict:
    app = qt_app()
    runs = 7 if quick else 21
    times: dict[str, list[float]] = {"small": [], "large": []}
    rows: dict[str, int] = {}
    with fake_server() as server:
        windows = {"small": _window(app, server, 20), "large": _window(app, server, 25_000)}
        for i in range(runs + 1):
            for label in ("small", "large") if i % 2 == 0 else ("large", "small"):
                window = windows[label]
                pump(app)
                with gc_paused():
                    start = time.perf_counter()
                    window.show_preview()
                    paints = _PaintCounter(window.preview.table.viewport())
                    while paints.count == 0:
                        app.processEvents()
                    elapsed = time.perf_counter() - start
                rows[label] = window.preview.table.model().rowCount()
                window.preview.close()
                pump(app, 0.02)
                if i:  # the first open of each is a warm-up
                    times[label].append(elapsed)
        for window in windows.values():
            close_window(window)
    return ratio_result("large", times["large"], "small", times["small"], "<= 3", 3.0,
                        messages={"large": 25_000, "small": 20}, table_rows=rows)  # fmt: skip
