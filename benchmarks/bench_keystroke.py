"""keystroke_scaling: one keystroke in the draft, with an empty history vs. 100,000 tokens.

Two real MainWindows, offscreen: one on a conversation with no history, one on a conversation of
about 100,000 tokens (gpt-4o, 128k window: nothing is trimmed, every sum matters). A key event
goes to `window.composer.input`, which takes the window's own path: draftChanged ->
ChatSession.set_draft -> Budget.plan -> TokenMeter.show_plan + TranscriptModel.set_first_sent;
then the event loop runs until idle, so the meter's (and anything else's) repaint is included.
The draft is steady: a sentence, then alternately "x" typed and Backspace.
"""

from __future__ import annotations

from common import (
    app_context,
    close_window,
    fake_server,
    gc_paused,
    history_of_tokens,
    log,
    make_window,
    pump,
    qt_app,
    ratio_result,
    wait_until,
)

DRAFT = "Could you summarise what we decided about the refund policy, in three bullet points? "


def run(quick: bool) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from chatdesk.core.conversation import Conversation

    app = qt_app()
    keys = 60 if quick else 300
    with fake_server() as server:
        windows = {}
        for label, messages in (("empty", []), ("large", history_of_tokens(100_000))):
            window = make_window(app_context(server))
            conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4o")
            for m in messages:
                conv.append(m)
            session = window.open_session(conv)
            wait_until(app, lambda s=session: s.budget is not None)
            window.transcript.scrollToBottom()
            window.composer.input.setFocus()
            window.composer.set_text(DRAFT)
            pump(app, 0.1)
            windows[label] = window
        history_tokens = windows["large"].session.plan.history_tokens
        log(f"keystroke: large history {history_tokens:,} tokens, "
            f"{len(windows['large'].session.conversation):,} messages")
        times: dict[str, list[float]] = {"empty": [], "large": []}
        import time

        for i in range(keys):
            key = "x" if i % 2 == 0 else Qt.Key.Key_Backspace
            for label in ("empty", "large") if i % 4 < 2 else ("large", "empty"):
                window = windows[label]
                pump(app)
                with gc_paused():
                    start = time.perf_counter()
                    QTest.keyClick(window.composer.input, key)
                    app.processEvents()
                    elapsed = time.perf_counter() - start
                times[label].append(elapsed)
        plan = windows["large"].session.plan
        assert windows["large"].session.draft.startswith(DRAFT)
        for window in windows.values():
            close_window(window)
    return ratio_result(
        "large", times["large"], "empty", times["empty"], "<= 1.5", 1.5,
        history_tokens=history_tokens, draft_tokens=plan.draft_tokens,
    )
