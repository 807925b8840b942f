"""The start of a long conversation in one step: Ctrl+Home / Home, Ctrl+End, the scroll bar's
thumb dragged to the top and its "Scroll to top", whatever part of it is rows yet."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSlider, QStyle

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.ui.card_layout import MARGIN_X
from chatdesk.ui.chat_session import TRANSCRIPT_WINDOW
from chatdesk.ui.transcript_scroll import JUMP_ROWS
from tests.support.opening import open_and_wait

QUESTIONS = 700  # 1,400 messages: "Big question N" and its reply


@pytest.fixture
def long_open(qtbot, window, tmp_path):
    conv = Conversation(system_prompt="sys")
    for n in range(QUESTIONS):
        conv.append(Message("user", f"Big question {n}\n\nWhat about part {n} of the plan?"))
        conv.append(Message("assistant", f"Reply {n}: part {n} goes like this.\n\n- one\n- two"))
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    open_and_wait(qtbot, window, [str(path)])
    model = window.session.model
    assert model.hidden == 2 * QUESTIONS - TRANSCRIPT_WINDOW  # question 0 is not a row yet
    view = window.transcript
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)
    return window


def top_message(window) -> str:
    """The first line of the message at the top of the transcript's viewport."""
    view = window.transcript
    index = view.indexAt(QPoint(MARGIN_X + 1, 1))
    assert index.isValid()
    return view.transcript().message(index.row()).content.splitlines()[0]


def settle(qtbot) -> None:
    qtbot.wait(50)  # what the view does after the event (bringing rows in) has run


@pytest.mark.parametrize(
    "modifier", [Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier]
)
def test_ctrl_home_goes_to_the_first_message_in_one_press(qtbot, long_open, modifier):
    window = long_open
    view = window.transcript
    middle = view.viewport().rect().center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    assert view.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home, modifier)
    settle(qtbot)
    assert top_message(window) == "Big question 0"
    assert view.transcript().history_index(view.currentIndex().row()) == 0
    bar = view.verticalScrollBar()
    assert bar.value() == bar.minimum()
    qtbot.keyClick(view, Qt.Key.Key_End, modifier)
    settle(qtbot)
    assert bar.value() == bar.maximum()
    assert view.currentIndex().row() == view.transcript().rowCount() - 1
    last = view.transcript().message(view.currentIndex().row())
    assert last.content.startswith(f"Reply {QUESTIONS - 1}:")


def thumb_rect(bar):
    from PySide6.QtWidgets import QStyleOptionSlider

    option = QStyleOptionSlider()
    bar.initStyleOption(option)
    return bar.style().subControlRect(
        QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarSlider, bar
    )


def test_dragging_the_thumb_to_the_top_reaches_the_first_message(qtbot, long_open):
    window = long_open
    view = window.transcript
    bar = view.verticalScrollBar()
    grab = thumb_rect(bar).center()
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=grab)
    for y in range(grab.y(), -20, -40):  # up past the top edge, the button held
        qtbot.mouseMove(bar, QPoint(grab.x(), y))
        settle(qtbot)
    qtbot.mouseMove(bar, QPoint(grab.x(), -20))
    settle(qtbot)
    assert bar.isSliderDown()
    assert top_message(window) == "Big question 0"  # reached while the thumb is still held
    assert bar.value() == bar.minimum()  # the thumb stayed at the top
    assert thumb_rect(bar).top() < grab.y() // 4
    # The bar now spans the conversation's first messages as rows (a few screens of them, not
    # every message: laying out 100,000 rows took 2-3 s): its middle is in the middle of those.
    assert view.transcript().rowCount() == JUMP_ROWS
    qtbot.mouseMove(bar, QPoint(grab.x(), bar.height() // 2))
    settle(qtbot)
    middle = int(re.search(r"\d+", top_message(window)).group())  # "Big question N", "Reply N:"
    assert JUMP_ROWS // 8 < middle < JUMP_ROWS * 3 // 8  # of JUMP_ROWS / 2 questions
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=QPoint(grab.x(), bar.height() // 2))


def test_scroll_to_top_of_the_scroll_bar_reaches_the_first_message(qtbot, long_open):
    window = long_open
    view = window.transcript
    bar = view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)  # its menu's "Scroll to top"
    settle(qtbot)
    assert top_message(window) == "Big question 0"
    assert bar.value() == bar.minimum()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)  # "Scroll to bottom"
    settle(qtbot)
    assert bar.value() == bar.maximum()
    view.viewport().grab()  # painted
    last = view.indexAt(QPoint(MARGIN_X + 1, view.viewport().height() - 2))
    assert view.transcript().message(last.row()).content.startswith(f"Reply {QUESTIONS - 1}:")


def test_find_brings_in_a_match_far_above_the_rows(qtbot, long_open):
    # Not new: kept as it was (transcript_scroll.show_history_index), checked with this input.
    window = long_open
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.find_bar
    bar.field.setText("part 7 of the plan")
    qtbot.waitUntil(lambda: bar.count.text() not in ("",), timeout=5000)
    view = window.transcript
    current = view.transcript().history_index(view.currentIndex().row())
    assert current == 14  # "Big question 7", 686 messages above the first row
    assert top_message(window) == "Big question 7"
    assert view.viewport().rect().intersects(view.visualRect(view.currentIndex()))


# -- back to the newest rows at the end: adding a message costs what it did before Ctrl+Home


def ctrl(qtbot, view, key) -> None:
    view.setFocus()
    qtbot.keyClick(view, key, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)


def test_ctrl_end_after_ctrl_home_leaves_only_the_newest_rows(qtbot, long_open):
    window = long_open
    view = window.transcript
    model = view.transcript()
    ctrl(qtbot, view, Qt.Key.Key_Home)
    assert (model.hidden, model.rowCount()) == (0, JUMP_ROWS)  # the first messages
    ctrl(qtbot, view, Qt.Key.Key_End)
    assert model.rowCount() == JUMP_ROWS
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum()
    assert model.message(view.currentIndex().row()).content.startswith(f"Reply {QUESTIONS - 1}:")
    ctrl(qtbot, view, Qt.Key.Key_Home)  # the start is still one press away
    assert top_message(window) == "Big question 0"


def test_scroll_to_bottom_after_scroll_to_top_leaves_only_the_newest_rows(qtbot, long_open):
    view = long_open.transcript
    bar = view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    settle(qtbot)
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)
    settle(qtbot)
    assert view.transcript().rowCount() == JUMP_ROWS
    assert bar.value() == bar.maximum()


def test_sending_after_ctrl_home_and_ctrl_end_adds_one_turn(qtbot, long_open):
    window = long_open
    view = window.transcript
    model = view.transcript()
    ctrl(qtbot, view, Qt.Key.Key_Home)
    ctrl(qtbot, view, Qt.Key.Key_End)
    window.composer.set_text("One more question")
    window.composer.input.submit.emit()
    # Busy is set once the question is counted (a turn after it is added): wait for the reply.
    session = window.session
    qtbot.waitUntil(lambda: not session.busy and session.conversation[-1].role == "assistant",
                    timeout=10_000)  # fmt: skip
    # The question's row and its reply's, no more: the row count stays a jump's.
    assert model.rowCount() == JUMP_ROWS + 2
    assert model.message(model.rowCount() - 2).content == "One more question"
    assert len(window.session.conversation) == 2 * QUESTIONS + 2


def test_sending_from_the_start_goes_back_to_the_newest_rows(qtbot, long_open):
    window = long_open
    view = window.transcript
    model = view.transcript()
    ctrl(qtbot, view, Qt.Key.Key_Home)
    window.composer.set_text("Asked from the top")
    window.composer.input.submit.emit()
    # The rows went before the question was added (its reply's row may come a turn later).
    assert model.rowCount() <= JUMP_ROWS + 2
    # Busy is set once the question is counted (a turn after it is added): wait for the reply.
    session = window.session
    qtbot.waitUntil(lambda: not session.busy and session.conversation[-1].role == "assistant",
                    timeout=10_000)  # fmt: skip
    assert model.rowCount() == JUMP_ROWS + 2
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=2000)  # the last card laid out


def test_an_open_edit_of_an_old_question_survives_ctrl_end(qtbot, long_open):
    window = long_open
    view = window.transcript
    model = view.transcript()
    ctrl(qtbot, view, Qt.Key.Key_Home)
    window.transcript.trigger_action("edit", 6)  # "Big question 3"
    editor = window.inline_edit.editor
    qtbot.keyClicks(editor, ", typed on")
    ctrl(qtbot, view, Qt.Key.Key_End)
    assert window.inline_edit.editor is editor
    row = window.inline_edit.row
    assert row is not None
    assert model.history_index(row) == 6
    assert editor.toPlainText().endswith(", typed on")
    assert model.hidden == 6  # the rows above it went; its row and those below it stayed
    assert model.message(view.currentIndex().row()).content.startswith(f"Reply {QUESTIONS - 1}:")


def test_find_goes_on_from_its_match_after_ctrl_end(qtbot, long_open):
    window = long_open
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.find_bar
    bar.field.setText("part 7 of the plan")
    qtbot.waitUntil(lambda: bar.count.text() not in ("",), timeout=5000)
    view = window.transcript
    assert top_message(window) == "Big question 7"
    ctrl(qtbot, view, Qt.Key.Key_End)
    assert view.transcript().rowCount() == JUMP_ROWS
    count = bar.count.text()
    bar.previous()  # and back: the same match, brought in again
    bar.next()
    assert bar.count.text() == count
    assert top_message(window) == "Big question 7"


def test_dragging_the_thumb_to_the_bottom_leaves_only_the_newest_rows(qtbot, long_open):
    view = long_open.transcript
    model = view.transcript()
    ctrl(qtbot, view, Qt.Key.Key_Home)
    bar = view.verticalScrollBar()
    grab = thumb_rect(bar).center()
    qtbot.mousePress(bar, Qt.MouseButton.LeftButton, pos=grab)
    for y in range(grab.y(), bar.height() + 20, 40):  # down past the bottom edge, held
        qtbot.mouseMove(bar, QPoint(grab.x(), y))
        settle(qtbot)
    qtbot.mouseMove(bar, QPoint(grab.x(), bar.height() + 20))
    settle(qtbot)
    assert model.rowCount() == JUMP_ROWS
    assert bar.value() == bar.maximum()
    qtbot.mouseRelease(bar, Qt.MouseButton.LeftButton, pos=QPoint(grab.x(), bar.height() + 20))
    settle(qtbot)
    assert bar.value() == bar.maximum()
    assert model.message(model.rowCount() - 1).content.startswith(f"Reply {QUESTIONS - 1}:")


def test_selected_text_in_an_old_message_survives_ctrl_end(qtbot, long_open):
    view = long_open.transcript
    model = view.transcript()
    ctrl(qtbot, view, Qt.Key.Key_Home)
    view.text_selection.select_all(4)  # "Big question 2"
    ctrl(qtbot, view, Qt.Key.Key_End)
    assert model.hidden == 4  # the rows above it went, its own stayed
    assert view.text_selection.text().startswith("Big question 2")


# -- a jump costs a window's rows, whatever the conversation's length


@pytest.fixture
def far_view(qtbot, monkeypatch):
    """A transcript of 20,000 messages showing its newest 300, at the end, and a count of
    the messages its rows were asked for (each row the list lays out is one: its height)."""
    from chatdesk.core.conversation import Conversation
    from chatdesk.ui.transcript_model import TranscriptModel
    from chatdesk.ui.transcript_view import TranscriptView
    from tests.support.transcript import long_history

    model = TranscriptModel()
    model.set_conversation(Conversation(history=long_history(20_000)), None, window=300)
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(640, 600)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    settle(qtbot)
    asked = []
    message = TranscriptModel.message
    monkeypatch.setattr(
        TranscriptModel, "message", lambda self, row: asked.append(row) or message(self, row)
    )
    view.asked = asked
    return view


def rows_on_screen(qtbot, view) -> list[str]:
    """The first words of the messages on screen, once they lie one under the other (rows
    measured as they are painted are laid out again in the next event-loop turns)."""

    def texts() -> list[str] | None:
        out, bottom = [], None
        for row in view.visible_rows():
            rect = view.visualRect(view.model().index(row, 0))
            if bottom is not None and rect.top() != bottom + 1:
                return None  # an overlap or a gap
            bottom = rect.bottom()
            out.append(" ".join(view.transcript().message(row).content.split()[:2]))
        return out

    qtbot.waitUntil(lambda: texts() is not None, timeout=2000)
    return texts()


def first_number(qtbot, view) -> int:
    return int(rows_on_screen(qtbot, view)[0].split()[1])  # "message N"


def test_ctrl_home_and_ctrl_end_lay_out_a_window_of_rows(qtbot, far_view):
    view = far_view
    model = view.transcript()
    bar = view.verticalScrollBar()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert rows_on_screen(qtbot, view)[0] == "message 0"
    assert bar.value() == bar.minimum()
    assert model.rowCount() == JUMP_ROWS  # not the 20,000 of the conversation
    assert 0 < len(view.asked) < 2000  # a few layouts of a few screens' rows, not of 20,000
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    settle(qtbot)
    seen = [first_number(qtbot, view)]
    for _ in range(4):  # to the bottom of the rows: the next messages come in below
        bar.setValue(bar.maximum())
        settle(qtbot)
        seen.append(first_number(qtbot, view))
        assert model.rowCount() <= 700  # the first ones went as they came
    assert seen == sorted(seen)
    assert seen[-1] > 400
    assert model.hidden > 0
    del view.asked[:]
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert rows_on_screen(qtbot, view)[-1] == "message 19999"
    assert bar.value() == bar.maximum()
    assert (model.hidden, model.rowCount()) == (20_000 - JUMP_ROWS, JUMP_ROWS)
    assert 0 < len(view.asked) < 2000


def test_ctrl_end_shows_the_end_of_a_last_reply_taller_than_the_window(qtbot, window, tmp_path):
    # A tester's 3,623-line reply: Ctrl+End showed its first lines, the end 3,500 lines below.
    conv = Conversation()
    for n in range(40):
        conv.append(Message("user", f"Question {n}"))
        conv.append(Message("assistant", f"Reply {n}"))
    conv.append(Message("user", "Write the full migration plan"))
    conv.append(Message("assistant", "\n\n".join(f"Step {n}: do part {n}." for n in range(300))))
    path = tmp_path / "tall.json"
    save_conversation(conv, path)
    open_and_wait(qtbot, window, [str(path)])
    view = window.transcript
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    for modifier in (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier):
        ctrl(qtbot, view, Qt.Key.Key_Home)
        assert bar.value() == bar.minimum()
        qtbot.keyClick(view, Qt.Key.Key_End, modifier)
        settle(qtbot)
        assert bar.value() == bar.maximum()
        last = view.transcript().message(view.currentIndex().row())
        assert last.content.startswith("Step 0:")
