"""keystroke_scaling: one keystroke in the draft, with an empty history vs. 100,000 tokens.

Two real MainWindows, offscreen: one on a conversation with no history, one on a conversation of
about 100,000 tokens (gpt-4o, 128k window: nothing is trimmed, every sum matters). A key event
goes to `window.composer.input`, which takes the window's own path: draftChanged ->
ChatSession.set_draft -> Budget.plan -> TokenMeter.show_plan + TranscriptModel.set_first_sent;
then the event loop runs until the token meter has painted the new count. Each key changes
the count (checked per sample): the draft is a sentence ending in "?", and the keys are
alternately a space typed (one token more) and Backspace.

paste_keystroke: the same keys in three windows with an empty history, whose draft is one
sentence, or that sentence after a 1 MB paste of prose (paragraphs of 3-8 sentences), or of
Python code; the figure is the paste's median over the sentence's, for prose and for code.
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

DRAFT = "Could you summarise what we decided about the refund policy, in three bullet points?"


class _Painted:
    """Counts the paint events of a widget and its children (the meter draws in a child)."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QWidget

        counter = self

        class Filter(QObject):
            def eventFilter(self, watched, event):
                if event.type() == QEvent.Type.Paint:
                    counter.count += 1
                return False

        self.count = 0
        self.filter = Filter(widget)
        for w in [widget, *widget.findChildren(QWidget)]:
            w.installEventFilter(self.filter)


def _key(app, window, key, painted: _Painted) -> float:
    """One key into the draft; seconds until the meter painted a changed count."""
    import time

    from PySide6.QtTest import QTest

    before_tokens = window.session.plan.draft_tokens
    pump(app)
    with gc_paused():
        start = time.perf_counter()
        before = painted.count
        QTest.keyClick(window.composer.input, key)
        app.processEvents()
        while painted.count == before:
            if time.perf_counter() - start > 10:
                raise AssertionError("the meter did not paint after a key")
            app.processEvents()
        elapsed = time.perf_counter() - start
    if window.session.plan.draft_tokens == before_tokens:
        raise AssertionError("the key did not change the count")
    return elapsed


def run(quick: bool) -> dict:
    from PySide6.QtCore import Qt

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
        painted = {k: _Painted(w.meter) for k, w in windows.items()}
        for i in range(keys):
            key = Qt.Key.Key_Space if i % 2 == 0 else Qt.Key.Key_Backspace
            for label in ("empty", "large") if i % 4 < 2 else ("large", "empty"):
                times[label].append(_key(app, windows[label], key, painted[label]))
        plan = windows["large"].session.plan
        assert windows["large"].session.draft.startswith(DRAFT)
        for window in windows.values():
            close_window(window)
    return ratio_result(
        "large", times["large"], "empty", times["empty"], "<= 1.5", 1.5,
        history_tokens=history_tokens, draft_tokens=plan.draft_tokens,
    )


def paste(quick: bool) -> dict:
    from common import paste_code, prose_text
    from PySide6.QtCore import Qt

    from chatdesk.core.conversation import Conversation

    app = qt_app()
    keys = 40 if quick else 200
    drafts = {
        "sentence": DRAFT,
        "prose": prose_text(1_000_000) + "\n\n" + DRAFT,
        "code": paste_code(1_000_000) + "\n\n" + DRAFT,
    }
    with fake_server() as server:
        windows = {}
        for label, draft in drafts.items():
            window = make_window(app_context(server))
            conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4.1")
            session = window.open_session(conv)
            wait_until(app, lambda s=session: s.budget is not None)
            window.composer.input.setFocus()
            window.composer.set_text(draft)
            window.composer.input.moveCursor(window.composer.input.textCursor().MoveOperation.End)
            wait_until(app, lambda s=session, d=draft: s.plan.draft_tokens > len(d) // 10)
            pump(app, 0.2)
            windows[label] = window
        tokens = {k: w.session.plan.draft_tokens for k, w in windows.items()}
        log(f"paste: draft tokens {tokens}")
        painted = {k: _Painted(w.meter) for k, w in windows.items()}
        times: dict[str, list[float]] = {k: [] for k in windows}
        order = list(windows)
        for i in range(keys):
            key = Qt.Key.Key_Space if i % 2 == 0 else Qt.Key.Key_Backspace
            for label in order if i % 4 < 2 else order[::-1]:
                times[label].append(_key(app, windows[label], key, painted[label]))
        for window in windows.values():
            close_window(window)
    prose = ratio_result("prose", times["prose"], "sentence", times["sentence"], "<= 2", 2.0)
    code = ratio_result("code", times["code"], "sentence", times["sentence"], "<= 2", 2.0)
    return {
        "ratio": max(prose["ratio"], code["ratio"]), "target": "<= 2 (prose and code)",
        "met": prose["met"] and code["met"], "prose_ratio": prose["ratio"],
        "code_ratio": code["ratio"], "prose_ms": prose["prose_ms"], "code_ms": code["code_ms"],
        "sentence_ms": prose["sentence_ms"], "paste_kb": 1000, "draft_tokens": tokens,
        "runs": keys,
    }  # fmt: skip
