"""Preferences in the settings file: theme, font size and zoom, new-conversation defaults."""

import json

import pytest

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.core.paths import settings_path
from chatdesk.core.preferences import (
    DEFAULT_PROMPT,
    NewConversationDefaults,
    point_size,
    zoomed,
)
from chatdesk.core.settings import Settings, load_settings, save_settings


def test_preferences_round_trip_through_the_settings_file():
    settings = Settings(enter_sends=False, theme="dark", font_size=14, zoom=125)
    settings.new_conversation = NewConversationDefaults(
        copy_current=True, system_prompt="Be brief.", params={"temperature": 0.2}, profile="w"
    )
    save_settings(settings)
    loaded = load_settings()
    assert loaded.warning is None
    back = loaded.settings
    assert (back.enter_sends, back.theme, back.font_size, back.zoom) == (False, "dark", 14, 125)
    assert back.new_conversation == settings.new_conversation


def test_a_file_without_preferences_gets_the_defaults():
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"schema_version": 1}')
    s = load_settings().settings
    assert (s.enter_sends, s.theme, s.font_size, s.zoom) == (True, "system", 0, 100)
    assert s.new_conversation == NewConversationDefaults()


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"theme": "blue"}, "settings.theme must be one of system, light, dark"),
        ({"zoom": 1000}, "settings.zoom must be a whole number from 50 to 300 (percent)"),
        ({"font_size": 2}, "settings.font_size must be a whole number: 0"),
        ({"new_conversation": {"copy_current": "yes"}}, "copy_current must be true or false"),
        ({"new_conversation": {"params": {"temperature": 5}}}, '"temperature" must be between'),
        ({"new_conversation": {"params": {"stream": False}}}, "params.stream is not a default"),
    ],
)
def test_bad_preferences_fall_back_naming_the_field(doc, problem):
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"schema_version": 1, **doc}))
    loaded = load_settings()
    assert loaded.warning is not None
    assert problem in loaded.warning


def test_zoom_steps_and_point_size():
    assert zoomed(100, +1) == 110
    assert zoomed(100, -1) == 90
    assert zoomed(300, +1) == 300
    assert zoomed(50, -1) == 50
    assert zoomed(105, +1) == 110  # from between two steps, to the next one
    assert point_size(0, 150, 10.0) == 15.0
    assert point_size(12, 100, 10.0) == 12


def test_a_new_conversation_starts_from_the_defaults_not_the_current_one():
    current = Conversation(
        system_prompt="Pirate.",
        examples=[Message("user", "a"), Message("assistant", "b")],
        params=GenerationParams(temperature=1.5),
        profile="other",
    )
    defaults = NewConversationDefaults(params={"temperature": 0.2, "max_tokens": 800})
    conv = defaults.conversation(current)
    assert conv.system_prompt == DEFAULT_PROMPT
    assert conv.examples == []
    assert (conv.params.temperature, conv.params.max_tokens) == (0.2, 800)
    assert conv.profile is None  # the default profile, chosen by the window


def test_a_new_conversation_copies_the_current_one_when_asked():
    current = Conversation(
        system_prompt="Pirate.",
        examples=[Message("user", "a"), Message("assistant", "b")],
        params=GenerationParams(temperature=1.5, stop=["x"]),
        history=[Message("user", "not copied")],
        profile="other",
    )
    conv = NewConversationDefaults(copy_current=True).conversation(current)
    assert conv.system_prompt == "Pirate."
    assert [m.content for m in conv.examples] == ["a", "b"]
    assert conv.examples[0] is not current.examples[0]
    assert conv.params.temperature == 1.5
    conv.params.stop.append("y")
    assert current.params.stop == ["x"]
    assert len(conv) == 0
    assert conv.profile == "other"
