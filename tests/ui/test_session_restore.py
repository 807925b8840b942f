"""The session comes back: open conversations, the selected one, drafts and scroll positions,
through a real window closed and a new one launched; what is gone is skipped without a word."""

from __future__ import annotations

from PySide6.QtCore import Qt

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.session_state import load_session_state, state_path
from chatdesk.ui.library_model import Kind, Roles
from chatdesk.ui.main_window import MainWindow
from tests.support.opening import open_and_wait


def conversation_file(tmp_path, name, n):
    conv = Conversation(system_prompt="sys")
    for i in range(n):
        conv.append(Message("user" if i % 2 == 0 else "assistant", f"{name} message {i}\n\nmore"))
    path = tmp_path / f"{name}.json"
    save_conversation(conv, path)
    return path


def launch(qtbot, context):
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.restore_session()
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win._painted, timeout=10_000)
    return win


def launch_with_file(qtbot, context, path, system_prompt, question):
    """A window showing the file `path` of one exchange (saved first)."""
    conv = Conversation(system_prompt=system_prompt, title="My own notes")
    conv.append(Message("user", question))
    conv.append(Message("assistant", "Ten minutes."))
    save_conversation(conv, path)
    win = launch(qtbot, context)
    open_and_wait(qtbot, win, [str(path)])
    return win


def close(win):
    for session in win.sessions:
        session.set_modified(False)
    win.close()


def top_message(win):
    return win.transcript.scroll_anchor()


def test_the_session_comes_back_as_it_was(qtbot, context, tmp_path):
    long_path = conversation_file(tmp_path, "long", 1000)
    short_path = conversation_file(tmp_path, "short", 4)
    win = launch(qtbot, context)
    open_and_wait(qtbot, win, [str(long_path), str(short_path)])
    long_session, short_session = win.sessions[-2:]
    win.activate(long_session)
    win.composer.set_text("a draft for the long one")
    view = win.transcript
    # Far up in the long conversation: older messages brought in as rows by scrolling there.
    view.show_history_index(420)
    qtbot.wait(50)
    anchor = view.scroll_anchor()
    assert not anchor.at_end
    assert 410 <= anchor.index <= 420
    win.activate(short_session)
    win.composer.set_text("and one for the short")
    close(win)
    state = load_session_state()
    assert [c.path for c in state.conversations] == [str(long_path), str(short_path)]
    assert state.selected == 1

    again = launch(qtbot, context)
    assert [s.path for s in again.sessions] == [long_path, short_path]  # no blank beside them
    assert again.session.path == short_path
    assert again.composer.text() == "and one for the short"
    again.activate(again.sessions[0])
    assert again.composer.text() == "a draft for the long one"
    qtbot.waitUntil(lambda: not again.transcript.scroll_anchor().at_end, timeout=3000)
    assert again.transcript.scroll_anchor() == anchor
    close(again)


def test_switching_conversations_keeps_each_ones_scroll_position(qtbot, window, tmp_path):
    path = conversation_file(tmp_path, "long", 600)
    open_and_wait(qtbot, window, [str(path)])
    long_session = window.session
    window.transcript.show_history_index(450)
    qtbot.wait(50)
    before = window.transcript.scroll_anchor()
    window.activate(window.sessions[0])
    window.activate(long_session)
    assert window.transcript.scroll_anchor() == before


def test_a_deleted_or_broken_conversation_is_skipped_without_a_word(qtbot, context, tmp_path):
    kept = conversation_file(tmp_path, "kept", 2)
    gone = conversation_file(tmp_path, "gone", 2)
    broken = conversation_file(tmp_path, "broken", 2)
    win = launch(qtbot, context)
    open_and_wait(qtbot, win, [str(gone), str(kept), str(broken)])
    win.activate(win.sessions[-3])  # the deleted one was selected
    close(win)
    gone.unlink()
    broken.write_text("{ not a conversation", encoding="utf-8")

    again = launch(qtbot, context)
    assert [s.path for s in again.sessions] == [kept]
    assert again.session.path == kept
    assert getattr(again, "message_box", None) is None  # nothing to explain
    close(again)


def test_a_damaged_state_file_starts_an_empty_session(qtbot, context):
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_bytes(b"\x00\xff garbage")
    win = launch(qtbot, context)
    assert len(win.sessions) == 1
    assert win.sessions[0].path is None
    close(win)


def test_restoring_after_a_kill_opens_an_open_file_once_with_the_recovered_text(
    qtbot, context, tmp_path
):
    """`chatdesk bread-copy.chatdesk.json`, the system prompt edited, kill -9, relaunch,
    Restore selected: one conversation for the path, the recovered text, unsaved."""
    path = tmp_path / "bread-copy.chatdesk.json"
    first = launch_with_file(qtbot, context, path, "You bake.", "How long do I knead?")
    first.system_editor.edit.setFocus()
    first.system_editor.edit.selectAll()
    qtbot.keyClicks(first.system_editor.edit, "You bake sourdough.")
    qtbot.waitUntil(lambda: first.session.conversation.system_prompt == "You bake sourdough.")
    first.autosaver.save(first.session)
    first.memory.save()
    # kill -9: nothing of the first window runs any more; its copy and session.json stay.
    first.autosaver.stop()
    for session in first.sessions:
        session.shutdown()
    first.hide()

    second = launch(qtbot, context)
    second.offer_recovery()
    dialog = second.recovery_dialog
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    opened = [s for s in second.sessions if s.path == path]
    assert len(opened) == 1
    assert opened[0].conversation.system_prompt == "You bake sourdough."
    assert opened[0].modified
    assert second.session is opened[0]
    model = second.sidebar.library_model
    qtbot.waitUntil(lambda: second.sidebar.jobs is not None, timeout=10_000)
    files = [model.index(r).data() for r in range(model.rowCount())
             if model.index(r).data(Roles.Kind) is Kind.FILE]  # fmt: skip
    assert files == ["* My own notes"]  # the title its file gives (session 14)
    close(second)


def test_a_large_file_still_loading_at_start_comes_back_where_it_was_read(qtbot, context, tmp_path):
    # The tester's steps: a 6,001-message file, Ctrl+F "question 12", Esc, Ctrl+Q, relaunch.
    conv = Conversation(system_prompt="sys")
    for i in range(6001):
        text = f"question {i // 2}: what is it?" if i % 2 == 0 else f"answer {i // 2}: it is."
        conv.append(Message("user" if i % 2 == 0 else "assistant", text))
    path = tmp_path / "large.json"
    save_conversation(conv, path)
    win = launch(qtbot, context)
    open_and_wait(qtbot, win, [str(path)])
    win.composer.set_text("my draft")
    win.composer.input.setFocus()
    qtbot.keyClick(win.composer.input, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    win.find_bar.field.setText("question 12")
    qtbot.waitUntil(lambda: win.find_bar.count.text() != "", timeout=5000)
    qtbot.keyClick(win.find_bar.field, Qt.Key.Key_Escape)
    anchor = win.transcript.scroll_anchor()
    assert (anchor.index, anchor.at_end) == (24, False)
    close(win)
    item = load_session_state().conversations[-1]
    assert (item.scroll.index, item.scroll.at_end) == (24, False)

    again = launch(qtbot, context)  # the file is still being read when the window paints
    assert again.session.path == path
    qtbot.waitUntil(lambda: not again.session.loading, timeout=20_000)
    qtbot.wait(50)
    assert again.composer.text() == "my draft"
    assert again.transcript.scroll_anchor() == anchor
    first = again.transcript.indexAt(again.transcript.viewport().rect().topLeft())
    assert "question 12:" in again.session.model.message(first.row()).content
    close(again)


def test_a_file_with_a_draft_typed_before_a_kill_comes_back_once(qtbot, context, tmp_path):
    # The tester's steps: Ctrl+O mine.chatdesk.json, type "draft for dup test", wait, kill -9,
    # relaunch, Restore selected. The session brought the file back with its draft (an unsaved
    # change since last session), so the recovered copy opened beside it: two tabs of one
    # file, which Save all wrote over each other, and "changed by another program" after.
    path = tmp_path / "mine.chatdesk.json"
    first = launch_with_file(qtbot, context, path, "You are terse.", "What is a crane?")
    first.composer.input.setFocus()
    qtbot.keyClicks(first.composer.input, "draft for dup test")
    qtbot.waitUntil(lambda: first.session.draft == "draft for dup test")
    first.autosaver.save(first.session)
    first.memory.save()
    first.autosaver.stop()  # kill -9: nothing more of the first window runs
    for session in first.sessions:
        session.shutdown()
    first.hide()

    second = launch(qtbot, context)
    second.offer_recovery()
    qtbot.mouseClick(second.recovery_dialog.restore_button, Qt.MouseButton.LeftButton)
    opened = [s for s in second.sessions if s.path == path]
    assert len(opened) == 1
    assert opened[0].draft == "draft for dup test"
    assert opened[0].modified
    assert second.composer.text() == "draft for dup test"
    close(second)


def test_a_recovery_copy_that_cannot_be_read_is_said_by_its_file_name(
    qtbot, window, tmp_path, monkeypatch
):
    # The name in "Could not restore" was asked for as a method of a property: a copy that
    # failed to load raised a TypeError instead of saying which one and why.
    import msgspec.structs

    path = tmp_path / "mine.chatdesk.json"
    conv = Conversation(title="My own notes")
    conv.append(Message("user", "kept"))
    window.autosaver.store.save("mine", conv, path)
    [entry] = window.autosaver.store.entries()

    def broken() -> Conversation:
        raise ValueError("its messages are damaged")

    told = []
    monkeypatch.setattr(window, "show_message", lambda title, text: told.append((title, text)))
    window.restore([msgspec.structs.replace(entry, conversation_loader=broken)])
    assert told == [
        ("Could not restore", "My own notes (mine.chatdesk.json): its messages are damaged")
    ]
    assert not any(s.path == path for s in window.sessions)
