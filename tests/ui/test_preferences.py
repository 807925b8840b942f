"""Preferences (Ctrl+,): Enter vs Shift+Enter, theme applied live, font size and zoom
remembered, new-conversation defaults; on the real window."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence

from chatdesk.core.preferences import DEFAULT_PROMPT
from chatdesk.ui.card_layout import is_dark


@pytest.fixture(autouse=True)
def _keep_the_palette(qapp):
    palette = QGuiApplication.palette()
    yield
    QGuiApplication.setPalette(palette)
    qapp.styleHints().unsetColorScheme()


@pytest.fixture
def dialog(qtbot, window):
    window.prefs.preferences_action.trigger()
    dlg = window.prefs.dialog
    assert dlg is not None
    assert dlg.isVisible()
    return dlg


def saved(window) -> dict:
    return json.loads(window.context.settings_path.read_text())


def test_ctrl_comma_opens_preferences(qtbot, window):
    assert QKeySequence("Ctrl+,") in window.prefs.preferences_action.shortcuts()
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.prefs.dialog is not None and window.prefs.dialog.isVisible())


def test_the_theme_applies_live_and_cancel_puts_it_back(qtbot, window, dialog):
    assert not is_dark(window.transcript.palette())
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    qtbot.waitUntil(lambda: is_dark(window.transcript.palette()))  # widgets hear it posted
    assert is_dark(window.composer.input.palette())
    dialog.reject()
    qtbot.waitUntil(lambda: not is_dark(window.transcript.palette()))
    assert window.context.settings.theme == "system"


def test_ok_keeps_the_choices_in_the_settings_file(qtbot, window, dialog):
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.shift_sends.setChecked(True)
    dialog.font_size.setValue(15)
    dialog.accept()
    doc = saved(window)
    assert (doc["theme"], doc["enter_sends"], doc["font_size"]) == ("dark", False, 15)
    assert window.transcript.font().pointSizeF() == 15
    assert window.composer.input.font().pointSizeF() == 15
    # Back to light: the light palette, live.
    qtbot.waitUntil(lambda: is_dark(window.transcript.palette()))
    again = window.prefs.open_dialog()
    again.theme.setCurrentIndex(again.theme.findData("light"))
    qtbot.waitUntil(lambda: not is_dark(window.transcript.palette()))


def test_shift_enter_sends_when_chosen(qtbot, window, dialog):
    dialog.shift_sends.setChecked(True)
    dialog.accept()
    box = window.composer.input
    box.setFocus()
    sent = []
    window.composer.sendRequested.connect(sent.append)
    qtbot.keyClicks(box, "one")
    qtbot.keyClick(box, Qt.Key.Key_Return)  # a new line, not a send
    qtbot.keyClicks(box, "two")
    assert sent == []
    assert window.composer.text() == "one\ntwo"
    assert "Shift+Enter to send" in box.placeholderText()
    assert window.composer.button.toolTip() == "Send (Shift+Enter)"
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert sent == ["one\ntwo"]
    qtbot.waitUntil(lambda: not window.session.busy)


def test_zoom_keys_change_the_message_font_and_are_remembered(qtbot, window):
    base = window.transcript.font().pointSizeF()
    window.prefs.zoom_in_action.trigger()
    assert window.context.settings.zoom == 110
    assert window.transcript.font().pointSizeF() == pytest.approx(base * 1.1)
    assert saved(window)["zoom"] == 110
    window.prefs.zoom_out_action.trigger()
    window.prefs.zoom_out_action.trigger()
    assert window.context.settings.zoom == 90
    window.prefs.zoom_reset_action.trigger()
    assert window.context.settings.zoom == 100
    assert window.transcript.font().pointSizeF() == pytest.approx(base)
    assert QKeySequence("Ctrl+=") in window.prefs.zoom_in_action.shortcuts()
    assert QKeySequence("Ctrl+-") in window.prefs.zoom_out_action.shortcuts()
    assert QKeySequence("Ctrl+0") in window.prefs.zoom_reset_action.shortcuts()


def test_a_remembered_zoom_applies_to_a_new_window(qtbot, window, context):
    from chatdesk.ui.main_window import MainWindow

    base = window.transcript.font().pointSizeF()
    context.settings.zoom = 150
    other = MainWindow(context)
    qtbot.addWidget(other)
    assert other.transcript.font().pointSizeF() == pytest.approx(base * 1.5)


def test_new_conversation_defaults_from_the_dialog(qtbot, window, dialog):
    window._system_changed("Talk like a pirate.")
    dialog.prompt.setPlainText("Answer in French.")
    dialog.temperature.setValue(0.4)
    dialog.max_tokens.setValue(500)
    dialog.accept()
    window.new_action.trigger()
    conv = window.session.conversation
    assert conv.system_prompt == "Answer in French."
    assert (conv.params.temperature, conv.params.max_tokens) == (0.4, 500)
    assert saved(window)["new_conversation"]["params"] == {"temperature": 0.4, "max_tokens": 500}

    dialog = window.prefs.open_dialog()
    assert dialog.prompt.toPlainText() == "Answer in French."
    dialog.copy_current.setChecked(True)
    assert not dialog.prompt.isEnabled()
    dialog.accept()
    window._system_changed("Talk like a pirate.")
    window.new_action.trigger()
    assert window.session.conversation.system_prompt == "Talk like a pirate."
    assert DEFAULT_PROMPT != "Talk like a pirate."


def test_the_font_sizes_up_arrow_starts_from_the_system_size(qtbot, window, dialog):
    """From "System default" the up arrow went to a smaller size than the system's."""
    system = window.transcript.font().pointSize()
    assert dialog.font_size.text() == "System default"
    dialog.font_size.stepUp()
    assert dialog.font_size.value() == system + 1
    dialog.font_size.setValue(dialog.font_size.minimum())
    dialog.font_size.stepDown()  # down from the system default: one smaller than it
    assert dialog.font_size.value() == system - 1
