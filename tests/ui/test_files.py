"""Conversations in the window: save and reopen, unsaved changes, bad files, recovery after a
kill, export and view code; and no key in any file the app wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation, to_document
from chatdesk.core.library import Library
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir
from chatdesk.core.presets import BUILTIN_PRESETS
from chatdesk.core.recovery import RecoveryStore
from chatdesk.core.settings import load_settings
from chatdesk.service.secrets import Secret
from chatdesk.ui.context import AppContext
from chatdesk.ui.main_window import MainWindow
from tests.core.test_fileformat_kept_fields import FILE as KEPT_FILE
from tests.core.test_fileformat_kept_fields import REPLY_META as KEPT_REPLY_META
from tests.support.fake_azure import Reply
from tests.support.kill_loop import kill_when_ready, write_driver
from tests.support.opening import open_and_wait
from tests.ui.conftest import KEY


def send(qtbot, window, text):
    session = window.session
    before = len(session.conversation)
    window.composer.set_text(text)
    window.composer.input.submit.emit()
    # The reply itself: until the tokenizer is loaded the question waits, and the session is
    # not busy meanwhile (waiting for "not busy" alone passed before the reply came).
    qtbot.waitUntil(
        lambda: len(session.conversation) >= before + 2 and not session.busy, timeout=10_000
    )


def save_as(window, path):
    window.save_as_action.trigger()
    window.files.dialog.fileSelected.emit(str(path))


def test_save_and_reopen_gives_back_everything(qtbot, window, server, tmp_path):
    window.system_editor.presetApplied.emit(BUILTIN_PRESETS[3])
    params, trimming = window.params_panel.values()
    params.temperature, params.max_tokens, params.stop = 0.3, 500, ["END"]
    trimming.policy, trimming.max_turns = "turns", 7
    window.params_panel.set_values(params, trimming)
    window.params_panel.changed.emit()
    server.enqueue(Reply(text="a reply", finish_reason="length"))
    send(qtbot, window, "first question")
    window.composer.set_text("an unsent draft")
    path = tmp_path / "chat.json"
    save_as(window, path)
    assert not window.session.modified
    assert window.windowTitle().startswith("chat.json")
    before = to_document(window.session.conversation)

    other = MainWindow(window.context)
    qtbot.addWidget(other)
    open_and_wait(qtbot, other, [str(path)])
    after = to_document(other.session.conversation)
    assert after == before
    assert after["messages"][-1]["metadata"]["finish_reason"] == "length"
    assert other.composer.text() == "an unsent draft"
    assert str(path) in window.context.settings.recent_files
    other.session.set_modified(False)


def test_unsaved_changes_of_a_file_from_elsewhere_are_asked_about(qtbot, window, tmp_path):
    window.composer.set_text("kept in the library")
    window.session.set_modified()
    window.close_action.trigger()  # a library conversation: written, nothing to ask
    assert window.files.question is None
    path = tmp_path / "mine.json"
    save_conversation(Conversation(history=[Message("user", "q")]), path)
    open_and_wait(qtbot, window, [str(path)])
    window.composer.set_text("x")
    window.session.set_modified()
    window.close_action.trigger()
    box = window.files.question
    assert box.isVisible()
    assert "Unsaved" in box.windowTitle()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.session.path == path  # still open
    window.close_action.trigger()
    window.files.question.button(QMessageBox.StandardButton.Save).click()
    assert json.loads(path.read_text())["draft"] == "x"
    assert all(s.path != path for s in window.sessions)  # closed


def test_a_broken_file_is_explained_and_the_app_carries_on(qtbot, window, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "chatdesk.conversation", "version": 1, "messages": [')
    open_and_wait(qtbot, window, [str(broken)])
    assert "not valid JSON" in window.message_box.text()
    assert str(broken) in window.message_box.text()
    assert len(window.sessions) == 1


def test_a_request_body_opens_as_a_new_unsaved_conversation(qtbot, window, tmp_path):
    body = tmp_path / "request.json"
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    body.write_text(json.dumps({"model": "gpt-4o", "messages": messages}))
    before = body.read_bytes()
    open_and_wait(qtbot, window, [str(body)])
    # A new conversation: not the body's file, which stays as it was; the library keeps it.
    session = window.session
    assert session.path is None or session.path.parent == window.context.library.folder
    assert session.conversation.system_prompt == "Be brief."
    assert body.read_bytes() == before


def test_export_markdown_and_view_code(qtbot, window, server, tmp_path):
    send(qtbot, window, "export me")
    window.export_action.trigger()
    window.files.dialog.fileSelected.emit(str(tmp_path / "out.md"))
    assert "export me" in (tmp_path / "out.md").read_text()
    window.code_action.trigger()
    assert window.code_dialog.isVisible()
    snippet = window.code_dialog.snippet
    assert 'os.getenv("AZURE_OPENAI_API_KEY")' in snippet
    assert "export me" in snippet
    assert KEY not in snippet


def test_no_key_in_any_file_the_app_wrote(qtbot, window, server, tmp_path):
    send(qtbot, window, "secret-free?")
    save_as(window, tmp_path / "c.json")
    window.autosaver.save_changed()
    window.context.save_settings()
    home = Path(os.environ["CHATDESK_HOME"])
    written = [p for root in (home, tmp_path) for p in root.rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert KEY not in path.read_text(errors="replace"), path


# Streaming, with a recovery copy holding part of the reply: the kill comes mid-reply.
MID_STREAM = (
    "len(session.conversation) == 2 and len(session.conversation[-1].content) > 20 "
    "and window.autosaver.store.entries()"
)


def users_file(tmp_path: Path) -> Path:
    """A conversation file of the user's, outside the library (recovery copies keep it)."""
    path = tmp_path / "mine.chatdesk.json"
    save_conversation(Conversation(system_prompt="Be brief."), path)
    return path


def test_recovery_after_a_kill_mid_stream(qtbot, context, server, tmp_path):
    server.enqueue(Reply(text="partial " * 500, chunk_size=8, delay=0.05))
    script = write_driver(tmp_path / "driver.py", url=server.url, question="the question I typed",
                          paths=[users_file(tmp_path)], until=MID_STREAM,
                          then="window.autosaver.save(session)")  # fmt: skip
    assert kill_when_ready(script)

    entries = RecoveryStore().entries()
    assert len(entries) == 1
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.open_paths([])
    window.offer_recovery()
    window.recovery_dialog.restoreRequested.emit(entries)
    conv = window.session.conversation
    assert conv[0].content == "the question I typed"
    assert conv[1].role == "assistant"
    assert conv[1].content.startswith("partial partial")
    assert conv[1].meta.incomplete
    assert window.session.modified
    assert window.session.path == tmp_path / "mine.chatdesk.json"
    assert len(window.sessions) == 1
    for session in window.sessions:
        session.set_modified(False)


def test_a_library_conversation_killed_mid_stream_is_in_its_file(qtbot, server, tmp_path):
    """A library conversation is written within about a second: no recovery copy is made (it
    would only be discarded), and after the kill its file holds the partial reply."""
    server.enqueue(Reply(text="partial " * 500, chunk_size=8, delay=0.05))
    on_disk = (
        "session.path is not None and len(session.conversation) == 2 "
        "and 'partial partial' in session.path.read_text()"
    )
    script = write_driver(tmp_path / "driver.py", url=server.url, question="kept by the library",
                          until=on_disk)  # fmt: skip
    assert kill_when_ready(script)

    assert RecoveryStore().entries() == []
    [entry] = Library(data_dir() / "library").entries()
    conv = load_conversation(entry.path).conversation
    assert conv[0].content == "kept by the library"
    assert conv[1].content.startswith("partial partial")
    assert conv[1].meta.incomplete


def test_first_launch_without_a_profile_opens_connections(qtbot, tmp_path):
    from chatdesk.core.settings import Settings
    from chatdesk.service.chat import ChatService
    from chatdesk.service.connections import Connections
    from chatdesk.service.secrets import MemorySecretStore
    from chatdesk.ui.context import AppContext

    connections = Connections(Settings(), secrets=MemorySecretStore(), env={})
    context = AppContext(Settings(), connections, ChatService(connections.credentials))
    context.settings = connections.settings
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.open_paths([])
    window.ensure_connection()
    assert window.connection_dialog.isVisible()
    window.connection_dialog.reject()


def test_the_profile_is_switchable_and_remembered_by_name(qtbot, window, server, tmp_path):
    from chatdesk.core.profiles import ConnectionProfile

    second = ConnectionProfile("second", "azure-v1", server.url, "gpt-4o")
    window.context.settings.upsert_profile(second)
    window.context.connections.secrets.set("second", Secret(KEY))
    window.refresh_profiles()
    window.profile_box.setCurrentText("second")
    assert window.session.conversation.profile == "second"
    send(qtbot, window, "via the second profile")
    save_as(window, tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["profile"] == "second"


def test_opening_adds_to_recent_files_and_reopening_activates(qtbot, window, tmp_path):
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.fileformat import save_conversation

    path = tmp_path / "again.json"
    save_conversation(Conversation(system_prompt="Remember me."), path)
    open_and_wait(qtbot, window, [str(path)])
    assert window.context.settings.recent_files[0] == str(path)
    window.new_action.trigger()
    count = len(window.sessions)
    window.recent_menu.aboutToShow.emit()
    window.recent_menu.actions()[0].trigger()
    assert len(window.sessions) == count  # the open one is activated, not opened twice
    assert window.session.path == path


def test_timed_recovery_copies_are_written_off_the_gui_thread(qtbot, window, server, tmp_path):
    import threading

    open_and_wait(qtbot, window, [str(users_file(tmp_path))])  # a library one gets no copies
    store = window.autosaver.store
    threads = []
    save = store.save
    store.save = lambda *a: threads.append(threading.current_thread()) or save(*a)
    send(qtbot, window, "keep me safe")
    window.session.conversation.title = "changed"
    window.session.set_modified()
    window.autosaver.save_changed()
    # The reply's own copy may still be running: the changed one is queued behind it.
    qtbot.waitUntil(
        lambda: window.autosaver.wait(0) and [e.title for e in store.entries()] == ["changed"],
        timeout=5000,
    )
    assert threads
    assert threading.main_thread() not in threads
    [entry] = store.entries()
    assert entry.title == "changed"
    # Closed on purpose while a copy is being written: no copy is left to offer.
    window.session.set_modified()
    window.autosaver.save_changed()
    window.autosaver.forget(window.session)
    qtbot.wait(200)
    assert store.entries() == []


def test_save_as_suggests_a_name_of_chatdesks_own_file_type(qtbot, window):
    window.session.conversation.title = "Tax questions"
    window.save_as_action.trigger()
    dialog = window.files.dialog
    assert dialog.defaultSuffix() == "chatdesk.json"
    assert Path(dialog.selectedFiles()[0]).name == "Tax questions.chatdesk.json"
    dialog.reject()


def test_save_as_suggests_the_conversations_title_not_a_placeholder(qtbot, window, server):
    # Reported: an untitled conversation (the sidebar shows its automatic title) was offered
    # as "conversation.chatdesk.json"; once in the library, as "<library id>.chatdesk.json".
    server.enqueue(Reply(text="Use pandas.read_csv."))
    send(qtbot, window, "How do I read a CSV file?")
    assert window.session.conversation.title == ""
    window.save_as_action.trigger()
    dialog = window.files.dialog
    assert Path(dialog.selectedFiles()[0]).name == "How do I read a CSV file.chatdesk.json"
    dialog.reject()
    qtbot.waitUntil(lambda: window.session.path is not None, timeout=10_000)  # in the library
    qtbot.waitUntil(lambda: window.windowTitle().startswith("How do I read a CSV file?"))
    window.save_as_action.trigger()
    dialog = window.files.dialog
    assert Path(dialog.selectedFiles()[0]).name == "How do I read a CSV file.chatdesk.json"
    dialog.reject()


def test_a_library_conversation_never_shows_the_unsaved_mark_while_it_streams(
    qtbot, window, server
):
    # Reported: the title got "*" while a reply streamed into a library conversation.
    server.enqueue(Reply(text="one"))
    send(qtbot, window, "first")
    qtbot.waitUntil(lambda: window.session.path is not None, timeout=10_000)  # in the library
    marks = []
    window.session.model.dataChanged.connect(lambda *_: marks.append(window.isWindowModified()))
    server.enqueue(Reply(text="A longer answer, streamed in small pieces. " * 6, chunk_size=4,
                         delay=0.01))  # fmt: skip
    send(qtbot, window, "second")
    assert marks
    assert not any(marks)
    assert not window.isWindowModified()


def test_undoing_back_to_the_saved_state_clears_the_unsaved_mark(qtbot, window, server, tmp_path):
    # Reported: after undoing every edit, an opened file still showed "*".
    conv = Conversation(system_prompt="sys")
    for i in range(4):
        conv.append(Message("user" if i % 2 == 0 else "assistant", f"message {i}"))
    path = tmp_path / "opened.json"
    save_conversation(conv, path)
    open_and_wait(qtbot, window, [str(path)])
    session = window.session
    assert session.path == path
    assert not window.isWindowModified()
    session.delete(1)
    assert session.modified
    assert window.isWindowModified()
    session.undo_stack.undo()
    assert not session.modified
    assert not window.isWindowModified()
    session.undo_stack.redo()
    assert window.isWindowModified()
    session.undo_stack.undo()
    assert not window.isWindowModified()
    # Saved with an edit in it: that is the state undo comes back to.
    session.delete(0)
    window.save_action.trigger()
    assert not window.isWindowModified()
    session.undo_stack.undo()
    assert window.isWindowModified()
    session.undo_stack.redo()
    assert not window.isWindowModified()
    # A change the stack cannot undo keeps the mark, whatever is undone after it.
    session.delete(0)
    server.enqueue(Reply(text="two"))
    send(qtbot, window, "again")
    session.undo_stack.undo()
    assert session.modified
    assert window.isWindowModified()


def test_saving_keeps_unknown_keys_inside_params_trimming_and_metadata(
    qtbot, window, server, tmp_path
):
    """The window's save wrote `params`, `trimming` and each reply's `metadata` without the
    keys chatdesk did not know (session 12): kept now, an edited temperature saved as edited,
    and the unknown parameters never sent."""
    path = tmp_path / "theirs.chatdesk.json"
    path.write_text(KEPT_FILE)
    open_and_wait(qtbot, window, [str(path)])
    params, trimming = window.params_panel.values()
    params.temperature = 0.8
    window.params_panel.set_values(params, trimming)
    window.params_panel.changed.emit()
    server.enqueue(Reply(text="Now this."))
    window.composer.set_text("And now?")
    window.composer.input.submit.emit()
    conv = window.session.conversation
    qtbot.waitUntil(lambda: conv[-1].content == "Now this." and not window.session.busy)
    window.save_action.trigger()
    saved = json.loads(path.read_text())
    assert saved["params"] == {"temperature": 0.8, "seed_note": "x", "future_param": 3}
    assert saved["trimming"]["future_trim"] == 1
    assert saved["messages"][1]["metadata"] == KEPT_REPLY_META
    assert saved["messages"][-1]["content"] == "Now this."
    sent = server.requests[-1].json
    assert sent["temperature"] == 0.8
    assert not {"seed_note", "future_param", "future_trim"} & set(sent)


def test_save_as_and_export_start_in_the_last_folder_after_a_restart(
    qtbot, window, server, tmp_path
):
    """The tester (session 14): after a restart Save as and Export started in the home folder
    again; nothing was kept in settings.json."""
    out = tmp_path / "out"
    out.mkdir()
    send(qtbot, window, "export me")
    window.export_action.trigger()
    assert window.files.dialog.directory().absolutePath() != str(out)
    window.files.dialog.fileSelected.emit(str(out / "plan.md"))
    assert (out / "plan.md").is_file()
    saved = load_settings(tmp_path / "settings.json").settings
    assert saved.last_folder == str(out)
    context = window.context
    again = AppContext(saved, context.connections, context.service,
                       settings_path=tmp_path / "settings.json")  # fmt: skip
    restarted = MainWindow(again)
    qtbot.addWidget(restarted)
    restarted.open_paths([])
    restarted.save_as_action.trigger()
    assert restarted.files.dialog.directory().absolutePath() == str(out)
    restarted.files.dialog.reject()
    restarted.export_action.trigger()
    assert restarted.files.dialog.directory().absolutePath() == str(out)
    restarted.files.dialog.reject()
    for session in restarted.sessions:
        session.shutdown()
