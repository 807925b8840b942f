"""stream_scaling: one streamed chunk applied to the transcript and painted.

Two real MainWindows, offscreen, scrolled to the bottom: one on an empty conversation, one on
2,000 messages. Each has a reply streaming into a new assistant row (set up as ChatSession does:
an incomplete assistant message, `set_streaming`). A chunk takes ChatSession's own path for a
delta (`_on_event(ReplyDelta)`, then the flush that calls `model.append_content`), then the
event loop runs until idle: the delegate's height update, the list's layout, and the paint
event the change caused (the region Qt marked dirty; each sample checks that the viewport
painted). Chunks alternate between the windows.

Not `viewport().repaint()`: that repaints every card on screen, so it measures how many cards
fit in the viewport (one in the empty window, five in the long one), not the history's length;
with it the ratio on this machine is ~1.7 for that reason alone (see README).
"""

from __future__ import annotations

import time

from common import (
    app_context,
    close_window,
    fake_server,
    gc_paused,
    history,
    log,
    make_window,
    pump,
    qt_app,
    ratio_result,
    wait_until,
)

WORDS = ("The", "answer", "depends", "on", "the", "deployment", "and", "on", "what", "the",
         "reply", "reserve", "leaves", "free")  # fmt: skip


def run(quick: bool) -> dict:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message, MessageMeta
    from chatdesk.service.events import ReplyDelta

    app = qt_app()
    chunks = 120 if quick else 600
    with fake_server() as server:
        windows = {}
        for label, n in (("empty", 0), ("large", 2000)):
            window = make_window(app_context(server))
            conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4o")
            for m in history(n, seed=5):
                conv.append(m)
            if n:
                conv.append(Message("user", "And one more question?"))
            session = window.open_session(conv)
            wait_until(app, lambda s=session: s.budget is not None)
            pump(app, 0.1)
            session._reply_index = session.model.append(
                Message("assistant", "", meta=MessageMeta(incomplete=True))
            )
            session.model.set_streaming(session._reply_index)
            window.transcript.scrollToBottom()
            pump(app, 0.1)
            windows[label] = window
        log(f"stream: {windows['large'].session.model.rowCount():,} rows vs "
            f"{windows['empty'].session.model.rowCount()}")
        from bench_open import _PaintCounter

        paints = {k: _PaintCounter(w.transcript.viewport()) for k, w in windows.items()}
        times: dict[str, list[float]] = {"empty": [], "large": []}
        for i in range(chunks):
            text = WORDS[i % len(WORDS)] + ("\n\n" if i % 25 == 24 else " ")
            for label in ("empty", "large") if i % 2 == 0 else ("large", "empty"):
                window = windows[label]
                session = window.session
                pump(app)
                with gc_paused():
                    start = time.perf_counter()
                    before = paints[label].count
                    session._on_event(ReplyDelta(text))
                    session._apply_pending()
                    app.processEvents()
                    elapsed = time.perf_counter() - start
                if paints[label].count == before:
                    raise AssertionError("the streamed chunk was not painted")
                times[label].append(elapsed)
        bar = windows["large"].transcript.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        for window in windows.values():
            window.session.model.set_streaming(None)
            close_window(window)
    return ratio_result(
        "large", times["large"], "empty", times["empty"], "<= 1.5", 1.5,
        rows=2001, chunks=chunks, still_at_bottom=at_bottom,
    )
