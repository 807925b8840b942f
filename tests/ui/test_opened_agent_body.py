"""The tester's agent body (a request ending in two tool results), opened in the window with
Ctrl+O: sent as it is with an empty message box, its model's deployment picked, "What will be
sent" counting its messages, its tool results naming the call they answer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from chatdesk.core.messages import Message
from tests.support.fake_azure import Reply
from tests.support.opening import open_and_wait
from tests.support.request_bodies import AGENT_JSON


def open_agent(qtbot, window, tmp_path):
    path = tmp_path / "agent.json"
    path.write_text(AGENT_JSON, encoding="utf-8")
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    return window.session


def test_send_with_an_empty_box_sends_a_body_ending_in_tool_results(
    qtbot, window, server, tmp_path
):
    session = open_agent(qtbot, window, tmp_path)
    assert window.composer.text() == ""
    server.enqueue(Reply(text="Boston is 22, Paris 17 and cloudy."))
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(server.requests) == 1 and not session.busy, timeout=10_000)
    sent = server.requests[0].json
    assert [m["role"] for m in sent["messages"]][1:] == ["user", "assistant", "tool", "tool"]
    assert sent["messages"][-1]["tool_call_id"] == "call_2"
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert session.conversation[len(session.conversation) - 1].content == (
        "Boston is 22, Paris 17 and cloudy."
    )
    assert len(session.conversation) == 5  # no empty question was added


def test_the_chat_menu_sends_it_too(qtbot, window, server, tmp_path):
    session = open_agent(qtbot, window, tmp_path)
    server.enqueue(Reply(text="done"))
    assert window.send_action in window.menuBar().actions()[2].menu().actions()
    window.send_action.trigger()
    qtbot.waitUntil(lambda: len(server.requests) == 1 and not session.busy, timeout=10_000)
    assert session.conversation[len(session.conversation) - 1].content == "done"


def test_an_empty_send_with_nothing_to_send_says_why(qtbot, window, server):
    session = window.session
    window.composer.button.click()
    assert "Nothing to send: type a message first" in window.notice.text()
    session.model.append(Message("user", "hello"))
    session.model.append(Message("assistant", "hi"))
    window.composer.set_text("   ")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    assert "ends in a reply" in window.notice.text()
    assert server.requests == []
    assert len(session.conversation) == 2


def test_a_failed_send_marks_the_last_tool_result_and_retry_keeps_the_calls(
    qtbot, window, server, tmp_path
):
    from tests.support.fake_azure_errors import Fail

    session = open_agent(qtbot, window, tmp_path)
    server.enqueue(Fail.unauthorized())
    window.composer.submit()
    qtbot.waitUntil(lambda: len(server.requests) == 1 and not session.busy, timeout=10_000)
    conv = session.conversation
    assert len(conv) == 4
    assert conv[3].meta.error  # on the tool result the request answered, not the question
    assert not conv[1].meta.error
    server.enqueue(Reply(text="answered"))
    session.retry(3)
    qtbot.waitUntil(lambda: len(server.requests) == 2 and not session.busy, timeout=10_000)
    assert [m["role"] for m in server.requests[1].json["messages"]][-2:] == ["tool", "tool"]
    assert conv[len(conv) - 1].content == "answered"


def window_with(qtbot, server, tmp_path, deployments):
    from chatdesk.core.profile_deployments import Deployment
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.settings import Settings
    from chatdesk.service.chat import ChatService
    from chatdesk.service.connections import Connections
    from chatdesk.service.secrets import MemorySecretStore, Secret
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.main_window import MainWindow
    from tests.ui.conftest import KEY

    profile = ConnectionProfile("work", "azure-v1", server.v1_base_url, "reasoner",
                                deployments=[Deployment(n, m) for n, m in deployments])  # fmt: skip
    settings = Settings(profiles=[profile], active_profile="work")
    store = MemorySecretStore()
    store.set("work", Secret(KEY))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(connections.credentials, notes=settings.deployments)
    win = MainWindow(AppContext(settings, connections, service, settings_path=tmp_path / "s.json"))
    qtbot.addWidget(win)
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win.session.budget is not None, timeout=10_000)
    return win


def test_an_opened_body_goes_to_the_deployment_of_its_model(qtbot, server, tmp_path):
    win = window_with(qtbot, server, tmp_path, [("reasoner", "gpt-5"), ("fourone", "gpt-4.1")])
    session = open_agent(qtbot, win, tmp_path)
    assert session.conversation.deployment == "fourone"
    assert win.deployment_box.current() == "fourone"
    assert session.budget.family.key == "gpt-4.1"
    assert win.notice.text() == (
        'agent.json names model "gpt-4.1": sent to deployment "fourone". It opened as a new '
        "conversation in the library (the file stays as it is)."
    )
    server.enqueue(Reply(text="ok"))
    win.composer.submit()
    qtbot.waitUntil(lambda: len(server.requests) == 1 and not session.busy, timeout=10_000)
    assert server.requests[0].json["model"] == "fourone"
    session.set_modified(False)


def test_a_body_whose_model_no_deployment_serves_says_where_it_goes(qtbot, server, tmp_path):
    win = window_with(qtbot, server, tmp_path, [("reasoner", "gpt-5")])
    session = open_agent(qtbot, win, tmp_path)
    assert session.conversation.deployment is None  # the profile's default
    text = win.notice.text()
    assert text.startswith('agent.json names model "gpt-4.1", which no deployment of "work" serves')
    assert 'sent to "reasoner" (gpt-5) instead' in text
    session.set_modified(False)


def test_what_will_be_sent_counts_five_messages_and_shows_the_tools_row_as_such(
    qtbot, window, tmp_path
):
    open_agent(qtbot, window, tmp_path)
    window.show_preview()
    preview = window.preview
    assert preview.header.text().startswith(
        "The next request sends 5 messages and the tool definitions:"
    )
    model = preview.model
    cells = [[model.data(model.index(r, c)) for c in range(2)] for r in range(model.rowCount())]
    assert cells == [["", "tool definitions"], ["1", "developer"], ["2", "user"],
                     ["3", "assistant"], ["4", "tool"], ["5", "tool"]]  # fmt: skip
    preview.close()


def test_tool_result_cards_name_the_function_and_arguments_they_answer(qtbot, window, tmp_path):
    from chatdesk.ui.transcript_model import Roles

    session = open_agent(qtbot, window, tmp_path)
    model = session.model
    texts = [model.data(model.index(r, 0), Roles.Content) for r in range(model.rowCount())]
    assert texts[2].startswith('*For* `get_weather {"city": "Boston"}` · `call_1`')
    long_args = '{"city": "Paris", "unit": "celsius", "note": "a very long a…'
    assert texts[3].startswith(f"*For* `get_weather {long_args}` · `call_2`")
    body = window.transcript.itemDelegate().body(session.conversation[3], 400, False)
    assert "get_weather" in body.plain_text()
