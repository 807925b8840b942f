"""What the request really sends, told in the window (session 13 tester, findings 8 and 10):
a parameter the deployment refused is marked "not sent" next to its field in Parameters, in
every conversation on that deployment; "What will be sent" (Ctrl+I) lists the parameters
sent and those left out, with why; a value refused with the values Azure lists is remembered,
so Parameters offers only those and later sends ask once."""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import Qt

from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import AzureModel

# A gpt-5 deployment that refuses stop (as Azure does) and takes reasoning_effort low or
# medium only.
GPT5 = AzureModel(
    unsupported={"max_tokens": "max_completion_tokens", "stop": None},
    fixed_sampling=True,
    reasoning_efforts=("low", "medium"),
)


@contextmanager
def gpt5_window(qtbot, context, server):
    profile = context.settings.profiles[0]
    profile.deployment, profile.model = "gpt-5", "gpt-5"
    server.models["gpt-5"] = GPT5
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


def send(qtbot, window, text):
    window.composer.input.setFocus()
    window.composer.set_text(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)


def test_a_refused_stop_is_marked_not_sent_in_another_conversation_and_in_ctrl_i(
    qtbot, context, server
):
    with gpt5_window(qtbot, context, server) as window:
        panel = window.params_panel
        panel.stop.setPlainText("END")
        send(qtbot, window, "First")
        assert window.notice.text() == "gpt-5 does not take stop: sent without it."
        mark = panel.marks.labels["stop"]
        assert not mark.isHidden()
        assert mark.text() == "gpt-5 does not take stop: not sent."

        window.new_action.trigger()  # another conversation on the same deployment
        qtbot.waitUntil(lambda: window.session.budget is not None, timeout=10_000)
        assert mark.isHidden()  # nothing typed there yet
        panel.stop.setPlainText("END")
        assert panel.stop_hint.text() == "1 of 4"
        assert not mark.isHidden()
        assert mark.text() == "gpt-5 does not take stop: not sent."

        window.preview_action.trigger()
        shown = window.preview.parameters
        assert shown.isVisible()
        lines = shown.text().splitlines()
        assert lines[0].startswith("Parameters sent: ")
        assert "stop" not in lines[0]
        assert "stream: true" in lines[0]
        assert "Not sent: gpt-5 does not take stop: not sent." in lines
        window.preview.reject()

        server.clear_requests()
        send(qtbot, window, "Second")
        assert len(server.requests) == 1  # right the first time, as Ctrl+I said
        assert "stop" not in server.requests[0].json


def test_a_refused_value_is_remembered_offered_no_more_and_asked_once(qtbot, context, server):
    with gpt5_window(qtbot, context, server) as window:
        panel = window.params_panel
        box = panel.reasoning_effort
        assert [box.itemData(i) for i in range(box.count())] == [
            None, "minimal", "low", "medium", "high",
        ]  # fmt: skip (the catalog's gpt-5 row, before the deployment said otherwise)
        box.setCurrentIndex(box.findData("high"))
        send(qtbot, window, "First")
        assert [r.json.get("reasoning_effort") for r in server.requests] == ["high", None]
        assert window.notice.text() == (
            "gpt-5 takes reasoning_effort 'low' or 'medium', not 'high': sent without it, so "
            "the service's default reasoning_effort was used."
        )
        # Offered now: what the deployment takes; the conversation's "high" kept, marked.
        assert box.currentData() == "high"
        offered = [box.itemData(i) for i in range(box.count())]
        assert offered == [None, "low", "medium", "high"]  # "high" only as the value kept
        mark = panel.marks.labels["reasoning_effort"]
        assert not mark.isHidden()
        assert mark.text() == "gpt-5 takes reasoning_effort 'low' or 'medium': 'high' is not sent."

        server.clear_requests()
        send(qtbot, window, "Second")
        assert len(server.requests) == 1  # no 400 and resend on every send
        assert "reasoning_effort" not in server.requests[0].json

        box.setCurrentIndex(box.findData("medium"))
        assert mark.isHidden()
        server.clear_requests()
        send(qtbot, window, "Third")
        assert [r.json.get("reasoning_effort") for r in server.requests] == ["medium"]


def test_the_responses_api_s_refused_effort_is_offered_no_more_and_asked_once(
    qtbot, context, server
):
    # Its refusal names "reasoning.effort": it was shown as an error on every send, and
    # Parameters went on offering every value.
    with gpt5_window(qtbot, context, server) as window:
        panel = window.params_panel
        api = panel.api_mode.api
        api.setCurrentIndex(api.findData("responses"))
        box = panel.reasoning_effort
        box.setCurrentIndex(box.findData("high"))
        send(qtbot, window, "First")
        assert [r.path for r in server.requests] == ["/openai/v1/responses"] * 2
        assert [r.json.get("reasoning") for r in server.requests] == [{"effort": "high"}, None]
        assert window.notice.text() == (
            "gpt-5 takes reasoning_effort 'low' or 'medium', not 'high': sent without it, so "
            "the service's default reasoning_effort was used."
        )
        assert window.session.conversation[1].content  # the reply came
        offered = [box.itemData(i) for i in range(box.count())]
        assert offered == [None, "low", "medium", "high"]  # "high" only as the value kept
        mark = panel.marks.labels["reasoning_effort"]
        assert mark.text() == "gpt-5 takes reasoning_effort 'low' or 'medium': 'high' is not sent."
        assert not mark.isHidden()

        server.clear_requests()
        send(qtbot, window, "Second")
        assert len(server.requests) == 1
        assert "reasoning" not in server.requests[0].json

        box.setCurrentIndex(box.findData("medium"))
        assert mark.isHidden()
        server.clear_requests()
        send(qtbot, window, "Third")
        assert [r.json.get("reasoning") for r in server.requests] == [{"effort": "medium"}]
