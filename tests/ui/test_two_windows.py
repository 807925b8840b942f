"""Two windows on one library conversation lose nothing typed in either (tester, session 13,
findings 1 and 2), with the tester's own texts.

The other window is a second `MainWindow` in this process with a context of its own, as a
second chatdesk process has (the same settings, library folder and index file): it writes the
library file through the same path a second process does (`LibrarySaver` → `Library.save`,
atomically, then the index), and each window sees the other's writes only through the library
folder's watch, as two processes do.
"""

from __future__ import annotations

import json
import os

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.paths import recovery_dir
from chatdesk.service.chat import ChatService
from chatdesk.service.connections import Connections
from chatdesk.service.retry import RetryPolicy
from chatdesk.service.secrets import MemorySecretStore, Secret
from chatdesk.ui.context import AppContext
from chatdesk.ui.main_window import MainWindow
from tests.support.fake_azure import Reply
from tests.ui.conftest import KEY

REWRITE = " -- my careful rewrite that took ten minutes"
W2_QUESTION = "Third question, sent from window two while window one edits"
W1_DRAFT = "Draft in window one, not sent yet"
W2_DRAFT_QUESTION = "Fourth question from window two"


@pytest.fixture
def other(qtbot, context, tmp_path):
    """Window two: a context of its own over the same settings (so the same library)."""
    settings = context.settings
    store = MemorySecretStore()
    store.set("test", Secret(KEY))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(
        connections.credentials,
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        notes=settings.deployments,
    )
    mine = AppContext(settings, connections, service, settings_path=tmp_path / "two.json")
    win = MainWindow(mine)
    qtbot.addWidget(win)
    win.open_paths([])
    win.show()
    qtbot.waitUntil(lambda: win._painted and win.session.budget is not None, timeout=10_000)
    yield win
    for session in win.sessions:
        session.set_modified(False)
        session.shutdown()


def texts(window) -> list[str]:
    return list(window.session.conversation.texts())


def both_open(qtbot, window, other):
    """The tester's conversation ("a few turns"), open in both windows."""
    conv = Conversation()
    for text in ("First question", "First answer", "Question from window two",
                 "Answer to window two"):  # fmt: skip
        conv.append(Message("user" if text.endswith(("question", "two")) else "assistant", text))
    id = window.context.library.create(conv).id
    for win in (window, other):
        win.library_link.start()
        session = win.library_link.open(id)
        qtbot.waitUntil(lambda s=session: not s.loading, timeout=10_000)
        qtbot.waitUntil(lambda w=win: w.library_saver.tracked(w.session), timeout=10_000)
        qtbot.waitUntil(lambda w=win: w.sidebar.jobs is not None and not w.sidebar.jobs.busy,
                        timeout=10_000)  # fmt: skip
    return id


def sent_from(qtbot, win, server, text, answer):
    server.enqueue(Reply(answer))
    win.composer.set_text(text)
    win.composer.input.submit.emit()
    qtbot.waitUntil(lambda: answer in texts(win) and not win.session.busy, timeout=10_000)
    qtbot.waitUntil(lambda: not win.session.modified and win.library_saver.written(win.session),
                    timeout=10_000)  # fmt: skip


def followed(qtbot, win, text):
    """`win` shows what the other window wrote last (it followed the file), read to the end
    (not a write made while the reply streamed: the window's own next write would then be
    taken for a change made in two places, as it is)."""

    def as_on_disk() -> bool:
        session = win.session
        if text not in texts(win) or session.loading or session.disk is None:
            return False
        info = os.stat(session.path)
        return (info.st_mtime_ns, info.st_size) == (session.disk.mtime_ns, session.disk.size)

    qtbot.waitUntil(as_on_disk, timeout=10_000)
    qtbot.wait(50)  # what waits for the load (an edit carried over) has run


def draft_written(qtbot, window, other, id, draft):
    """`draft` typed in `window`, written to the file, and `other` following that write."""
    before = other.session
    window.composer.set_text(draft)
    library = window.context.library
    qtbot.waitUntil(lambda: library.load(id).conversation.draft == draft, timeout=10_000)
    qtbot.waitUntil(lambda: other.session is not before and not other.session.loading,
                    timeout=10_000)  # fmt: skip


def copies_holding(text):
    found = []
    for file in recovery_dir().glob("*.json"):
        if text in file.read_text("utf-8"):
            found.append(json.loads(file.read_text("utf-8")))
    return found


def edit_typed(window, history_index, typed):
    model = window.session.model
    window.transcript.trigger_action("edit", history_index - model.hidden)
    editor = window.inline_edit.editor
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.insertPlainText(typed)
    return editor


# -- finding 1: an edit in place ---------------------------------------------------------------


def test_an_open_edit_stays_open_when_the_other_window_sends(qtbot, window, other, server):
    both_open(qtbot, window, other)
    edit_typed(window, 2, REWRITE)
    qtbot.waitUntil(lambda: bool(copies_holding("ten minutes")), timeout=10_000)
    sent_from(qtbot, other, server, W2_QUESTION, "Reply to window two")
    followed(qtbot, window, "Reply to window two")
    assert W2_QUESTION in texts(window)
    editor = window.inline_edit.editor
    assert editor is not None, "the edit was thrown away"
    assert editor.isVisible()
    assert editor.toPlainText() == "Question from window two" + REWRITE
    assert window.session.model.history_index(window.inline_edit.row) == 2
    # Over its card: the editor sits on the question's row.
    row_rect = window.transcript.visualRect(window.session.model.index(window.inline_edit.row))
    assert row_rect.intersects(editor.geometry())
    # Crash recovery still has it (the session before was closed with its copy).
    qtbot.waitUntil(lambda: any(c.get("edit", {}).get("text", "").endswith(REWRITE)
                                for c in copies_holding("ten minutes")),
                    timeout=10_000)  # fmt: skip
    # Resending it goes on from the conversation as it is now: no "(changed in two places)".
    server.enqueue(Reply("Reply to the rewrite"))
    editor.resend_button.click()
    qtbot.waitUntil(lambda: "Reply to the rewrite" in texts(window) and not window.session.busy,
                    timeout=10_000)  # fmt: skip
    qtbot.waitUntil(lambda: not window.session.modified, timeout=10_000)
    assert [e.title for e in window.context.library.entries()] == ["First question"]


def test_an_edit_set_aside_in_a_conversation_not_shown_follows_it_too(
    qtbot, window, other, server
):
    id = both_open(qtbot, window, other)
    edit_typed(window, 2, REWRITE)
    shown = window.new_conversation()  # the edit is set aside with its conversation
    assert window.inline_edit.editor is None
    sent_from(qtbot, other, server, W2_QUESTION, "Reply to window two")
    path = window.context.library.path(id)
    qtbot.waitUntil(lambda: any(s.path == path and "Reply to window two" in
                                s.conversation.texts() and not s.loading
                                for s in window.sessions), timeout=10_000)  # fmt: skip
    assert window.session is shown
    window.library_link.open(id)  # shown again: its editor opens with what was typed
    editor = window.inline_edit.editor
    assert editor is not None, "the edit was thrown away"
    assert editor.toPlainText() == "Question from window two" + REWRITE
    assert window.session.model.history_index(window.inline_edit.row) == 2


def test_an_edit_whose_question_was_changed_elsewhere_goes_to_the_message_box(
    qtbot, window, other, server
):
    id = both_open(qtbot, window, other)
    draft_written(qtbot, window, other, id, "a draft of mine")
    edit_typed(window, 2, REWRITE)
    server.enqueue(Reply("Reply to the reworded question"))
    other.session.edit_and_resend(2, "Question from window two, reworded there")
    qtbot.waitUntil(lambda: not other.session.busy, timeout=10_000)
    followed(qtbot, window, "Reply to the reworded question")
    assert window.inline_edit.editor is None  # its question is not the one it was opened on
    assert window.composer.text() == f"a draft of mine\n\nQuestion from window two{REWRITE}"
    assert "what you typed into it is in the message box" in window.session.status


def test_an_edit_whose_card_goes_away_keeps_its_text(qtbot, window, server):
    # The same rule when the card goes for another reason: here Clear conversation.
    server.enqueue(Reply("a1"))
    window.composer.set_text("first question")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: "a1" in texts(window) and not window.session.busy, timeout=10_000)
    edit_typed(window, 0, REWRITE)
    window.session.clear()
    qtbot.waitUntil(lambda: window.inline_edit.editor is None, timeout=5_000)
    assert window.composer.text() == "first question" + REWRITE
    assert "what you typed into it is in the message box" in window.session.status


# -- finding 2: the draft ----------------------------------------------------------------------


def test_a_draft_stays_in_its_own_window(qtbot, window, other, server):
    id = both_open(qtbot, window, other)
    library = window.context.library
    draft_written(qtbot, window, other, id, W1_DRAFT)
    assert other.composer.text() == ""  # never another window's draft in this box
    other.composer.input.setFocus()
    sent_from(qtbot, other, server, W2_DRAFT_QUESTION, "Reply to the fourth")
    on_disk = library.load(id).conversation
    assert [m.content for m in on_disk.messages()][-2] == W2_DRAFT_QUESTION  # nothing merged
    # Window one keeps its draft; the file keeps it too (window two had none of its own).
    followed(qtbot, window, "Reply to the fourth")
    assert window.composer.text() == W1_DRAFT
    assert window.session.draft == W1_DRAFT
    assert on_disk.draft == W1_DRAFT
    # Window two's next launch opens the conversation with the file's draft, not its own
    # empty one: an empty box there never erases window one's draft from the file.
    path = str(library.path(id))
    [kept] = [c for c in other.memory.capture().conversations if c.path == path]
    assert kept.draft is None


def test_a_draft_replaced_in_the_file_by_another_windows_draft_is_kept_for_recovery(
    qtbot, window, other, server
):
    id = both_open(qtbot, window, other)
    library = window.context.library
    draft_written(qtbot, window, other, id, W1_DRAFT)
    draft_written(qtbot, other, window, id, "Window two's own draft")  # the file keeps it
    assert window.composer.text() == W1_DRAFT
    # Window one's draft is in no file now: a recovery copy holds it until its next write.
    qtbot.waitUntil(lambda: bool(copies_holding(W1_DRAFT)), timeout=10_000)
    [copy] = copies_holding(W1_DRAFT)
    assert copy["conversation"]["draft"] == W1_DRAFT
    window.composer.set_text(W1_DRAFT + ", now longer")  # written: the file holds it again
    qtbot.waitUntil(lambda: library.load(id).conversation.draft.endswith("now longer"),
                    timeout=10_000)  # fmt: skip
    qtbot.waitUntil(lambda: not copies_holding(W1_DRAFT), timeout=10_000)
    followed(qtbot, other, "First question")  # (window one's last write)
    assert other.composer.text() == "Window two's own draft"


# -- session 14: the recovery copy across a follow -----------------------------------------------


def test_the_recovery_copy_of_an_open_edit_is_never_gone_while_the_file_is_read_again(
    qtbot, window, other, server
):
    # Reported: after following the other window's change, this window's copy was gone until
    # the file had been read again (about a second): a crash then lost the edit.
    from chatdesk.ui.qt.core import QTimer

    both_open(qtbot, window, other)
    edit_typed(window, 2, REWRITE)
    qtbot.waitUntil(lambda: bool(copies_holding("ten minutes")), timeout=10_000)
    gaps = []  # each look at the recovery folder that found no copy holding the edit
    watch = QTimer()
    watch.setInterval(0)
    watch.timeout.connect(lambda: copies_holding(REWRITE) or gaps.append(window.session))
    watch.start()
    try:
        sent_from(qtbot, other, server, W2_QUESTION, "Reply to window two")
        followed(qtbot, window, "Reply to window two")
        qtbot.wait(200)
    finally:
        watch.stop()
    assert window.inline_edit.editor is not None
    assert gaps == []
    [copy] = copies_holding(REWRITE)  # the new session's, the old one's dropped
    assert W2_QUESTION in json.dumps(copy["conversation"])
