"""The side panels and the token meter, driven the way a user drives them."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from chatdesk.core import settings as settings_module
from chatdesk.core.conversation import GenerationParams, TrimSettings
from chatdesk.core.models import FAMILIES
from chatdesk.core.presets import BUILTIN_PRESETS, SystemPreset
from chatdesk.core.trimming import TrimPlan
from chatdesk.ui.examples_editor import ExamplesEditor
from chatdesk.ui.params_panel import ParamsPanel, format_stop, parse_stop
from chatdesk.ui.request_preview import RequestPreviewDialog
from chatdesk.ui.system_prompt import SystemPromptEditor
from chatdesk.ui.token_meter import TokenMeter, status_color
from tests.support.accessibility import assert_accessible

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def make_plan(**changes) -> TrimPlan:
    values = {
        "policy": "tokens",
        "limit": 8192,
        "reserve": 250,
        "pinned_tokens": 400,
        "history_tokens": 800,
        "draft_tokens": 34,
        "history_len": 10,
        "first_sent": 0,
        "fits": True,
    }
    values.update(changes)
    return TrimPlan(**values)


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


# -- parameters ------------------------------------------------------------------------------
@pytest.fixture
def params(qtbot):
    widget = ParamsPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_params_start_as_defaults(params):
    p, t = params.values()
    assert p == GenerationParams()
    assert t == TrimSettings()
    assert params.temperature.text() == "Default"


def test_params_round_trip(params, qtbot):
    p = GenerationParams(
        temperature=0.7,
        top_p=0.95,
        max_tokens=800,
        stop=["END", "\n\nHuman:", "a,b"],
        presence_penalty=-1.5,
        frequency_penalty=2.0,
        seed=42,
        response_format="json_object",
    )
    t = TrimSettings(policy="turns", limit=16_000, max_turns=6, whole_turns=False)
    with qtbot.assertNotEmitted(params.changed):
        params.set_values(p, t)
    assert params.values() == (p, t)
    # Everything back to "Default".
    with qtbot.assertNotEmitted(params.changed):
        params.set_values(GenerationParams(), TrimSettings(policy="stop"))
    assert params.values() == (GenerationParams(), TrimSettings(policy="stop"))
    assert params.seed.text() == "Default"
    assert params.max_tokens.text() == "Default (4,096)"


def test_user_edits_emit_changed(params, qtbot):
    with qtbot.waitSignal(params.changed):
        params.temperature.setValue(1.2)
    assert params.values()[0].temperature == 1.2
    with qtbot.waitSignal(params.changed):
        params.temperature.setValue(params.temperature.minimum())
    assert params.values()[0].temperature is None

    params.seed.setFocus()
    params.seed.selectAll()
    with qtbot.waitSignal(params.changed):
        qtbot.keyClicks(params.seed, "7")
    assert params.values()[0].seed == 7

    with qtbot.waitSignal(params.changed):
        qtbot.keyClick(params.json_format, Qt.Key.Key_Space)
    assert params.values()[0].response_format == "json_object"

    with qtbot.waitSignal(params.changed):
        qtbot.keyClicks(params.stop, "###, END")
    assert params.values()[0].stop == ["###", "END"]
    assert params.stop_hint.text() == "2 of 4"


def test_trimming_policy_controls(params, qtbot):
    assert not params.max_turns.isEnabled()
    with qtbot.waitSignal(params.changed):
        params.policy.setCurrentIndex(params.policy.findData("turns"))
    assert params.max_turns.isEnabled()
    params.max_turns.setValue(3)
    assert params.values()[1] == TrimSettings(policy="turns", max_turns=3)
    params.policy.setCurrentIndex(params.policy.findData("stop"))
    assert params.policy.currentText() == "Stop and ask for a new conversation"
    assert not params.whole_turns.isEnabled()
    assert not params.max_turns.isEnabled()
    with qtbot.waitSignal(params.changed):
        params.whole_turns.setChecked(False)
    assert params.values()[1].whole_turns is False


def test_more_than_four_stop_sequences_are_cut(params):
    params.stop.setPlainText("a\nb\nc\nd\ne")
    assert params.values()[0].stop == ["a", "b", "c", "d"]
    assert "only the first 4" in params.stop_hint.text()


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a, b\nc", ["a", "b", "c"]),
        ("\\n\\n", ["\n\n"]),
        ("x\\,y", ["x,y"]),
        ("C:\\dir", ["C:\\dir"]),
        ("\n , \n", []),
    ],
)
def test_stop_text_parsing(text, items):
    assert parse_stop(text) == items
    assert parse_stop(format_stop(items)) == items


def test_family_sets_defaults_and_limits(params, qtbot):
    with qtbot.assertNotEmitted(params.changed):
        params.set_family(FAMILIES["gpt-4"])
    assert params.max_tokens.specialValueText() == "Default (4,096)"
    assert params.limit.specialValueText() == "Default (8,192)"
    assert params.limit.maximum() == 8192
    assert params.max_tokens.maximum() == 4096
    assert "8,192-token context" in params.family_hint.text()
    assert params.temperature.isEnabled()

    params.set_family(FAMILIES["gpt-4o"])
    params.max_tokens.setValue(10_000)
    with qtbot.waitSignal(params.changed):  # the smaller maximum changes the value
        params.set_family(FAMILIES["gpt-4"])
    assert params.values()[0].max_tokens == 4096


def test_fixed_sampling_family_disables_sampling(params, qtbot):
    params.set_values(GenerationParams(temperature=0.3, seed=1), TrimSettings())
    params.set_family(FAMILIES["o3"])
    for spin in (
        params.temperature,
        params.top_p,
        params.presence_penalty,
        params.frequency_penalty,
    ):
        assert not spin.isEnabled()
        assert "o3 accepts only the default" in spin.toolTip()
    assert params.seed.isEnabled()
    assert params.max_tokens.specialValueText() == "Default (4,096)"
    assert params.limit.specialValueText() == "Default (200,000)"
    # Kept, not sent (the request builder leaves them out for this family).
    assert params.values()[0].temperature == 0.3
    params.set_family(FAMILIES["gpt-4o"])
    assert params.temperature.isEnabled()
    assert "Randomness" in params.temperature.toolTip()


def test_params_panel_is_accessible(params):
    assert_accessible(params)


# -- token meter -----------------------------------------------------------------------------
@pytest.fixture
def meter(qtbot):
    widget = TokenMeter()
    qtbot.addWidget(widget)
    widget.resize(700, widget.sizeHint().height())
    widget.show()
    return widget


def test_meter_counting_then_normal(meter, qtbot):
    assert meter.state == "counting"
    assert meter.summary == "Counting…"
    assert not meter.preview_button.isEnabled()
    meter.show_plan(make_plan())
    assert meter.state == "normal"
    # 400 + 800 + 34 + 3 priming the reply
    assert meter.summary == "1,237 + 250 reserved / 8,192 tokens"
    assert meter.note == ""
    assert meter.preview_button.isEnabled()
    assert meter.accessibleName() == "Token budget"
    assert "1,237 prompt tokens plus 250 reserved" in meter.accessibleDescription()
    assert "8,192-token limit" in meter.view.toolTip()
    with qtbot.waitSignal(meter.previewRequested):
        qtbot.mouseClick(meter.preview_button, Qt.MouseButton.LeftButton)
    meter.show_plan(None)
    assert meter.summary == "Counting…"


def test_meter_near_limit_warns(meter):
    # 7,000 of 8,192 is 85.4 %
    meter.show_plan(make_plan(history_tokens=6313))
    assert meter.state == "warning"
    meter.show_plan(make_plan(history_tokens=6000))
    assert meter.state == "normal"


def test_meter_over_limit_shows_the_error(meter):
    error = "The system prompt, the examples and the newest message need 9,999 tokens"
    meter.show_plan(make_plan(history_tokens=9000, fits=False, error=error, first_sent=4))
    assert meter.state == "error"
    assert meter.note == error  # the error wins over the dropped count
    assert meter.view.toolTip().startswith(error)
    assert error in meter.accessibleDescription()


def test_meter_estimate_and_dropped(meter):
    meter.show_plan(make_plan(estimate=True, first_sent=3))
    assert meter.summary == "≈1,237 + 250 reserved / 8,192 tokens (estimate)"
    assert meter.note == "3 older messages left out"
    assert "estimates" in meter.accessibleDescription()
    meter.show_plan(make_plan(first_sent=1))
    assert meter.note == "1 older message left out"


def test_meter_usage_check(meter):
    meter.show_plan(make_plan())
    meter.show_usage_check(1237, 1240)
    assert meter.usage_text == "API counted 1,240 (+3)"
    assert "the API counted 1,240" in meter.accessibleDescription()
    meter.show_usage_check(1237, 1235)
    assert meter.usage_text == "API counted 1,235 (-2)"
    meter.show_usage_check(1237, 1237)
    assert meter.usage_text == "matches the API"
    meter.show_usage_check(1237, None)
    assert meter.usage_text == ""
    assert "API" not in meter.accessibleDescription()


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_show_plan_is_cheap_and_never_relayouts(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    meter = TokenMeter(host)
    QVBoxLayout(host).addWidget(meter)
    host.show()
    meter.show_plan(make_plan())
    QApplication.processEvents()
    watcher = _LayoutRequests()
    for widget in (host, meter, meter.view, meter.preview_button):
        widget.installEventFilter(watcher)
    start = time.perf_counter()
    for i in range(1000):
        # Text widths change as the numbers grow; states flip between normal and warning.
        meter.show_plan(
            make_plan(draft_tokens=i * 7, history_tokens=5000 + i, estimate=bool(i % 2))
        )
    elapsed = time.perf_counter() - start
    QApplication.processEvents()
    assert watcher.count == 0
    assert elapsed < 1.0  # about 20 µs a call here; generous for slow CI machines


def test_meter_is_accessible(meter):
    assert_accessible(meter)


def _near(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _colors(meter: TokenMeter, rect: QRect) -> list[QColor]:
    image = meter.view.grab().toImage()
    return [image.pixelColor(x, y) for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)]  # fmt: skip


def test_meter_paints_the_bar_and_its_lines_in_each_state(meter):
    view, pal = meter.view, meter.view.palette()
    window = pal.color(QPalette.ColorRole.Window)
    line = view.fontMetrics().lineSpacing()
    width = view.width()
    bar = QRect(0, 0, width, 8)
    summary = QRect(0, 11, width // 2, line)
    second_right = QRect(width // 2, 11 + line, width // 2, line)

    def ink(rect: QRect) -> list[QColor]:
        return [c for c in _colors(meter, rect) if not _near(c, window, 10)]

    assert ink(bar)  # the track, before anything is counted
    assert any(_near(c, pal.color(QPalette.ColorRole.WindowText)) for c in ink(summary))
    assert not any(_near(c, pal.color(QPalette.ColorRole.Highlight)) for c in ink(bar))

    meter.show_plan(make_plan(history_tokens=3000))
    assert any(_near(c, pal.color(QPalette.ColorRole.Highlight), 8) for c in ink(bar))
    assert not ink(second_right)
    meter.show_usage_check(1237, 1240)
    assert ink(second_right)  # the usage check, at the right end

    error = "The system prompt, the examples and the newest message need 9,999 tokens"
    meter.show_plan(make_plan(history_tokens=9000, fits=False, error=error, first_sent=4))
    red = status_color("error", pal)
    assert any(_near(c, red) for c in ink(summary))


# -- request preview -------------------------------------------------------------------------
ROWS = [
    ("system", None, "Be brief.", 7, True),
    ("user", "example_user", "Example?", 8, True),
    ("user", None, "old question", 5, False),
    ("assistant", None, "old answer\nover lines", 9, False),
    ("user", None, "When are my taxes due?", 12, True),
    ("user", None, "and the draft", 6, True),
]


@pytest.fixture
def preview(qtbot):
    dialog = RequestPreviewDialog(
        ROWS, make_plan(pinned_tokens=15, history_tokens=12, draft_tokens=6, first_sent=2)
    )
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_preview_lists_sent_then_left_out(preview):
    table, model = preview.table, preview.table.model()

    def text(r: int, c: int) -> str:
        return model.index(r, c).data()

    assert model.rowCount() == 4 + 1 + 2
    cells = [[text(r, c) for c in range(4)] for r in range(4)]
    assert cells == [
        ["1", "system", "7", "Be brief."],
        ["2", "user (example_user)", "8", "Example?"],
        ["3", "user", "12", "When are my taxes due?"],
        ["4", "user", "6", "and the draft"],
    ]
    assert text(4, 0) == "Left out: 2 older messages, not sent"
    assert table.columnSpan(4, 0) == 4
    assert text(6, 3) == "old answer over lines"
    assert model.index(6, 3).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed
    assert model.index(0, 3).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "sends 4 messages: 36 prompt tokens + 250 reserved" in preview.header.text()
    assert preview.total.text() == (
        "Total: 33 + 3 priming the reply = 36 prompt tokens; 286 with the reply reserved"
    )
    table.setCurrentIndex(model.index(6, 3))
    assert preview.detail.toPlainText() == "old answer\nover lines"


def test_preview_copies_the_sent_messages(preview):
    preview.copy_json()
    messages = json.loads(QGuiApplication.clipboard().text())
    assert messages[1] == {"role": "user", "content": "Example?", "name": "example_user"}
    assert [m["content"] for m in messages][-1] == "and the draft"
    assert len(messages) == 4
    assert preview.copy_button.text() == "Copied"  # every copy says so
    assert preview.copy_button.accessibleName() == "Copy as JSON"


def test_preview_closes_with_escape(preview, qtbot):
    assert preview.isVisible()
    assert preview.error.isHidden()
    with qtbot.waitSignal(preview.finished):
        qtbot.keyClick(preview, Qt.Key.Key_Escape)
    assert not preview.isVisible()


def test_preview_shows_the_error(qtbot):
    plan = make_plan(fits=False, error="Too big.")
    dialog = RequestPreviewDialog([("user", None, "x", 5, True)], plan)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.error.text() == "Too big."
    assert dialog.error.isVisible()
    assert "sends 1 message:" in dialog.header.text()
    assert_accessible(dialog)
