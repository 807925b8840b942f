"""Issue 15 item 10 on the real window: quitting asks once about every unsaved conversation."""

from __future__ import annotations

import json

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message


def three_unsaved(window, tmp_path):
    sessions = []
    for name in ("alpha", "beta", "gamma"):
        conv = Conversation(history=[Message("user", f"{name} question")])
        path = tmp_path / f"{name}.chatdesk.json"
        save_conversation(conv, path)
        session = window.open_session(conv, path)
        session.conversation.append(Message("assistant", f"{name} unsaved answer"))
        session.set_modified()
        sessions.append(session)
    return sessions


def saved_messages(path):
    return [m["content"] for m in json.loads(path.read_text())["messages"]]


def test_one_dialog_lists_every_unsaved_conversation_and_saves_the_checked(qtbot, window,
                                                                          tmp_path):  # fmt: skip
    three_unsaved(window, tmp_path)
    window.close()
    dialog = window.files.quit_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.list.count() == 3
    assert "alpha" in dialog.list.item(0).text()
    dialog.set_checked(1, False)  # beta: let it go
    assert dialog.save_button.text() == "&Save 2 of 3"
    with qtbot.waitSignal(dialog.answered):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert saved_messages(tmp_path / "alpha.chatdesk.json")[-1] == "alpha unsaved answer"
    assert saved_messages(tmp_path / "beta.chatdesk.json") == ["beta question"]
    assert saved_messages(tmp_path / "gamma.chatdesk.json")[-1] == "gamma unsaved answer"


def test_cancel_keeps_the_window_and_discard_all_writes_nothing(qtbot, window, tmp_path):
    three_unsaved(window, tmp_path)
    window.close()
    window.files.quit_dialog.cancel_button.click()
    assert window.isVisible()
    window.close()
    window.files.quit_dialog.discard_button.click()
    qtbot.waitUntil(lambda: not window.isVisible())
    for name in ("alpha", "beta", "gamma"):
        assert saved_messages(tmp_path / f"{name}.chatdesk.json") == [f"{name} question"]
