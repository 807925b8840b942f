"""State belongs to its conversation (the meter's API check, status and errors), nothing jumps
when a status appears, and the message box has the focus after New, a sidebar click and Send."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.fake_azure import Fail, Reply
from tests.support.opening import open_and_wait
from tests.ui.test_main_window import type_and_send, wait_idle


def test_the_api_count_check_is_the_conversations_own(qtbot, window, server):
    server.enqueue(Reply(text="hello"))
    first = window.session
    type_and_send(qtbot, window, "hi")
    wait_idle(qtbot, window)
    assert window.meter.usage_text == "matches the API"
    window.new_action.trigger()
    assert window.meter.usage_text == ""  # a new, empty conversation has no such check
    window.activate(first)
    assert window.meter.usage_text == "matches the API"


def test_an_error_stays_with_its_conversation_and_a_fixed_profile_clears_it(
    qtbot, window, server
):
    server.enqueue(Fail.unauthorized())
    first = window.session
    type_and_send(qtbot, window, "are you there?")
    wait_idle(qtbot, window)
    error = first.conversation[0].meta.error
    assert error
    assert window.notice.text() == error
    window.new_action.trigger()
    assert window.notice.text() == ""
    window.activate(first)
    assert window.notice.text() == error
    window.refresh_profiles()  # what the Connections dialog does after the profile is saved
    assert window.notice.text() == ""
    assert first.conversation[0].meta.error == error  # the turn keeps its badge and Retry


def test_a_status_does_not_move_the_centre_column(qtbot, window):
    window.resize(900, 640)
    qtbot.wait(50)
    before = (window.transcript.geometry(), window.composer.geometry(), window.meter.geometry())
    long = "The request failed: " + "a very long explanation of what went wrong " * 20
    window._show_notice(long)
    window.show_disk_problem("settings", "Settings could not be saved " * 10)
    qtbot.wait(50)
    after = (window.transcript.geometry(), window.composer.geometry(), window.meter.geometry())
    assert after == before
    assert window.notice.toolTip() == long  # the whole text, where the line is cut
    window.show_disk_problem("settings", "")


def test_focus_goes_to_the_message_box_after_new_a_sidebar_click_and_send(
    qtbot, window, server, tmp_path
):
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.fileformat import save_conversation

    path = tmp_path / "mine.chatdesk.json"
    save_conversation(Conversation(), path)
    open_and_wait(qtbot, window, [str(path)])
    window.activateWindow()
    box = window.composer.input
    window.transcript.setFocus()
    window.new_action.trigger()
    qtbot.waitUntil(box.hasFocus)

    window.transcript.setFocus()
    window.sidebar.sessionRequested.emit(0)  # the first of the open files
    assert window.session.path == path
    qtbot.waitUntil(box.hasFocus)

    server.enqueue(Reply(text="ok"))
    window.composer.set_text("a question")
    qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(box.hasFocus)
    wait_idle(qtbot, window)
