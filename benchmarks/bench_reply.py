"""stream_reply_scaling and stream_stall: streaming a long reply with code.

stream_reply_scaling: two real MainWindows, offscreen, scrolled to the bottom, each with a
reply streaming into a new assistant row (as ChatSession._start_reply sets it up). One reply
already holds 200 KB of Markdown with ~190 highlighted code blocks, the other 2 KB of the same
text. A sample is one flush of 40 more characters of that text (code included) through
ChatSession's own path (`_on_event(ReplyDelta)`, `_apply_pending()` → `append_content`), then
the event loop until idle: the delegate's render and height update, the list's layout and the
paint of the dirty region (each sample checks the viewport painted). Samples alternate between
the windows; every 50 samples both replies are set back to their starting length (untimed),
so the small one stays small.

stream_stall: the real request path against the loopback FakeAzure (warmed up as a window is
after its first paint: rendering libraries and SDK imported): `ChatSession.send`, the server
streaming a 200 KB reply with code in 40-character chunks at 500 chunks/s, while a 5 ms
heartbeat QTimer on the GUI thread records its ticks. The figure is the longest gap between
ticks while streaming, against the longest gap of the same window idle for as long (idle and
streaming periods alternate); p99 gaps are reported beside.
"""

from __future__ import annotations

import time

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
)

LARGE, SMALL, CHUNK = 200_000, 2_000, 40


def _streaming_window(app, server, text: str):
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message, MessageMeta

    window = make_window(app_context(server))
    conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4o")
    conv.append(Message("user", "Explain the invoice totals, with code."))
    session = window.open_session(conv)
    wait_until(app, lambda: session.budget is not None)
    session._reply_index = session.model.append(
        Message("assistant", text, meta=MessageMeta(incomplete=True))
    )
    session.model.set_streaming(session._reply_index)
    window.transcript.scrollToBottom()
    _laid_out(app, window)
    return window


def _laid_out(app, window) -> None:
    """Until the reply is wholly laid out (the idle slices after a first show are done)."""
    session = window.session
    uid = session.model.message(session._reply_index).uid
    body = window.transcript.delegate._docs.get(uid)
    wait_until(app, lambda: body is None or not body.pending(), timeout=60)
    pump(app, 0.05)


def scaling(quick: bool) -> dict:
    from bench_open import _PaintCounter

    from chatdesk.service.events import ReplyDelta

    app = qt_app()
    samples = 150 if quick else 500
    text = reply_with_code(LARGE + CHUNK * 60)
    starts = {"small": SMALL, "large": LARGE}
    with fake_server() as server:
        windows = {k: _streaming_window(app, server, text[:n]) for k, n in starts.items()}
        paints = {k: _PaintCounter(w.transcript.viewport()) for k, w in windows.items()}
        offsets = dict(starts)
        times: dict[str, list[float]] = {"small": [], "large": []}
        for i in range(samples):
            if i % 50 == 0 and i:
                for label, window in windows.items():
                    offsets[label] = starts[label]
                    session = window.session
                    session.model.set_content(session._reply_index, text[: starts[label]])
                    window.transcript.scrollToBottom()
                    _laid_out(app, window)
            for label in ("small", "large") if i % 2 == 0 else ("large", "small"):
                session = windows[label].session
                at = offsets[label]
                delta = text[at : at + CHUNK]
                offsets[label] = at + CHUNK
                pump(app)
                with gc_paused():
                    start = time.perf_counter()
                    before = paints[label].count
                    session._on_event(ReplyDelta(delta))
                    session._apply_pending()
                    app.processEvents()
                    while paints[label].count == before:  # a layout may defer the paint a turn
                        if time.perf_counter() - start > 5:
                            raise AssertionError(f"the chunk was not painted: {label} {i}")
                        app.processEvents()
                    elapsed = time.perf_counter() - start
                times[label].append(elapsed)
        bar = windows["large"].transcript.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        renders = windows["large"].transcript.delegate.render_count
        for window in windows.values():
            window.session.model.set_streaming(None)
            close_window(window)
    return ratio_result(
        "large", times["large"], "small", times["small"], "<= 2", 2.0,
        reply_kb=LARGE // 1000, baseline_kb=SMALL // 1000, chunk_chars=CHUNK,
        code_blocks=text[:LARGE].count("```python"), still_at_bottom=at_bottom,
        large_max_ms=ms(max(times["large"])), renders_large=renders,
    )  # fmt: skip


class _Heartbeat:
    """A 5 ms precise timer on the GUI thread; `gaps()` are the intervals between its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer(interval=5)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _counted(app, session) -> None:
    """Until a new conversation's token count is ready. A new conversation counts in the
    background (a moment, or seconds on a loaded machine); sent before that, `send` only queues
    the request until it is ready and `busy` stays False, so waiting for the reply to end
    returned at once with the user's message last: "the reply was not received whole"."""
    wait_until(app, lambda: session.budget is not None, timeout=120)


def stall(quick: bool) -> dict:
    from tests.support.fake_azure import Reply

    app = qt_app()
    text = reply_with_code(LARGE)[:LARGE]
    rounds = 1 if quick else 2
    gaps: dict[str, list[float]] = {"idle": [], "stream": []}
    seconds: list[float] = []
    with fake_server() as server:
        window = make_window(app_context(server))
        beat = _Heartbeat()
        # As a user's window is by the time they send: the app has imported the rendering
        # libraries after its first paint (app._warm_up_rendering) and the SDK (warm_up).
        from chatdesk.ui import markdown

        markdown.warm_up()
        server.enqueue(Reply("Ready.", chunk_size=2))
        warm = window.new_conversation()
        _counted(app, warm)
        assert warm.send("Ready?")
        wait_until(app, lambda: not warm.busy, timeout=60)
        assert warm.model.message(warm.model.rowCount() - 1).content == "Ready."
        warm.set_modified(False)
        for _ in range(rounds):
            session = window.new_conversation()
            _counted(app, session)
            pump(app, 0.2)
            server.enqueue(Reply(text, chunk_size=CHUNK, delay=0.002))
            errors: list = []
            session.failed.connect(errors.append)
            beat.start()
            started = time.perf_counter()
            assert session.send("Explain the invoice totals, with code.")
            assert session.busy, "the request did not start"
            wait_until(app, lambda s=session: not s.busy, timeout=300)
            took = time.perf_counter() - started
            gaps["stream"] += beat.stop()
            seconds.append(took)
            reply = session.model.message(session.model.rowCount() - 1)
            assert reply.content == text, (
                f"the reply was not received whole: {len(reply.content)} of {len(text)} "
                f"characters in {took:.1f} s, finish_reason {reply.meta.finish_reason!r}, "
                f"errors {[f'{e.title}: {e.message}' for e in errors]}, "
                f"{len(server.requests())} requests"
            )
            pump(app, 0.3)
            beat.start()
            pump(app, took)
            gaps["idle"] += beat.stop()
        session.set_modified(False)
        close_window(window)
    longest = {k: max(v) for k, v in gaps.items()}
    ratio = longest["stream"] / longest["idle"]
    log(f"stall: stream {ms(longest['stream'])} ms, idle {ms(longest['idle'])} ms")
    return {
        "ratio": round(ratio, 3), "target": "<= 5", "met": ratio <= 5,
        "stream_longest_ms": ms(longest["stream"]), "idle_longest_ms": ms(longest["idle"]),
        "stream_p99_ms": ms(_p99(gaps["stream"])), "idle_p99_ms": ms(_p99(gaps["idle"])),
        "stream_seconds": round(sum(seconds) / len(seconds), 2), "reply_kb": LARGE // 1000,
        "chunks_per_s": 500, "runs": rounds,
    }  # fmt: skip
