"""The whole Chat Completions message: every role, content parts, tool calls and the request
fields chatdesk does not use survive open -> edit -> save -> send unchanged."""

from __future__ import annotations

import copy
import json

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.fileformat import dumps, load_conversation, loads, save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.models import CATALOG, known_model
from chatdesk.core.request import build_request, request_messages
from tests.support.request_bodies import ALL_BODIES, tool_turns_body, vision_body

OWN = {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "seed"}


def opened(body: dict):
    return loads(json.dumps(body)).conversation


def reopened(conv):
    return loads(dumps(conv)).conversation


def sent(conv, model: str = "o3") -> dict:
    budget = Budget(conv, model=model)
    body = build_request(conv, budget.plan(), model="dep", family=budget.family, stream=False)
    budget.close()
    return body


@pytest.mark.parametrize("name", sorted(ALL_BODIES))
def test_bodies_survive_open_save_reopen_and_send(name):
    body = copy.deepcopy(ALL_BODIES[name]())
    conv = reopened(reopened(opened(body)))
    budget = Budget(conv, model="o3")
    # The messages, as the API takes them, are the body's own.
    assert request_messages(conv, budget.plan()) == body["messages"]
    out = sent(conv)
    o3 = known_model("o3")
    takes = {"reasoning_effort": o3.reasoning_efforts, "verbosity": o3.verbosity}
    for key, value in body.items():
        if key in takes and value not in takes[key]:  # e.g. gpt-5's "minimal": o3 takes none
            assert key not in out, key
            continue
        if key not in OWN and key != "logit_bias":  # o3 rejects logit_bias
            assert out[key] == value, key
    if "seed" in body:
        assert out["seed"] == body["seed"]


def test_every_request_field_chatdesk_does_not_use_is_sent_as_it_came():
    body = tool_turns_body()
    out = sent(opened(body), "gpt-5")
    for key in ("tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "user",
                "metadata"):  # fmt: skip
        assert out[key] == body[key]
    assert (out["seed"], out["max_completion_tokens"]) == (7, 800)


def test_a_chat_model_gets_logit_bias_and_a_reasoning_model_does_not():
    body = vision_body()
    assert sent(opened(body), "gpt-4o")["logit_bias"] == {"1734": -100}
    assert "logit_bias" not in sent(opened(body), "gpt-5")


def test_a_json_schema_response_format_is_kept_whole():
    body = ALL_BODIES["json_schema"]()
    conv = reopened(opened(body))
    assert conv.params.response_format == "text"
    assert sent(conv, "gpt-5-mini")["response_format"] == body["response_format"]


def test_a_leading_developer_message_is_the_system_prompt_and_keeps_its_role():
    conv = opened(tool_turns_body())
    assert (conv.system_prompt, conv.system_role) == ("Use the tools when they help.", "developer")
    doc = json.loads(dumps(conv))
    assert doc["messages"][0] == {"role": "developer", "content": "Use the tools when they help."}
    # Sent as the model takes it: gpt-4.1 takes no developer role, o3 does.
    assert sent(conv, "gpt-4.1")["messages"][0]["role"] == "system"
    assert sent(conv, "o3")["messages"][0]["role"] == "developer"


def test_tool_turns_are_read_with_their_fields():
    conv = opened(tool_turns_body())
    call, result = conv[1], conv[2]
    assert (call.role, call.content, call.tool_calls[0]["id"]) == ("assistant", "", "call_abc123")
    assert call.to_api()["content"] is None
    assert (result.role, result.extra["tool_call_id"]) == ("tool", "call_abc123")


def test_editing_a_message_with_parts_keeps_its_images_and_other_parts():
    conv = opened(vision_body())
    original = conv[0].to_api()
    conv.set_content(0, "Describe the first image only.")
    edited = reopened(conv)[0].to_api()
    assert edited["content"][0] == {"type": "text", "text": "Describe the first image only."}
    assert edited["content"][1:] == original["content"][1:]  # two images, one audio part
    assert edited["x_client_note"] == "kept"


def test_editing_a_system_prompt_given_as_parts_keeps_the_shape():
    conv = opened(vision_body())
    conv.system_prompt = "You describe images in one line."
    doc = json.loads(dumps(conv))
    assert doc["messages"][0] == {
        "role": "system",
        "content": [{"type": "text", "text": "You describe images in one line."}],
    }


def test_unknown_part_types_and_fields_are_kept_verbatim(tmp_path):
    body = {"messages": [
        {"role": "user", "content": [{"type": "file", "file": {"file_id": "file-1"}},
                                     {"type": "future_part", "x": [1, {"y": None}]}],
         "weird": {"a": 1}},
        {"role": "function", "name": "legacy_fn", "content": "42"},
        {"role": "assistant", "content": "ok", "audio": {"id": "audio_1"},
         "function_call": {"name": "legacy_fn", "arguments": "{}"}},
    ]}  # fmt: skip
    path = tmp_path / "c.json"
    save_conversation(opened(body), path)
    conv = load_conversation(path).conversation
    assert [m.to_api() for m in conv] == body["messages"]


def test_a_version_1_file_is_migrated_and_saved_as_version_2(tmp_path):
    v1 = {"format": "chatdesk.conversation", "version": 1, "title": "Old",
          "params": {"temperature": 0.5}, "messages": [
              {"role": "system", "content": "Be kind."},
              {"role": "user", "content": "When?", "pinned": True},
              {"role": "assistant", "content": "Now.", "pinned": True},
              {"role": "user", "content": "Why?"},
              {"role": "assistant", "content": "Because.", "metadata": {"finish_reason": "stop"}},
          ]}  # fmt: skip
    path = tmp_path / "old.json"
    path.write_text(json.dumps(v1))
    conv = load_conversation(path).conversation
    save_conversation(conv, path)
    doc = json.loads(path.read_text())
    assert doc["version"] == 2
    assert "request" not in doc  # nothing to keep: no empty section
    assert doc["messages"] == v1["messages"]
    assert (doc["title"], doc["params"]) == ("Old", {"temperature": 0.5})


def test_messages_of_every_role_can_be_made():
    for role in ("system", "developer", "user", "assistant", "tool", "function"):
        assert Message(role, "x").to_api() == {"role": role, "content": "x"}
    with pytest.raises(ValueError, match="wizard"):
        Message("wizard", "x")


def test_catalog_models_take_a_round_tripped_body():
    # Every model builds a request from the tool body without losing a tool field.
    conv = opened(tool_turns_body())
    for key in CATALOG:
        out = sent(conv, key)
        assert out["tools"] == tool_turns_body()["tools"]
