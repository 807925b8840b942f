"""The few-shot examples editor (ui/examples_editor.py): add, edit, reorder, remove."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.presets import BUILTIN_PRESETS
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
