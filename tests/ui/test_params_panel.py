"""The parameters panel (ui/params_panel.py): defaults, round trips, edits, trimming, stop
sequences, what each model family allows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from chatdesk.core.conversation import GenerationParams, TrimSettings
from chatdesk.core.models import FAMILIES
from chatdesk.ui.params_panel import ParamsPanel, format_stop, parse_stop
from tests.support.accessibility import assert_accessible

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


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


def test_gpt5s_limit_is_said_one_way_in_parameters_and_the_meter(qtbot):
    """The meter said `/ 276,096 tokens`, Parameters "Token limit: Default (400,000)" and the
    README "272k of 400k": one rule (ModelInfo.request_limit) and one wording now."""
    from chatdesk.core.budget import Budget
    from chatdesk.core.conversation import Conversation

    params = ParamsPanel()
    qtbot.addWidget(params)
    gpt5 = FAMILIES["gpt-5"]
    params.set_family(gpt5)
    budget = Budget(Conversation(), "gpt-5")
    assert budget.limit() == 276_096 == gpt5.request_limit(4096)
    assert params.limit.specialValueText() == "Default (276,096)"
    assert "400,000-token context window (prompt up to 272,000 tokens)" in (
        params.family_hint.text()
    )
    params.max_tokens.setValue(10_000)  # a larger reserve: the prompt keeps its 272,000
    assert params.limit.specialValueText() == "Default (282,000)"
    assert FAMILIES["gpt-4o"].request_limit(4096) == 128_000
