"""The window with today's deployments (issue 11, items 4, 5 and 7): thinking, reasoning
tokens, an empty reply spent on reasoning, parameters, and adjustments after a 400."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager

from PySide6.QtCore import Qt

from chatdesk.core.conversation import GenerationParams, TrimSettings
from chatdesk.core.models import known_model
from chatdesk.service.retry import RetryPolicy
from chatdesk.ui.card_layout import info_text
from chatdesk.ui.main_window import MainWindow
from chatdesk.ui.transcript_model import badges
from tests.support.fake_azure import AzureModel, Fail, Reply, annotation_choice


def send(qtbot, window, text):
    window.composer.input.setFocus()
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def wait_idle(qtbot, window, timeout=10_000):
    qtbot.waitUntil(lambda: not window.session.busy, timeout=timeout)


def test_thinking_shows_a_ticking_clock_and_stop_ends_it(qtbot, window, server):
    server.enqueue(Reply("never shown", think=30))
    send(qtbot, window, "Think hard.")
    model = window.session.model
    assert model.streaming_label() == "Thinking… 0:00"
    server.wait_for_requests(1, timeout=10)  # the model is thinking now
    qtbot.waitUntil(lambda: model.streaming_label() == "Thinking… 0:01", timeout=3000)
    started = time.monotonic()
    window.composer.button.click()  # Stop
    wait_idle(qtbot, window, timeout=2000)
    assert time.monotonic() - started < 3
    reply = window.session.conversation[1]
    assert reply.content == ""
    assert reply.meta.incomplete
    assert len(server.requests) == 1
    assert model.left_out(0) == model.left_out(1) == "stopped"  # now it was stopped
    server.release()


def test_a_reply_still_thinking_is_not_said_to_be_stopped(qtbot, window, server):
    """The tester saw "Not sent: stopped before the reply began — Include again" on the
    question and the reply next to "Thinking… 0:02", and nobody had pressed Stop."""
    server.enqueue(Reply("Here it is.", think=3))
    send(qtbot, window, "Think hard.")
    model = window.session.model
    server.wait_for_requests(1, timeout=10)
    qtbot.waitUntil(lambda: model.streaming_label() == "Thinking… 0:02", timeout=5000)
    assert [model.left_out(0), model.left_out(1)] == [None, None]
    shown = [badges(window.session.conversation[row], left_out=model.left_out(row))
             for row in (0, 1)]  # fmt: skip
    assert not any("Not sent" in badge.text for row in shown for badge in row)
    wait_idle(qtbot, window)
    assert [model.left_out(0), model.left_out(1)] == [None, None]


def test_a_retry_says_so_and_is_not_judged_and_its_notice_goes_when_it_answers(
    qtbot, window, server
):
    """gpt-4o, a 429 then the retried reply: the row said "Thinking…" and "Not sent: stopped
    before the reply began"; the status bar kept "Rate limit reached (429). Retrying in 3 s…"
    while the retried reply was already streaming."""
    server.enqueue(
        Fail.rate_limited(retry_after_ms=40),
        Reply("Back again, " * 40, think=1.5, chunk_size=6, delay=0.05),
    )
    send(qtbot, window, "Hello?")
    model = window.session.model
    server.wait_for_requests(2, timeout=10)  # retried: the second one is thinking
    qtbot.waitUntil(lambda: model.streaming_label().startswith("Retrying… 0:0"), timeout=3000)
    assert "(429)" in window.notice.text()
    assert "Retrying" in window.notice.text()
    assert [model.left_out(0), model.left_out(1)] == [None, None]
    qtbot.waitUntil(lambda: bool(window.session.conversation[1].content), timeout=5000)
    assert window.session.busy  # still streaming, and the retry's notice is gone
    qtbot.waitUntil(lambda: window.notice.text() == "", timeout=2000)
    wait_idle(qtbot, window)
    assert [r.json["messages"][-1]["content"] for r in server.requests] == ["Hello?", "Hello?"]


def test_the_footer_shows_reasoning_and_cached_tokens(qtbot, window, server):
    server.enqueue(Reply("Done.", reasoning_tokens=320, cached_tokens=1024))
    send(qtbot, window, "Hello")
    wait_idle(qtbot, window)
    reply = window.session.conversation[1]
    facts = info_text(reply, None)
    assert "reasoning 320" in facts
    assert "cached 1024" in facts


def test_a_reply_spent_on_reasoning_says_so_and_retries_with_room(qtbot, window, server):
    server.enqueue(Reply("", finish_reason="length", completion_tokens=500, reasoning_tokens=500))
    window.session.conversation.params.max_tokens = 1000  # set: sent, and the limit in effect
    send(qtbot, window, "A hard question")
    wait_idle(qtbot, window)
    index = window.session.model.index(1)
    badge = window.transcript.delegate.footer_items(index)[-1]  # as the card shows it
    assert "spent all 500 completion tokens on reasoning" in badge.text
    assert badge.link == "Retry with 4,000 tokens"
    assert badge.action == "retry"
    window.transcript.trigger_action(badge.action, 1)
    wait_idle(qtbot, window)
    assert server.requests[-1].json["max_tokens"] == 4000
    assert window.session.conversation.params.max_tokens == 4000
    assert [m.content for m in window.session.conversation] == [
        "A hard question",
        "You said: A hard question",
    ]


def test_retry_offers_more_than_the_default_limit_shown_and_parameters_show_it_at_once(
    qtbot, context, server
):
    """Tester, finding 7: gpt-5 with Max response tokens "Default (4,096)" (nothing sent for
    it), a reply that spent its 1000 completion tokens on reasoning: "Retry with 4000 tokens"
    lowered the limit, and Parameters still said "Default (4,096)" until another conversation
    was shown."""
    server.models["gpt-4o"] = AzureModel.gpt5()  # the deployment serves gpt-5
    reasoned = Reply("", finish_reason="length", completion_tokens=1000, reasoning_tokens=1000)
    server.enqueue(reasoned)
    with window_for(qtbot, context, "gpt-5") as window:
        panel = window.params_panel
        assert panel.max_tokens.text() == "Default (4,096)"
        send(qtbot, window, "A hard question")
        wait_idle(qtbot, window)
        assert "max_completion_tokens" not in server.requests[0].json
        index = window.session.model.index(1)
        badge = window.transcript.delegate.footer_items(index)[-1]
        assert "spent all 1000 completion tokens on reasoning" in badge.text
        assert badge.link == "Retry with 8,192 tokens"  # more than the 4,096 in effect
        window.transcript.trigger_action(badge.action, 1)
        assert panel.max_tokens.optional_value() == 8192  # at once, not after switching
        assert panel.limit.text() == "Default (280,192)"  # gpt-5: 272,000 + the reserve
        wait_idle(qtbot, window)
        assert server.requests[-1].json["max_completion_tokens"] == 8192
        assert window.session.conversation.params.max_tokens == 8192


@contextmanager
def window_for(qtbot, context, model):
    """The window of the conftest, its connection's deployment declared to serve `model`."""
    context.settings.profiles[0].model = model
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win.session.budget is not None, timeout=10_000)
    try:
        yield win
    finally:
        for session in win.sessions:
            session.set_modified(False)
            session.shutdown()


def test_reasoning_effort_verbosity_and_stream_parameters(qtbot, context, server):
    chosen = GenerationParams(reasoning_effort="high", verbosity="low", stream=False)
    with window_for(qtbot, context, "gpt-4o") as window:
        panel = window.params_panel
        assert not panel.reasoning_effort.isEnabled()  # gpt-4o takes none
        panel.set_values(chosen, TrimSettings())
        assert panel.values()[0] == chosen  # kept in the conversation
        assert not panel.reasoning_effort.isEnabled()  # a value gpt-4o does not take: not offered
        assert not panel.verbosity.isEnabled()
    with window_for(qtbot, context, "gpt-5.2") as window:
        panel = window.params_panel
        box = panel.reasoning_effort
        efforts = [box.itemData(i) for i in range(box.count())]
        assert efforts == [None, *known_model("gpt-5.2").reasoning_efforts]
        panel.reasoning_effort.setCurrentIndex(panel.reasoning_effort.findData("medium"))
        panel.stream.setChecked(False)
        send(qtbot, window, "Hello")
        wait_idle(qtbot, window)
        body = server.requests[-1].json
        assert body["reasoning_effort"] == "medium"
        assert "stream" not in body
        assert window.session.conversation[1].content == "You said: Hello"


def test_o1_mini_offers_no_effort_or_verbosity_and_sends_none(qtbot, context, server):
    server.models["gpt-4o"] = AzureModel.o1_mini()  # the deployment serves o1-mini
    with window_for(qtbot, context, "o1-mini") as window:
        panel = window.params_panel
        panel.set_values(GenerationParams(reasoning_effort="low", verbosity="low"), TrimSettings())
        assert not panel.reasoning_effort.isEnabled()
        assert not panel.verbosity.isEnabled()
        send(qtbot, window, "Hello")
        wait_idle(qtbot, window)
        assert len(server.requests) == 1  # no 400 to learn from
        body = server.requests[0].json
        assert "reasoning_effort" not in body
        assert "verbosity" not in body


def test_a_refusal_is_adjusted_said_and_kept_in_the_settings(qtbot, window, server, context):
    server.models["gpt-4o"] = AzureModel(streaming=False)
    send(qtbot, window, "Hello")
    wait_idle(qtbot, window)
    assert (
        window.notice.text() == "gpt-4o does not stream replies: asked for the whole reply at once."
    )
    assert window.session.conversation[1].content == "You said: Hello"
    assert len(server.requests) == 2
    saved = json.loads(context.settings_path.read_text())
    assert list(saved["deployments"].values()) == [{"stream": False}]
    send(qtbot, window, "Again")
    wait_idle(qtbot, window)
    assert len(server.requests) == 3  # right the first time
    assert "stream" not in server.requests[-1].json


def test_annotations_after_the_finish_reason_keep_the_reply_complete(qtbot, window, server):
    server.enqueue(
        Reply("Fine.", finish_delta=None, after_finish=[annotation_choice({"hate": "low"}, 0, 5)])
    )
    send(qtbot, window, "Hello")
    wait_idle(qtbot, window)
    reply = window.session.conversation[1]
    assert reply.content == "Fine."
    assert not reply.meta.incomplete
    assert reply.meta.error is None
    assert reply.meta.content_filter["hate"]["severity"] == "low"


def test_time_limits_are_set_in_the_window_and_taught_adjustments_forgotten(
    qtbot, window, server, context
):
    server.models["gpt-4o"] = AzureModel(streaming=False)
    send(qtbot, window, "Hello")
    wait_idle(qtbot, window)
    window.time_limits_action.trigger()
    dialog = window.time_limits
    assert dialog.read_timeout.specialValueText() == "Model default (60 s)"
    assert "Replies are not streamed." in dialog.learned.text()
    dialog.read_timeout.setValue(900)
    dialog.deadline.setValue(3600)
    dialog.forget.setChecked(True)
    dialog.accept()
    saved = json.loads(context.settings_path.read_text())
    assert saved["request_deadline"] == 3600
    assert list(saved["deployments"].values()) == [{"read_timeout": 900}]
    server.enqueue(Reply("streamed again", think=0.2))
    server.models.clear()
    send(qtbot, window, "Again")
    wait_idle(qtbot, window)
    assert server.requests[-1].json["stream"] is True
    assert window.session.conversation[-1].content == "streamed again"


def test_view_code_writes_the_request_as_the_deployment_takes_it(qtbot, window, server):
    server.models["gpt-4o"] = AzureModel(unsupported={"max_tokens": "max_completion_tokens"})
    window.session.conversation.params.max_tokens = 300
    send(qtbot, window, "Hello")
    wait_idle(qtbot, window)
    assert len(server.requests) == 2
    window.show_code()
    code = window.code_dialog.editor.toPlainText()
    assert "max_completion_tokens=300," in code
    assert "max_tokens=" not in code.replace("max_completion_tokens=", "")
    window.code_dialog.reject()


def test_the_status_bar_counts_down_the_retry_with_the_card(qtbot, window, server):
    """Tester-58: the card said "Retrying in 4 s…" while the status bar still said "5 s"."""
    window.context.service.retry = RetryPolicy(max_delay=5)
    server.enqueue(Fail.rate_limited(retry_after_ms=2600), Reply("Back."))
    send(qtbot, window, "Hello?")
    model = window.session.model
    qtbot.waitUntil(lambda: model.streaming_label() == "Retrying in 3 s…", timeout=3000)
    assert window.notice.text() == "Rate limit reached (429). Retrying in 3 s…"
    # A second later both say 2: the status bar is no longer stuck at the first number.
    qtbot.waitUntil(lambda: window.notice.text().endswith("Retrying in 2 s…"), timeout=2500)
    assert model.streaming_label() in ("Retrying in 2 s…", "Retrying in 1 s…")
    wait_idle(qtbot, window)
