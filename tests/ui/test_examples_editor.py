"""The few-shot examples editor (ui/examples_editor.py): add, edit, reorder, remove."""

from __future__ import annotations

import pytest
from msgspec.structs import replace
from PySide6.QtCore import Qt

from chatdesk.core.presets import BUILTIN_PRESETS
from chatdesk.ui.conversation_undo import setup_of
from chatdesk.ui.examples_editor import ExamplesEditor
from tests.support.accessibility import assert_accessible

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- examples --------------------------------------------------------------------------------
@pytest.fixture
def examples(qtbot):
    widget = ExamplesEditor()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_examples_add_edit_reorder_remove(qtbot, examples):
    assert examples.hint.text() == "Pinned after the system message; never trimmed."
    seen: list[list[tuple[str, str]]] = []
    examples.examplesChanged.connect(seen.append)
    click = Qt.MouseButton.LeftButton

    qtbot.mouseClick(examples.add_button, click)
    assert seen[-1] == [("", "")]
    qtbot.keyClicks(examples.user_edit, "Q1")
    qtbot.keyClicks(examples.assistant_edit, "A1")
    assert seen[-1] == [("Q1", "A1")]
    qtbot.mouseClick(examples.add_button, click)
    qtbot.keyClicks(examples.user_edit, "Q2")
    qtbot.keyClicks(examples.assistant_edit, "A2")
    assert examples.examples() == [("Q1", "A1"), ("Q2", "A2")]
    assert examples.list.item(1).text() == "2. Q2 → A2"
    assert not examples.down_button.isEnabled()

    qtbot.mouseClick(examples.up_button, click)
    assert seen[-1] == [("Q2", "A2"), ("Q1", "A1")]
    assert examples.list.currentRow() == 0
    assert examples.user_edit.toPlainText() == "Q2"
    assert examples.list.item(0).text() == "1. Q2 → A2"

    qtbot.mouseClick(examples.down_button, click)
    assert seen[-1] == [("Q1", "A1"), ("Q2", "A2")]

    examples.list.setCurrentRow(0)
    assert examples.user_edit.toPlainText() == "Q1"
    qtbot.mouseClick(examples.remove_button, click)
    assert seen[-1] == [("Q2", "A2")]
    assert examples.list.item(0).text() == "1. Q2 → A2"
    qtbot.mouseClick(examples.remove_button, click)
    assert seen[-1] == []
    assert not examples.remove_button.isEnabled()
    assert not examples.user_edit.isEnabled()


def test_set_examples_is_silent_and_round_trips(qtbot, examples):
    pairs = list(BUILTIN_PRESETS[3].examples)
    with qtbot.assertNotEmitted(examples.examplesChanged):
        examples.set_examples(pairs)
    assert examples.examples() == pairs
    assert examples.list.count() == 2
    assert examples.user_edit.toPlainText() == pairs[0][0]
    with qtbot.assertNotEmitted(examples.examplesChanged):
        examples.list.setCurrentRow(1)
    assert examples.assistant_edit.toPlainText() == pairs[1][1]
    examples.set_examples([])
    assert examples.examples() == []
    assert examples.user_edit.toPlainText() == ""


def test_examples_editor_is_accessible(examples):
    examples.set_examples([("a", "b")])
    assert_accessible(examples)


def test_typing_in_an_example_does_not_rebuild_the_editor(qtbot, window):
    # Reported: every key typed in an example went through the session's undo step and back
    # into `set_examples`, which cleared the list and reloaded both fields: the cost grew with
    # the examples, and the field's cursor was put back at the start.
    session = window.session
    window.side.setCurrentIndex(window.side.indexOf(window.side.widget(1)))  # "Examples"
    editor = window.examples_editor
    # 200 pairs, as a file or a preset brings them (shown by the session's setupChanged).
    examples = tuple((f"question {i}", f"answer {i}") for i in range(200))
    session.apply_setup(replace(setup_of(session), examples=examples))
    assert editor.list.count() == 200
    counted = session.conversation.examples[0]
    editor.list.setCurrentRow(150)
    item, field = editor.list.item(150), editor.user_edit
    reloads: list[str] = []
    rows = editor.list.model()
    rows.rowsRemoved.connect(lambda *_: reloads.append("rows removed"))
    rows.rowsInserted.connect(lambda *_: reloads.append("rows inserted"))
    rows.modelReset.connect(lambda: reloads.append("reset"))
    field.document().contentsChange.connect(
        lambda _at, removed, _added: removed and reloads.append("field reloaded")
    )
    field.setFocus()
    field.moveCursor(field.textCursor().MoveOperation.End)
    qtbot.keyClicks(field, " and more")
    assert reloads == []
    assert field.toPlainText() == "question 150 and more"  # typed where the cursor was
    assert editor.list.item(150) is item
    assert item.text() == "151. question 150 and more → answer 150"
    assert session.conversation.examples[300].content == "question 150 and more"
    # The other examples keep their message, so the tokenizer counts only the one edited.
    assert session.conversation.examples[0] is counted
    assert session.undo_stack.count() == 1  # the typing: one step
    session.undo_stack.undo()  # an undo does show the examples again
    assert field.toPlainText() == "question 150"
    assert session.conversation.examples[300].content == "question 150"
