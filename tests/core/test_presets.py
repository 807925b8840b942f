from __future__ import annotations

import re

import pytest

from chatdesk.core.conversation import GenerationParams
from chatdesk.core.presets import BUILTIN_PRESETS, SystemPreset, builtin_preset


def test_builtins_are_the_seed_examples_in_order():
    assert [p.name for p in BUILTIN_PRESETS] == [
        "Basic assistant",
        "Instructions with guardrails",
        "Grounding data",
        "Few-shot (tax questions)",
        "Entity extraction (JSON)",
    ]
    basic = builtin_preset("Basic assistant")
    assert basic is not None
    assert basic.system_prompt == "Assistant is a large language model trained by OpenAI."
    assert basic.examples == []
    assert basic.params == {}


def test_guardrails_prompt_keeps_its_instructions_list():
    prompt = builtin_preset("Instructions with guardrails").system_prompt
    lines = prompt.splitlines()
    assert lines[0].startswith("Assistant is an intelligent chatbot designed to help users")
    assert lines[1] == "Instructions:"
    assert lines[2] == "- Only answer questions related to taxes."
    assert lines[3].startswith("- If you're unsure of an answer")
    assert "IRS website" in lines[3]


def test_grounding_prompt_has_its_context():
    prompt = builtin_preset("Grounding data").system_prompt
    assert "Only answer questions using the context below" in prompt
    assert prompt.count("\n- ") == 3
    # The seed's mis-decoded apostrophe is not carried over.
    assert "â€" not in prompt
    assert "Microsoft’s principles" in prompt


def test_few_shot_has_two_example_pairs_as_messages():
    preset = builtin_preset("Few-shot (tax questions)")
    assert [u for u, _ in preset.examples] == [
        "When do I need to file my taxes by?",
        "How can I check the status of my tax refund?",
    ]
    assert preset.examples[1][1].endswith("https://www.irs.gov/refunds")
    messages = preset.example_messages()
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0].content == preset.examples[0][0]


def test_entity_extraction_asks_for_json_and_mentions_json():
    preset = builtin_preset("Entity extraction (JSON)")
    assert preset.params == {"response_format": "json_object"}
    # Azure refuses json_object unless the messages contain the word JSON.
    assert "JSON" in preset.system_prompt
    assert '"phone_number": ""' in preset.system_prompt
    params = preset.apply_params(GenerationParams(temperature=0.3))
    assert params.response_format == "json_object"
    assert params.temperature == 0.3


def test_json_round_trip_and_compatible_shape():
    preset = SystemPreset("Mine", "Be brief.", [("hi", "hello")], {"temperature": 0.2})
    data = preset.to_json()
    assert data["examples"] == [{"user": "hi", "assistant": "hello"}]
    assert SystemPreset.from_json(data) == preset
    plain = SystemPreset("Plain", "x").to_json()
    assert "params" not in plain
    assert SystemPreset.from_json(plain) == SystemPreset("Plain", "x")


def test_defaults_are_not_shared():
    a, b = SystemPreset("a", ""), SystemPreset("b", "")
    a.examples.append(("u", "v"))
    a.params["seed"] = 1
    assert b.examples == []
    assert b.params == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be an object"),
        ({"name": "x"}, "'system_prompt'"),
        ({"name": "x", "system_prompt": "", "examples": [{"user": "u"}]}, "examples[0]"),
        ({"name": "x", "system_prompt": "", "params": []}, "'params'"),
        ({"name": "x", "system_prompt": "", "params": {"temp": 1}}, "unknown request"),
        ({"name": "x", "system_prompt": "", "params": {"response_format": "xml"}}, "one of"),
    ],
)
def test_from_json_rejects_bad_documents(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SystemPreset.from_json(data)
