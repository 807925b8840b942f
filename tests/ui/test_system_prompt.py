"""The system prompt editor (ui/system_prompt.py): built-in and user presets, typing, saving."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from chatdesk.core import settings as settings_module
from chatdesk.core.presets import BUILTIN_PRESETS, SystemPreset
from chatdesk.ui.system_prompt import SystemPromptEditor
from tests.support.accessibility import assert_accessible

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- system prompt ---------------------------------------------------------------------------
@pytest.fixture
def editor(qtbot):
    widget = SystemPromptEditor()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_choosing_a_builtin_applies_it(qtbot, editor):
    box = editor.preset_box
    assert [box.itemText(i) for i in range(box.count())] == [p.name for p in BUILTIN_PRESETS]
    assert box.currentIndex() == -1  # the placeholder
    box.setFocus()
    with (
        qtbot.waitSignal(editor.presetApplied) as applied,
        qtbot.assertNotEmitted(editor.textChanged),  # the window applies it (it may ask first)
    ):
        qtbot.keyClick(box, Qt.Key.Key_End)  # the last built-in: entity extraction
    preset = applied.args[0]
    assert preset.name == "Entity extraction (JSON)"
    assert preset.params == {"response_format": "json_object"}
    assert preset is not BUILTIN_PRESETS[-1]  # a copy: the built-ins stay as they are
    assert not editor.delete_button.isEnabled()  # built-ins cannot be deleted

    with qtbot.waitSignal(editor.presetApplied) as applied:
        qtbot.keyClick(box, Qt.Key.Key_Up)
    assert applied.args[0].examples == BUILTIN_PRESETS[3].examples


def test_typing_emits_text_and_set_text_does_not(qtbot, editor):
    with qtbot.assertNotEmitted(editor.textChanged):
        editor.set_text("Loaded.")
    assert editor.text() == "Loaded."
    seen: list[str] = []
    editor.textChanged.connect(seen.append)
    editor.edit.moveCursor(editor.edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor.edit, " Hi")
    assert seen == ["Loaded. ", "Loaded. H", "Loaded. Hi"]


def test_save_and_delete_a_user_preset(qtbot, editor):
    editor.set_text("Answer in French.")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    dialog = editor.save_dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.setTextValue("French")
    with qtbot.waitSignal(editor.presetSaved) as saved:
        dialog.accept()
    assert saved.args[0] == SystemPreset("French", "Answer in French.")
    box = editor.preset_box
    assert box.count() == len(BUILTIN_PRESETS) + 2  # a separator, then the user's preset
    assert box.itemText(len(BUILTIN_PRESETS)) == ""  # the separator
    assert box.currentText() == "French"
    assert editor.delete_button.isEnabled()
    assert [p.name for p in editor.user_presets()] == ["French"]

    with qtbot.waitSignal(editor.presetDeleted) as deleted:
        qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    assert deleted.args == ["French"]
    assert box.count() == len(BUILTIN_PRESETS)
    assert editor.text() == "Answer in French."  # the text is not lost


def test_save_refuses_builtin_and_empty_names(qtbot, editor):
    with qtbot.assertNotEmitted(editor.presetSaved):
        assert editor.save_preset("Basic assistant") is None
        assert editor.save_preset("   ") is None
    assert "built-in" in editor.status.text() or "name" in editor.status.text()


def test_user_presets_from_settings_apply_with_their_examples(qtbot, editor):
    stored = settings_module.SystemPreset("Quiz", "Ask me questions.", [("Ready?", "Q1: …")])
    editor.set_user_presets([stored])
    box = editor.preset_box
    box.setFocus()
    with qtbot.waitSignal(editor.presetApplied) as applied:
        qtbot.keyClick(box, Qt.Key.Key_End)
    assert applied.args[0] == SystemPreset("Quiz", "Ask me questions.", [("Ready?", "Q1: …")])
    editor.set_text("something else")
    assert box.currentIndex() == -1
    editor.set_text("Ask me questions.")
    assert box.currentText() == "Quiz"


def test_system_prompt_editor_is_accessible(editor):
    editor.set_user_presets([SystemPreset("Mine", "x")])
    assert_accessible(editor)
