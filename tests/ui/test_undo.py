"""Issue 15 item 3 on the real window: one undo stack per conversation for deleting a message,
clearing it, a preset over the prompt and examples, and editing examples."""

from __future__ import annotations

from chatdesk.core.presets import BUILTIN_PRESETS, replaces_own_prompt
from tests.support.fake_azure import Reply
from tests.ui.test_main_window import contents, type_and_send, wait_idle


def chat(qtbot, window, server, *texts):
    for text in texts:
        server.enqueue(Reply(f"re: {text}"))
        type_and_send(qtbot, window, text)
        wait_idle(qtbot, window)


def test_delete_and_clear_are_undone_and_redone(qtbot, window, server):
    chat(qtbot, window, server, "one", "two")
    session = window.session
    before = contents(window)
    session.delete(1)
    assert contents(window) == [before[0], *before[2:]]
    assert session.plan.history_len == 3  # the meter follows
    session.undo_stack.undo()
    assert contents(window) == before
    assert session.model.rowCount() == 4
    session.clear()
    assert contents(window) == []
    assert session.undo_stack.undoText() == "Clear conversation"
    session.undo_stack.undo()
    assert contents(window) == before
    session.undo_stack.redo()
    assert contents(window) == []
    session.undo_stack.undo()
    server.enqueue(Reply("ok"))
    type_and_send(qtbot, window, "three")  # what is sent is what is shown again
    wait_idle(qtbot, window)
    sent = [m["content"] for m in server.last_request.json["messages"][1:]]
    assert sent == ["one", "re: one", "two", "re: two", "three"]


def test_a_preset_replaces_prompt_and_examples_and_undo_brings_them_back(qtbot, window):
    session = window.session
    session.set_system_prompt("My own careful prompt.")
    session.set_examples([("q", "a")])
    preset = next(p for p in BUILTIN_PRESETS if p.examples)
    known = [p.system_prompt for p in BUILTIN_PRESETS]
    assert replaces_own_prompt("My own careful prompt.", known)  # the window asks first
    assert not replaces_own_prompt(preset.system_prompt, known)
    assert not replaces_own_prompt("  ", known)
    session.apply_preset(preset)
    conv = session.conversation
    assert conv.system_prompt == preset.system_prompt
    assert len(conv.examples) == 2 * len(preset.examples)
    session.undo_stack.undo()
    assert conv.system_prompt == "My own careful prompt."
    assert [m.content for m in conv.examples] == ["q", "a"]
    session.undo_stack.redo()
    assert conv.system_prompt == preset.system_prompt


def test_example_edits_are_one_step_and_each_conversation_has_its_own_stack(qtbot, window):
    session = window.session
    for typed in ("W", "Wh", "Why"):  # typing in an example: one undo step
        session.set_examples([(typed, "")])
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()
    assert session.conversation.examples == []
    other = window.new_conversation()
    assert other.undo_stack is not session.undo_stack
    assert other.undo_stack.count() == 0


def test_typing_in_the_system_prompt_is_undone_with_the_conversation(qtbot, window):
    # Reported: typing in the prompt used the editor's own undo, so undoing a preset after
    # typing lost the typing. Now: a preset, then typing, then Ctrl+Z twice, then redo.
    from PySide6.QtCore import Qt

    session, editor = window.session, window.system_editor
    original = session.conversation.system_prompt
    preset = BUILTIN_PRESETS[1]
    window.system_editor.presetApplied.emit(preset)  # over the default prompt: no question
    assert editor.text() == preset.system_prompt
    editor.edit.setFocus()
    editor.edit.moveCursor(editor.edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor.edit, " Be brief.")
    typed = preset.system_prompt + " Be brief."
    assert session.conversation.system_prompt == typed
    assert session.undo_stack.count() == 2  # the preset, and the typing as one step
    qtbot.keyClick(editor.edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # in the editor
    assert session.conversation.system_prompt == preset.system_prompt
    assert editor.text() == preset.system_prompt
    qtbot.keyClick(editor.edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.conversation.system_prompt == original
    assert editor.text() == original
    session.undo_stack.redo()
    session.undo_stack.redo()
    assert editor.text() == typed
    assert session.conversation.system_prompt == typed
    assert session.plan.pinned_tokens > 0


def test_ctrl_z_in_the_message_box_reaches_a_deleted_message(qtbot, window, server):
    """Delete on a card, click the empty message box, Ctrl+Z: nothing happened (the box took
    Ctrl+Z though it had nothing to undo); Edit ▸ Undo worked."""
    from PySide6.QtCore import Qt

    chat(qtbot, window, server, "one")
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    before = contents(window)
    window.transcript.deleteRequested.emit(1)
    assert contents(window) == before[:1]
    box = window.composer.input
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    box.setFocus()
    assert box.toPlainText() == ""
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert contents(window) == before
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(box, Qt.Key.Key_Z, redo)
    assert contents(window) == before[:1]
    # Typing in the box is the box's to undo first; then the conversation's.
    qtbot.keyClicks(box, "draft")
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert box.toPlainText() == ""
    assert contents(window) == before[:1]
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert contents(window) == before


def test_the_shortcut_list_names_undo_view_code_and_ctrl_enter():
    from chatdesk.ui.window_menus import SHORTCUTS

    keys = " ".join(keys for _, keys in SHORTCUTS)
    for shortcut in ("Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Shift+C", "Ctrl+Enter"):
        assert shortcut in keys


def test_leave_out_and_include_again_are_undone(qtbot, window, server):
    # "Leave out" set the flag on the message behind the session's back: Ctrl+Z did not undo it.
    chat(qtbot, window, server, "one", "two")
    session = window.session
    window.transcript.includeRequested.emit(0, False)  # the card's "Leave out"
    assert session.conversation[0].meta.include is False
    assert session.plan.left_out == (0, 1)
    assert window.undo_action.text() == "&Undo Leave out"
    window.undo_action.trigger()
    assert session.conversation[0].meta.include is None
    assert session.plan.left_out == ()
    assert session.model.is_sent(0)
    window.redo_action.trigger()
    assert session.conversation[0].meta.include is False
    assert session.plan.left_out == (0, 1)
    window.transcript.includeRequested.emit(0, True)  # "Include again": back to the rule
    assert session.conversation[0].meta.include is None
    assert window.undo_action.text() == "&Undo Include again"
    window.undo_action.trigger()
    assert session.conversation[0].meta.include is False
    server.enqueue(Reply("ok"))
    type_and_send(qtbot, window, "three")  # what is sent follows the undo
    wait_idle(qtbot, window)
    sent = [m["content"] for m in server.last_request.json["messages"][1:]]
    assert sent == ["two", "re: two", "three"]
