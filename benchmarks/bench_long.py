"""scroll_scaling, long_reply_open and long_line: one long message in the real window.

scroll_scaling: two MainWindows, offscreen, each showing a conversation of one question and one
reply, 200 KB of Markdown with ~190 code blocks vs 2 KB of the same text, wholly laid out
(the idle layout after the first show done) and scrolled into the reply. A sample is one
scroll step (the scroll bar's single step, down and up alternately, as a wheel notch), then
the event loop until the viewport has painted. Steps alternate between the windows.

long_reply_open: `MainWindow.open_paths([file])` of a conversation holding one 200 KB reply vs
one 2 KB reply, until the transcript's viewport has painted (bench_open's "shown"); opens of
the two files alternate, each closed before the next.

long_line: the same for a 1 MB reply that is one line without spaces vs 1 MB of words, with
a 5 ms heartbeat timer on the GUI thread through the open and the two seconds after it (the
idle layout of the rest): the longest gap is reported and must stay under 200 ms.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench_open import _PaintCounter, open_until_shown
from bench_reply import _Heartbeat
from common import (
    app_context,
    close_window,
    fake_server,
    gc_paused,
    log,
    make_window,
    ms,
    pump,
    qt_app,
    ratio_result,
    reply_with_code,
    wait_until,
    words_text,
)


def _conversation(reply: str):
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message

    conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4o")
    conv.append(Message("user", "Explain the invoice totals, with code."))
    conv.append(Message("assistant", reply))
    return conv


def _laid_out(app, window) -> None:
    delegate = window.transcript.delegate
    wait_until(app, lambda: not any(b.pending() for b in delegate._docs.values()), timeout=120)
    pump(app, 0.05)


def scroll(quick: bool) -> dict:
    app = qt_app()
    steps = 100 if quick else 400
    text = reply_with_code(200_000)
    with fake_server() as server:
        windows, paints = {}, {}
        for label, size in (("small", 2_000), ("large", 200_000)):
            window = make_window(app_context(server))
            window.open_session(_conversation(text[:size]))
            pump(app, 0.1)
            _laid_out(app, window)
            bar = window.transcript.verticalScrollBar()
            bar.setValue(bar.maximum() // 2 if label == "large" else bar.maximum())
            pump(app, 0.1)
            windows[label], paints[label] = window, _PaintCounter(window.transcript.viewport())
        times: dict[str, list[float]] = {"small": [], "large": []}
        for i in range(steps):
            for label in ("small", "large") if i % 2 == 0 else ("large", "small"):
                bar = windows[label].transcript.verticalScrollBar()
                step = bar.singleStep() if (i // 2) % 2 == 0 else -bar.singleStep()
                if label == "small":  # a short reply: step within what there is
                    step = -abs(step) if bar.value() >= bar.maximum() else abs(step)
                pump(app)
                with gc_paused():
                    start = time.perf_counter()
                    before = paints[label].count
                    bar.setValue(bar.value() + step)
                    while paints[label].count == before:
                        app.processEvents()
                    times[label].append(time.perf_counter() - start)
        heights = {k: w.transcript.verticalScrollBar().maximum() for k, w in windows.items()}
        for window in windows.values():
            window.session.set_modified(False)
            close_window(window)
    return ratio_result(
        "large", times["large"], "small", times["small"], "<= 2", 2.0,
        reply_kb=200, baseline_kb=2, scroll_range_px=heights,
    )  # fmt: skip


def _write(folder: Path, name: str, reply: str) -> Path:
    from chatdesk.core.fileformat import FORMAT, VERSION

    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Explain the invoice totals, with code."},
        {"role": "assistant", "content": reply},
    ]
    doc = {"format": FORMAT, "version": VERSION, "title": name, "model": "gpt-4o",
           "messages": messages}  # fmt: skip
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _show_once(app, window, path: Path, beat: _Heartbeat | None = None) -> tuple[float, float]:
    """(seconds until the transcript painted, longest heartbeat gap through the open and the
    two seconds after it, 0 without a heartbeat)."""
    paints = _PaintCounter(window.transcript.viewport())
    pump(app)
    if beat is not None:
        beat.start()
    with gc_paused():
        start = time.perf_counter()
        open_until_shown(app, window, path, paints)
        shown = time.perf_counter() - start
    gap = 0.0
    if beat is not None:
        pump(app, 2.0)
        gap = max(beat.stop())
    window.session.set_modified(False)
    window.close_current()
    pump(app, 0.05)
    return shown, gap


def _open_pair(quick: bool, replies: dict[str, str], runs: int, heartbeat: bool) -> tuple:
    app = qt_app()
    times: dict[str, list[float]] = {k: [] for k in replies}
    gaps: dict[str, list[float]] = {k: [] for k in replies}
    with tempfile.TemporaryDirectory() as tmp, fake_server() as server:
        paths = {k: _write(Path(tmp), k, v) for k, v in replies.items()}
        window = make_window(app_context(server))
        from chatdesk.ui import markdown

        markdown.warm_up()  # as after the app's first paint (app._warm_up_rendering)
        beat = _Heartbeat() if heartbeat else None
        labels = list(replies)
        _show_once(app, window, paths[labels[0]])  # untimed: first-use costs of the path
        for i in range(runs):
            for label in labels if i % 2 == 0 else labels[::-1]:
                shown, gap = _show_once(app, window, paths[label], beat)
                times[label].append(shown)
                gaps[label].append(gap)
        close_window(window)
    return times, gaps


def reply_open(quick: bool) -> dict:
    text = reply_with_code(200_000)
    times, _ = _open_pair(quick, {"small": text[:2_000], "large": text[:200_000]},
                          7 if quick else 21, heartbeat=False)  # fmt: skip
    return ratio_result("large", times["large"], "small", times["small"], "<= 3", 3.0,
                        reply_kb=200, baseline_kb=2)  # fmt: skip


def long_line(quick: bool) -> dict:
    replies = {"words": words_text(1_000_000), "no_spaces": "x" * 1_000_000}
    times, gaps = _open_pair(quick, replies, 3 if quick else 7, heartbeat=True)
    longest = max(gaps["no_spaces"])
    log(f"long_line: longest GUI gap {ms(longest)} ms")
    result = ratio_result("no_spaces", times["no_spaces"], "words", times["words"], "<= 3", 3.0,
                          reply_kb=1000)  # fmt: skip
    result["longest_gap_ms"] = ms(longest)
    result["words_longest_gap_ms"] = ms(max(gaps["words"]))
    result["met"] = result["met"] and longest <= 0.2
    result["target"] = "<= 3, no stall over 200 ms"
    return result
