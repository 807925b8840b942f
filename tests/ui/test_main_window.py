"""The window against the loopback Azure server: send, stream, stop, regenerate, edit, continue,
the meter under typing, presets, inline errors with retry, closing during a stream."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from chatdesk.core.presets import BUILTIN_PRESETS
from chatdesk.core.request import CONTINUE_PROMPT
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import Fail, Reply
from tests.ui.conftest import KEY


def type_and_send(qtbot, window, text):
    window.composer.input.setFocus()
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def wait_idle(qtbot, window, timeout=10_000):
    qtbot.waitUntil(lambda: not window.session.busy, timeout=timeout)


def contents(window):
    return [(m.role, m.content) for m in window.session.conversation]


def test_send_streams_the_reply_into_the_transcript(qtbot, window, server):
    server.enqueue(Reply(text="Bill Gates and Paul Allen.", chunk_size=3, delay=0.005))
    type_and_send(qtbot, window, "Who were the founders of Microsoft?")
    assert window.composer.button.text() == "Stop"
    wait_idle(qtbot, window)
    assert contents(window) == [
        ("user", "Who were the founders of Microsoft?"),
        ("assistant", "Bill Gates and Paul Allen."),
    ]
    reply = window.session.conversation[1]
    assert reply.meta.finish_reason == "stop"
    assert reply.meta.usage["prompt_tokens"] > 0
    assert window.composer.text() == ""
    assert window.composer.button.text() == "Send"
    sent = server.last_request.json
    assert sent["messages"][0] == {"role": "system", "content": "You are a helpful assistant."}
    assert sent["stream"] is True
    assert server.last_request.headers["authorization"] == f"Bearer {KEY}"
    assert window.session.model.rowCount() == 2


def test_meter_estimate_matches_the_apis_prompt_tokens(qtbot, window, server):
    type_and_send(qtbot, window, "Count me exactly, please.")
    wait_idle(qtbot, window)
    assert window.meter.usage_text
    assert "matches" in window.meter.usage_text


def test_stop_keeps_what_arrived_and_marks_it_incomplete(qtbot, window, server):
    server.enqueue(Reply(text="word " * 200, chunk_size=5, delay=0.05))
    type_and_send(qtbot, window, "Tell me a long story")
    qtbot.waitUntil(lambda: len(window.session.conversation) == 2
                    and bool(window.session.conversation[1].content), timeout=5000)  # fmt: skip
    started = time.monotonic()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Escape)
    wait_idle(qtbot, window, timeout=2000)
    assert time.monotonic() - started < 1.0
    reply = window.session.conversation[1]
    assert 0 < len(reply.content) < len("word " * 200)
    assert reply.meta.incomplete
    assert reply.meta.finish_reason is None


def test_regenerate_replaces_the_last_reply(qtbot, window, server):
    server.enqueue(Reply(text="first"), Reply(text="second"))
    type_and_send(qtbot, window, "hello")
    wait_idle(qtbot, window)
    window.regenerate_action.trigger()
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "hello"), ("assistant", "second")]
    assert len(server.requests) == 2
    assert server.requests[1].json["messages"][-1] == {"role": "user", "content": "hello"}


def test_edit_and_resend_replaces_the_later_turns(qtbot, window, server):
    server.enqueue(Reply(text="a1"), Reply(text="a2"), Reply(text="a1 again"))
    for text in ("q1", "q2"):
        type_and_send(qtbot, window, text)
        wait_idle(qtbot, window)
    window.transcript.editRequested.emit(0)
    editor = window.inline_edit.editor
    editor.setPlainText("q1 edited")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "q1 edited"), ("assistant", "a1 again")]


def test_continue_appends_to_a_reply_cut_at_the_length_limit(qtbot, window, server):
    server.enqueue(Reply(text="The beginning", finish_reason="length"), Reply(text=" and the end."))
    type_and_send(qtbot, window, "go")
    wait_idle(qtbot, window)
    assert window.session.conversation[1].meta.finish_reason == "length"
    window.continue_action.trigger()
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "go"), ("assistant", "The beginning and the end.")]
    assert window.session.conversation[1].meta.finish_reason == "stop"
    assert server.last_request.json["messages"][-1] == {"role": "user", "content": CONTINUE_PROMPT}
    # The estimate counted the prompt Continue sent: it agrees with the service's count.
    estimated, actual = window.session.usage_check
    assert estimated == actual == server.prompt_counter(server.last_request.json["messages"])


def test_errors_appear_on_the_turn_and_retry_sends_again(qtbot, window, server):
    server.enqueue(Fail.unauthorized(), Reply(text="ok now"))
    type_and_send(qtbot, window, "are you there?")
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "are you there?")]  # the message stays
    error = window.session.conversation[0].meta.error
    assert error
    assert "key" in error.lower()
    assert KEY not in error
    assert error in window.notice.text()
    window.transcript.retryRequested.emit(0)
    wait_idle(qtbot, window)
    assert contents(window) == [("user", "are you there?"), ("assistant", "ok now")]
    assert window.session.conversation[0].meta.error is None


def test_a_dropped_stream_keeps_the_partial_reply(qtbot, window, server):
    server.enqueue(Reply(text="partial answer that never ends", chunk_size=4, drop_after=3))
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    reply = window.session.conversation[1]
    assert reply.content == "partial answer that never ends"[:12]
    assert reply.meta.incomplete
    assert reply.meta.error


def test_token_meter_follows_typing(qtbot, window):
    session = window.session
    qtbot.keyClicks(window.composer.input, "hello there")
    assert session.plan.draft_tokens == session.budget.counter.message_cost("user", "hello there")
    assert f"{session.plan.prompt_tokens:,}" in window.meter.summary
    first = session.plan.prompt_tokens
    qtbot.keyClicks(window.composer.input, " and some more words")
    assert session.plan.prompt_tokens > first
    window.composer.set_text("")
    assert session.plan.draft_tokens == 0


def test_meter_shows_what_would_not_fit(qtbot, window):
    params, trimming = window.params_panel.values()
    trimming.limit = 200
    window.params_panel.set_values(params, trimming)
    window.params_panel.changed.emit()
    window.composer.set_text("word " * 400)
    assert not window.session.plan.fits
    assert window.meter.state == "error"


def test_presets_set_the_system_prompt_and_examples(qtbot, window):
    few_shot = next(p for p in BUILTIN_PRESETS if p.examples)
    window.system_editor.presetApplied.emit(few_shot)
    conv = window.session.conversation
    assert conv.system_prompt == few_shot.system_prompt
    assert [m.content for m in conv.examples] == [t for pair in few_shot.examples for t in pair]
    basic = BUILTIN_PRESETS[0]
    window.system_editor.presetApplied.emit(basic)
    assert conv.examples == []
    assert window.session.modified


def test_examples_are_sent_after_the_system_message(qtbot, window, server):
    window.examples_editor.examplesChanged.emit([("2+2?", "4")])
    type_and_send(qtbot, window, "3+3?")
    wait_idle(qtbot, window)
    roles = [(m["role"], m["content"]) for m in server.last_request.json["messages"]]
    assert roles[1:] == [("user", "2+2?"), ("assistant", "4"), ("user", "3+3?")]


def test_what_will_be_sent_lists_the_next_request(qtbot, window):
    window.composer.set_text("draft question")
    window.preview_action.trigger()
    assert window.preview.isVisible()
    window.preview.close()


def test_closing_during_a_stream_stops_it_cleanly(qtbot, window, server):
    server.enqueue(Reply(text="slow " * 100, chunk_size=5, delay=0.1))
    type_and_send(qtbot, window, "stream forever")
    qtbot.waitUntil(lambda: window.session.conversation[-1].content != "", timeout=5000)
    session = window.session
    window.close()  # a library conversation: nothing unsaved, but a reply being written
    box = window.files.question
    assert box.isVisible()
    assert "still being written" in box.text()
    assert session.busy  # asking stops nothing
    started = time.monotonic()
    next(b for b in box.buttons() if b.text() == "&Quit").click()
    assert time.monotonic() - started < 2.0
    assert not window.isVisible()
    assert not session.busy
    reply = session.conversation[1]
    assert reply.content
    assert reply.meta.incomplete
    kept = json.loads(session.path.read_text())["messages"][-1]
    assert kept["metadata"]["incomplete"] is True
    QApplication.processEvents()


def test_shortcuts_help_lists_the_keys(qtbot, window):
    window.shortcuts_action.trigger()
    assert "Esc" in window.shortcuts_box.text()
    window.shortcuts_box.close()


def test_the_shortcut_list_fits_the_screen_it_opens_on(qtbot, window):
    # Reported: on an 860-px screen the F1 list was taller than the screen, its last rows cut.
    from chatdesk.ui.window_menus import SHORTCUTS

    screen = window.screen().availableGeometry()
    assert screen.height() < 900  # the offscreen screen is small, as the tester's was
    window.shortcuts_action.trigger()
    box = window.shortcuts_box
    qtbot.waitExposed(box)
    assert box.frameGeometry().height() <= screen.height()
    assert box.width() <= screen.width()
    text = box.text()
    assert all(keys in text for _what, keys in SHORTCUTS)
    # Every row is there to see: on screen, or reached by scrolling the list.
    label, area = box.label, box.scroll.viewport()
    bar = box.scroll.verticalScrollBar()
    assert label.height() <= area.height() + bar.maximum()
    assert label.height() - bar.maximum() <= area.height() + 1
    box.close()


def test_every_control_has_an_accessible_name(window):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QWidget

    kinds = (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit)
    unnamed = [
        w for w in window.findChildren(QWidget)
        if isinstance(w, kinds) and w.isVisibleTo(window)
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not (w.accessibleName() or (isinstance(w, QAbstractButton) and w.text()))
    ]  # fmt: skip
    assert unnamed == []


def test_window_geometry_and_splitter_are_remembered(qtbot, window):
    window.resize(700, 500)  # within the offscreen screen (800x600): restore clamps to it
    window.splitter.setSizes([150, 500, 250])
    size, sizes = window.size(), window.splitter.sizes()
    window.close()
    assert {"geometry", "splitter"} <= set(window.context.settings.window)
    again = MainWindow(window.context)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.size() == size
    assert again.splitter.sizes() == sizes


def test_exiting_while_a_background_job_runs_is_quiet():
    """A tokenizer load or count still running when the app exits reports nothing."""
    import subprocess
    import sys

    code = (
        "import time\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from chatdesk.ui.worker import FunctionWorker\n"
        "app = QApplication([])\n"
        "worker = FunctionWorker(lambda: time.sleep(0.3))\n"
        "worker.start()\n"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60)  # fmt: skip
    assert "Error calling Python override" not in out.stderr
    assert "Traceback" not in out.stderr
