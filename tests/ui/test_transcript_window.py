"""A long conversation opens with only its newest messages as rows; older ones come on scroll."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.tokens import TokenCounter
from chatdesk.ui.chat_session import TRANSCRIPT_WINDOW
from chatdesk.ui.transcript_model import Roles, TranscriptModel
from tests.support.opening import open_and_wait


def conversation(n: int) -> Conversation:
    conv = Conversation(system_prompt="sys")
    for i in range(n):
        conv.append(Message("user" if i % 2 == 0 else "assistant", f"message {i}"))
    return conv


@pytest.fixture
def windowed(qtmodeltester):
    conv = conversation(1000)
    model = TranscriptModel()
    model.set_conversation(conv, None, window=100)
    qtmodeltester.check(model)
    return conv, model


def test_only_the_newest_messages_are_rows(windowed):
    conv, model = windowed
    assert (model.rowCount(), model.hidden) == (100, 900)
    assert model.message(0) is conv[900]
    assert model.data(model.index(99), Roles.Content) == "message 999"
    assert model.history_index(5) == 905
    assert model.last_assistant_row() == 99


def test_mutations_take_history_indices(qtbot, windowed, qtmodeltester):
    conv, model = windowed
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        index = model.append(Message("user", "new"))
    assert (index, inserted.args[1]) == (1000, 100)
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.append_content(1000, " text")
    assert changed.args[0].row() == 100
    model.set_first_sent(950)
    assert model.first_sent == 50
    assert model.data(model.index(49), Roles.Sent) is False
    assert model.data(model.index(50), Roles.Sent) is True
    model.remove(10)  # an older message that is not a row: the rows stay the same messages
    assert (model.rowCount(), model.hidden) == (101, 899)
    assert model.message(0) is conv[899]
    model.truncate(500)  # below the window: every row goes
    assert (model.rowCount(), model.hidden) == (0, 500)
    model.append(Message("user", "after"))
    assert model.message(0).content == "after"
    qtmodeltester.check(model)


def test_reveal_older_inserts_rows_at_the_top(qtbot, windowed, qtmodeltester):
    conv, model = windowed
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        assert model.reveal_older(250) == 250
    assert inserted.args[1:] == [0, 249]
    assert (model.rowCount(), model.hidden) == (350, 650)
    assert model.message(0) is conv[650]
    assert model.reveal_older(10_000) == 650
    assert model.hidden == 0
    assert model.reveal_older(5) == 0
    qtmodeltester.check(model)


def test_a_long_file_opens_windowed_and_scrolling_up_reveals_more(qtbot, window, tmp_path):
    path = tmp_path / "long.json"
    save_conversation(conversation(1000), path)
    open_and_wait(qtbot, window, [str(path)])
    model = window.session.model
    assert model.rowCount() == TRANSCRIPT_WINDOW
    view = window.transcript
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)
    view.verticalScrollBar().setValue(view.verticalScrollBar().minimum())
    qtbot.waitUntil(lambda: model.rowCount() > TRANSCRIPT_WINDOW, timeout=3000)
    assert view.verticalScrollBar().value() > view.verticalScrollBar().minimum()  # kept in place


def test_actions_on_a_row_reach_the_right_message(qtbot, window, tmp_path):
    path = tmp_path / "long.json"
    save_conversation(conversation(1000), path)
    open_and_wait(qtbot, window, [str(path)])
    session = window.session
    row = 3  # history index 703
    target = session.model.message(row)
    window.transcript.deleteRequested.emit(row)
    assert target not in session.conversation.history
    assert len(session.conversation) == 999
    window.transcript.editRequested.emit(0)
    assert window.inline_edit.editor.toPlainText() == session.model.message(0).content
    window.inline_edit.stop()


def test_a_long_file_builds_only_its_rows_and_the_loader_builds_the_rest(qtbot, window, tmp_path):
    path = tmp_path / "long.json"
    save_conversation(conversation(2000), path)
    open_and_wait(qtbot, window, [str(path)])
    session = window.session
    conv = session.conversation
    # Back in the event loop with at most the rows built: the loader starts after the paint.
    assert conv.unbuilt() >= 2000 - TRANSCRIPT_WINDOW
    assert session.revision == 0  # showing it set its draft again: not a change
    qtbot.waitUntil(lambda: session.budget is not None, timeout=10_000)
    assert conv.unbuilt() == 0
    counter = TokenCounter(session.budget.counter.name)
    expected = sum(counter.message_cost(m.role, m.content, m.name) for m in conv)
    assert session.budget.ledger.history_tokens() == expected
    assert not session.modified


def test_a_long_file_saves_back_unchanged_built_or_not(qtbot, window, tmp_path):
    path = tmp_path / "long.json"
    conv = conversation(2000)
    conv.profile = "test"  # what opening would set: the rest of the file is what it was
    save_conversation(conv, path)
    original = path.read_bytes()
    open_and_wait(qtbot, window, [str(path)])
    session = window.session
    copy = tmp_path / "copy.json"
    assert window.files.write(session, copy)  # before the loader has built anything
    assert copy.read_bytes() == original
    qtbot.waitUntil(lambda: session.budget is not None, timeout=10_000)
    model = session.model
    assert model.reveal_older(500) == 500
    assert model.message(0) is session.conversation[1200]
    assert model.data(model.index(0), Roles.Content) == "message 1200"
    assert window.files.write(session, copy)
    assert copy.read_bytes() == original


def test_what_will_be_sent_builds_only_the_rows_it_shows(qtbot, window, tmp_path, monkeypatch):
    from chatdesk.core import preview as rows_module  # builds the rows the dialog shows

    path = tmp_path / "long.json"
    save_conversation(conversation(2000), path)
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: window.session.plan is not None, timeout=10_000)
    shown = rows_module.counted_text  # a row's text, each image with its count
    asked = []
    monkeypatch.setattr(rows_module, "counted_text", lambda m, f: asked.append(m) or shown(m, f))
    window.show_preview()
    preview = window.preview
    qtbot.waitExposed(preview)
    model = preview.table.model()
    assert model.rowCount() >= 2000
    assert len(asked) < 200  # the rows on screen at most, not 2,000
    preview.table.setCurrentIndex(model.index(model.rowCount() - 1, 3))
    assert preview.detail.toPlainText() == "message 1999"  # any row can still be read
    preview.close()


# -- rows from anywhere in the history: a jump replaces the rows, never adds them all


def test_show_at_makes_a_window_of_rows_anywhere(qtbot, windowed, qtmodeltester):
    conv, model = windowed
    assert model.show_at(0)
    assert (model.hidden, model.rowCount(), model.below) == (0, 100, 900)
    assert model.message(0) is conv[0]
    assert model.show_at(10_000)  # past the end: the last window
    assert (model.hidden, model.rowCount(), model.below) == (900, 100, 0)
    assert not model.show_at(900)  # the rows already
    model.show_at(400)
    assert model.reveal_newer(30) == 30
    assert (model.rowCount(), model.below) == (130, 470)
    assert model.hide_newer(100) == 30
    assert model.hide_older(keep=60) == 40
    assert (model.hidden, model.rowCount(), model.below) == (440, 60, 500)
    assert model.reveal(430) == 0
    assert model.hidden == 430
    assert model.reveal(520) == 90
    assert model.below == 479
    qtmodeltester.check(model)


def test_mutations_below_the_rows_leave_the_rows_as_they_are(qtbot, windowed, qtmodeltester):
    conv, model = windowed
    model.show_at(0)
    spy = []
    model.rowsInserted.connect(lambda *a: spy.append("inserted"))
    model.rowsRemoved.connect(lambda *a: spy.append("removed"))
    model.dataChanged.connect(lambda *a: spy.append("changed"))
    model.remove(500)
    model.remove_range(600, 10)
    model.insert(700, [Message("user", "back")])
    model.append_content(800, " more")
    model.set_meta_changed(801)
    assert spy == []
    assert (model.hidden, model.rowCount(), model.below) == (0, 100, 890)
    assert len(conv) == 990
    model.remove_range(90, 20)  # the last ten rows and ten messages below them
    assert spy == ["removed"]
    assert (model.rowCount(), model.below) == (90, 880)
    model.truncate(500)  # below the rows: they stay
    assert (model.rowCount(), model.below) == (90, 410)
    model.truncate(50)  # within them: what follows goes, and nothing is below any more
    assert (model.rowCount(), model.below) == (50, 0)
    qtmodeltester.check(model)


def test_a_message_added_while_the_rows_end_early_shows_the_end(qtbot, windowed, qtmodeltester):
    _conv, model = windowed
    model.show_at(0)
    index = model.append(Message("user", "new"))  # no view brought the end back: the model does
    assert (index, model.below) == (1000, 0)
    assert model.message(model.rowCount() - 1).content == "new"
    assert model.rowCount() <= 101
    qtmodeltester.check(model)
