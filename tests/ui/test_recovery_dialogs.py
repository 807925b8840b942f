"""The "View code" and recovery dialogs, driven the way a user drives them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog

from chatdesk.core.codegen import python_snippet
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.recovery import RecoveryStore
from chatdesk.ui.code_dialog import CodeDialog
from chatdesk.ui.recovery_dialog import RecoveryDialog
from tests.support.accessibility import assert_accessible

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def snippet() -> str:
    conv = Conversation(system_prompt="Be brief.")
    conv.append(Message("user", 'Say "hi" — ünïcode'))
    profile = ConnectionProfile("p", "azure-v1", "https://contoso.openai.azure.com/", "gpt-4o")
    return python_snippet(conv, profile)


# -- View code -------------------------------------------------------------------------------
@pytest.fixture
def code_dialog(qtbot):
    dialog = CodeDialog(snippet())
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_code_dialog_shows_the_snippet_read_only_in_monospace(code_dialog):
    assert code_dialog.windowTitle() == "View code"
    assert code_dialog.editor.toPlainText() == code_dialog.snippet
    assert code_dialog.editor.isReadOnly()
    # The test machine may have no monospace font installed; the choice is what matters.
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert code_dialog.editor.font().family() == fixed.family()
    assert code_dialog.isModal()  # open() is window-modal, not a blocking exec()
    assert_accessible(code_dialog)


def test_code_dialog_highlights_python(code_dialog):
    block = code_dialog.editor.document().findBlockByNumber(
        code_dialog.snippet.splitlines().index("from openai import OpenAI")
    )
    formats = block.layout().formats()
    assert formats  # "from" and "import" are keywords
    assert any(f.format.foreground().color().isValid() for f in formats)


def test_copy_puts_the_snippet_on_the_clipboard(code_dialog, qtbot):
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(code_dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == code_dialog.snippet
    assert code_dialog.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: code_dialog.copy_button.text() == "Copy", timeout=3000)
    assert code_dialog.copy_button.accessibleName() == "Copy"


def test_close_rejects(code_dialog, qtbot):
    with qtbot.waitSignal(code_dialog.finished) as finished:
        qtbot.keyClick(code_dialog, Qt.Key.Key_Escape)
    assert finished.args == [QDialog.DialogCode.Rejected.value]


# -- recovery --------------------------------------------------------------------------------
@pytest.fixture
def entries(tmp_path):
    store = RecoveryStore()
    titled = Conversation(title="Tax questions")
    titled.append(Message("user", "When?"))
    titled.append(Message("assistant", "April", meta=MessageMeta(incomplete=True)))
    store.save("titled", titled, None)
    time.sleep(0.005)
    saved = Conversation()
    saved.append(Message("user", "hi"))
    store.save("saved", saved, tmp_path / "notes.chat.json")
    time.sleep(0.005)
    store.save("blank", Conversation(), None)
    found = store.entries()
    assert [e.id for e in found] == ["blank", "saved", "titled"]
    return found


@pytest.fixture
def recovery(qtbot, entries):
    dialog = RecoveryDialog(entries)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_recovery_dialog_lists_entries(recovery, entries):
    assert "was not closed properly" in recovery.message.text()
    texts = [recovery.list.item(i).text() for i in range(recovery.list.count())]
    assert texts[0].startswith("New conversation — 0 messages, saved ")
    assert texts[1].startswith("notes.chat.json — 1 message, saved ")
    assert texts[2].startswith("Tax questions — 2 messages, saved ")
    when = entries[2].saved_datetime.astimezone().strftime("%Y-%m-%d %H:%M")
    assert texts[2].endswith(when)
    assert recovery.list.item(1).toolTip() == f"{texts[1]}\n{entries[1].path}"  # the whole line
    assert all(recovery.list.item(i).checkState() == Qt.CheckState.Checked for i in range(3))
    assert recovery.isModal()
    assert_accessible(recovery)


def test_restore_selected_emits_the_checked_entries(recovery, entries, qtbot):
    recovery.list.item(1).setCheckState(Qt.CheckState.Unchecked)
    with (
        qtbot.waitSignal(recovery.restoreRequested) as restored,
        qtbot.assertNotEmitted(recovery.discardRequested),
        qtbot.waitSignal(recovery.accepted),
    ):
        qtbot.mouseClick(recovery.restore_button, Qt.MouseButton.LeftButton)
    chosen = restored.args[0]
    assert [e.id for e in chosen] == ["blank", "titled"]
    assert chosen[1] is entries[2]  # the very objects, ready for RecoveryStore.load
    conv = RecoveryStore().load(chosen[1])
    assert conv[1].content == "April"
    assert conv[1].meta.incomplete


def test_restore_is_disabled_with_nothing_checked(recovery, qtbot):
    for i in range(recovery.list.count()):
        recovery.list.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not recovery.restore_button.isEnabled()
    recovery.list.item(2).setCheckState(Qt.CheckState.Checked)
    assert recovery.restore_button.isEnabled()


def test_checking_by_keyboard(recovery, qtbot):
    recovery.list.setFocus()
    recovery.list.setCurrentRow(0)
    qtbot.keyClick(recovery.list, Qt.Key.Key_Space)
    assert [e.id for e in recovery.checked()] == ["saved", "titled"]


def test_discard_all_emits_every_entry(recovery, entries, qtbot):
    recovery.set_checked(entries[0], False)  # discarding is of all, checked or not
    with (
        qtbot.waitSignal(recovery.discardRequested) as discarded,
        qtbot.assertNotEmitted(recovery.restoreRequested),
        qtbot.waitSignal(recovery.finished),
    ):
        qtbot.mouseClick(recovery.discard_button, Qt.MouseButton.LeftButton)
    assert discarded.args[0] == entries
    assert not recovery.isVisible()


@pytest.mark.parametrize("how", ["button", "escape"])
def test_later_keeps_everything(recovery, qtbot, how):
    with (
        qtbot.assertNotEmitted(recovery.restoreRequested),
        qtbot.assertNotEmitted(recovery.discardRequested),
        qtbot.waitSignal(recovery.rejected),
    ):
        if how == "button":
            qtbot.mouseClick(recovery.later_button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(recovery, Qt.Key.Key_Escape)
    assert len(RecoveryStore().entries()) == 3


def test_recovery_dialog_with_a_path_entry_survives_a_missing_file(qtbot, tmp_path):
    store = RecoveryStore()
    conv = Conversation(title="Gone")
    store.save("gone", conv, Path(tmp_path / "deleted.json"))
    dialog = RecoveryDialog(store.entries())
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 1
    # The title it holds and its file, as the window's title names it.
    assert dialog.list.item(0).text().startswith("Gone (deleted.json) — 0 messages")


def test_an_older_copy_starts_unchecked_and_enter_does_not_restore_it(qtbot, tmp_path):
    import msgspec.structs

    store = RecoveryStore()
    store.save("q", Conversation(title="q"), tmp_path / "q.json")
    [entry] = store.entries()
    older = msgspec.structs.replace(
        entry, older_than="q.json as it was saved since", kept_for_later=True
    )
    dialog = RecoveryDialog([older])
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert "not closed properly" not in dialog.message.text()
    assert "kept for later" in dialog.message.text()
    assert "older than the conversation as it is now" in dialog.message.text()
    assert dialog.list.item(0).text().endswith("— older than q.json as it was saved since")
    assert dialog.list.item(0).checkState() == Qt.CheckState.Unchecked
    assert dialog.later_button.isDefault()
    with qtbot.assertNotEmitted(dialog.restoreRequested), qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)


# -- one name for an own file ------------------------------------------------------------------
def test_an_own_file_has_one_name_in_the_window_the_list_recovery_and_export(qtbot, window,
                                                                             tmp_path):
    # Reported: mine.chatdesk.json holding "title": "My own notes" was "mine.chatdesk.json" in
    # the window and the sidebar but "My own notes" in the recovery dialog. Then (session 14)
    # a file's title names it where conversations are named, as in the library, and its file
    # is said too where the file matters (a recovery copy goes back into it); a library
    # conversation's copy is named by its title alone, its file name being an id.
    from chatdesk.core.fileformat import save_conversation
    from chatdesk.core.library import Library

    mine = tmp_path / "mine.chatdesk.json"
    conv = Conversation(title="My own notes")
    conv.append(Message("user", "hi from first"))
    conv.append(Message("assistant", "hello"))
    save_conversation(conv, mine)
    conv.append(Message("user", "typed before the crash"))
    store = window.autosaver.store
    store.save(store.new_id(), conv, mine)
    # A library conversation's copy (made while its folder could not be written): its file
    # name is an id, its title says more.
    library_file = window.context.library.path(Library.new_id())
    theirs = Conversation()
    theirs.append(Message("user", "What is a heron?"))
    store.save(store.new_id(), theirs, library_file)

    window.offer_recovery()
    dialog = window.recovery_dialog
    lines = sorted(dialog.list.item(row).text().split(" — ")[0] for row in range(2))
    assert lines == ["My own notes (mine.chatdesk.json)", "What is a heron?"]
    [own] = [e for e in dialog.entries if e.path == mine]
    dialog.restoreRequested.emit([own])
    dialog.reject()
    session = window.session
    assert session.path == mine
    assert session.display_name() == "My own notes"
    assert window.sidebar.library_model.files == [("* My own notes", str(mine))]
    window.export_action.trigger()
    assert Path(window.files.dialog.selectedFiles()[0]).name == "mine.md"
    window.files.dialog.reject()
    for each in window.sessions:
        each.set_modified(False)
