"""The same conversation mapped to the Responses API: exact inputs, exact bodies."""

from __future__ import annotations

import json

import pytest

from chatdesk.core import fileformat
from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.models import resolve_model
from chatdesk.core.responses_reply import finish_reason, read_response
from chatdesk.core.responses_request import (
    api_of,
    find_anchor,
    responses_bodies,
    unsent_fields,
)
from chatdesk.core.usage import completion_tokens, prompt_tokens, reasoning_tokens

IMAGE = "data:image/png;base64,iVBORw0KGgo="


def body_for(conv: Conversation, model: str = "gpt-4o", **kwargs):
    budget = Budget(conv, model)
    try:
        plan = budget.plan()
    finally:
        budget.close()
    family = resolve_model(model).family
    return responses_bodies(conv, plan, model=model, family=family, **kwargs)[0]


def stored_reply(text: str, response_id: str, **meta) -> Message:
    return Message("assistant", text, meta=MessageMeta(response_id=response_id, store=True, **meta))


def test_the_whole_conversation_becomes_instructions_and_input_items():
    conv = Conversation(
        system_prompt="You answer in French.",
        examples=[Message("user", "Hello"), Message("assistant", "Bonjour")],
        history=[
            Message("user", "Weather in Boston?"),
            Message("assistant", "", source=None, extra={"tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city": "Boston"}'}}]}),
            Message("tool", '{"temperature": 22}', extra={"tool_call_id": "call_1"}),
            Message("assistant", "Il fait 22 °C."),
            Message("user", "And this?", source=[
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": IMAGE, "detail": "low"}}]),
        ],
        params=GenerationParams(temperature=0.3, top_p=0.9, max_tokens=500),
    )  # fmt: skip
    assert body_for(conv, stream=False) == {
        "model": "gpt-4o",
        "instructions": "You answer in French.",
        "input": [
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Bonjour"},
            {"role": "user", "content": "Weather in Boston?"},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather",
             "arguments": '{"city": "Boston"}'},
            {"type": "function_call_output", "call_id": "call_1",
             "output": '{"temperature": 22}'},
            {"role": "assistant", "content": "Il fait 22 °C."},
            {"role": "user", "content": [
                {"type": "input_text", "text": "And this?"},
                {"type": "input_image", "image_url": IMAGE, "detail": "low"}]},
        ],
        "temperature": 0.3,
        "top_p": 0.9,
        "max_output_tokens": 500,
        "store": False,
    }  # fmt: skip


def test_reasoning_text_and_tools_map_to_their_responses_names():
    conv = Conversation(
        history=[Message("user", "Plan my day")],
        params=GenerationParams(
            temperature=0.5, max_tokens=2000, reasoning_effort="high",
            reasoning_summary="detailed", verbosity="low", response_format="json_object",
        ),
    )  # fmt: skip
    conv.request_extra = {
        "tools": [{"type": "function", "function": {
            "name": "calendar", "description": "Read the calendar",
            "parameters": {"type": "object", "properties": {}}, "strict": True}}],
        "tool_choice": {"type": "function", "function": {"name": "calendar"}},
        "user": "u-42",
        "logit_bias": {"50256": -100},
    }  # fmt: skip
    body = body_for(conv, "gpt-5")
    assert "temperature" not in body  # gpt-5 takes only the default, as in Chat Completions
    assert body["max_output_tokens"] == 2000
    assert body["reasoning"] == {"effort": "high", "summary": "detailed"}
    assert body["text"] == {"format": {"type": "json_object"}, "verbosity": "low"}
    assert body["tools"] == [{"type": "function", "name": "calendar",
                              "description": "Read the calendar",
                              "parameters": {"type": "object", "properties": {}},
                              "strict": True}]  # fmt: skip
    assert body["tool_choice"] == {"type": "function", "name": "calendar"}
    assert body["user"] == "u-42"
    assert "logit_bias" not in body
    assert body["stream"] is True


def test_a_json_schema_response_format_becomes_text_format():
    conv = Conversation(history=[Message("user", "x")])
    schema = {"name": "answer", "schema": {"type": "object"}, "strict": True}
    conv.request_extra = {"response_format": {"type": "json_schema", "json_schema": schema}}
    assert body_for(conv)["text"] == {"format": {"type": "json_schema", **schema}}


def test_fields_responses_lacks_are_named_and_not_sent():
    conv = Conversation(
        history=[Message("user", "x")],
        params=GenerationParams(stop=["END"], seed=7, presence_penalty=0.5),
    )
    conv.request_extra = {"n": 2, "user": "u"}
    body = body_for(conv)
    assert not {"stop", "seed", "presence_penalty", "n"} & set(body)
    assert unsent_fields(conv) == [
        "The Responses API has no stop: not sent.",
        "The Responses API has no seed: not sent.",
        "The Responses API has no presence_penalty: not sent.",
        "The Responses API has no n: not sent.",
    ]


def test_service_kept_history_continues_from_the_newest_stored_reply():
    conv = Conversation(
        system_prompt="Be brief.",
        examples=[Message("user", "Hi"), Message("assistant", "Hello")],
        history=[
            Message("user", "One"),
            stored_reply("First answer", "resp_1"),
            Message("user", "Two"),
            stored_reply("Second answer", "resp_2"),
            Message("user", "Three"),
        ],
    )
    conv.history_keeper = "service"
    body = body_for(conv, stream=False)
    assert body == {
        "model": "gpt-4o",
        "instructions": "Be brief.",  # instructions are not carried over: sent every time
        "previous_response_id": "resp_2",
        "input": [{"role": "user", "content": "Three"}],
        "store": True,
        "truncation": "auto",
    }


def test_the_fallback_sends_the_trimmed_history_stored():
    conv = Conversation(history=[Message("user", "One"), stored_reply("A", "resp_1"),
                                 Message("user", "Two")])  # fmt: skip
    conv.history_keeper = "service"
    budget = Budget(conv, "gpt-4o")
    plan = budget.plan()
    budget.close()
    family = resolve_model("gpt-4o").family
    body, fallback = responses_bodies(conv, plan, model="gpt-4o", family=family, stream=False)
    assert body["previous_response_id"] == "resp_1"
    assert fallback == {
        "model": "gpt-4o",
        "input": [{"role": "user", "content": "One"}, {"role": "assistant", "content": "A"},
                  {"role": "user", "content": "Two"}],
        "store": True,
        "truncation": "auto",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("meta", "anchored"),
    [
        ({"response_id": "resp_1", "store": True}, True),
        ({"response_id": "resp_1", "store": False}, False),  # chatdesk kept it: not stored
        ({"response_id": None, "store": False}, False),  # a Chat Completions reply
        ({"response_id": "resp_1", "store": True, "incomplete": True}, False),  # stopped
        ({"response_id": "resp_1", "store": True, "error": "dropped"}, False),
    ],
)
def test_which_reply_is_an_anchor(meta, anchored):
    conv = Conversation(history=[Message("user", "One"),
                                 Message("assistant", "A", meta=MessageMeta(**meta)),
                                 Message("user", "Two")])  # fmt: skip
    conv.history_keeper = "service"
    anchor = find_anchor(conv)
    assert (anchor is not None) is anchored
    body = body_for(conv)
    assert ("previous_response_id" in body) is anchored
    assert len(body["input"]) == (1 if anchored else 3)


def test_the_api_is_the_conversations_then_the_models_then_the_profiles():
    conv = Conversation()
    gpt4o, codex = resolve_model("gpt-4o").family, resolve_model("gpt-5-codex").family
    assert api_of(conv, "chat", gpt4o) == "chat"
    assert api_of(conv, "responses", gpt4o) == "responses"
    assert api_of(conv, "chat", codex) == "responses"  # served only through Responses
    conv.api = "chat"
    assert api_of(conv, "responses", gpt4o) == "chat"


RESPONSE = {
    "id": "resp_abc", "object": "response", "status": "incomplete", "model": "gpt-5",
    "incomplete_details": {"reason": "max_output_tokens"},
    "output": [
        {"id": "rs_1", "type": "reasoning", "summary": [
            {"type": "summary_text", "text": "Compare the options."},
            {"type": "summary_text", "text": "Pick the cheaper."}]},
        {"id": "msg_1", "type": "message", "role": "assistant", "status": "incomplete",
         "content": [{"type": "output_text", "text": "The cheaper one is", "annotations": []}]},
    ],
    "usage": {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 1024},
              "output_tokens": 64, "output_tokens_details": {"reasoning_tokens": 48},
              "total_tokens": 1264},
}  # fmt: skip


def test_a_response_is_read_as_text_reasoning_and_a_finish_reason():
    reply = read_response(RESPONSE)
    assert reply.text == "The cheaper one is"
    assert reply.reasoning_summary == ["Compare the options.", "Pick the cheaper."]
    assert reply.finish_reason == "length"
    assert (prompt_tokens(reply.usage), completion_tokens(reply.usage)) == (1200, 64)
    assert reasoning_tokens(reply.usage) == 48


@pytest.mark.parametrize(
    ("status", "details", "calls", "expected"),
    [
        ("completed", None, False, "stop"),
        ("completed", None, True, "tool_calls"),
        ("incomplete", {"reason": "max_output_tokens"}, False, "length"),
        ("incomplete", {"reason": "content_filter"}, False, "content_filter"),
        ("failed", None, False, None),
        ("cancelled", None, False, None),
    ],
)
def test_finish_reasons(status, details, calls, expected):
    assert finish_reason(status, details, calls) == expected


def test_function_calls_come_back_as_tool_calls():
    reply = read_response({"status": "completed", "output": [
        {"type": "function_call", "id": "fc_1", "call_id": "call_9", "name": "f",
         "arguments": "{}"}]})  # fmt: skip
    assert reply.tool_calls == [
        {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ]
    assert reply.finish_reason == "tool_calls"


def test_the_file_keeps_the_mode_and_each_replys_response_and_reasoning(tmp_path):
    conv = Conversation(history=[Message("user", "Hi")],
                        params=GenerationParams(reasoning_summary="auto"))  # fmt: skip
    conv.api, conv.history_keeper = "responses", "service"
    conv.append(stored_reply("Hello", "resp_1", reasoning_summary=["Greet back."]))
    path = tmp_path / "c.chatdesk.json"
    fileformat.save_conversation(conv, path)
    doc = json.loads(path.read_text())
    assert (doc["api"], doc["history"]) == ("responses", "service")
    assert doc["params"] == {"reasoning_summary": "auto"}
    assert doc["messages"][1]["metadata"]["response_id"] == "resp_1"
    assert doc["messages"][1]["metadata"]["store"] is True
    assert doc["messages"][1]["metadata"]["reasoning_summary"] == ["Greet back."]
    opened = fileformat.load_conversation(path).conversation
    assert (opened.api, opened.history_keeper) == ("responses", "service")
    assert opened[1].meta.reasoning_summary == ["Greet back."]
    assert find_anchor(opened).response_id == "resp_1"
    # The summary is never sent back as text.
    assert opened[1].to_api() == {"role": "assistant", "content": "Hello"}


def test_an_older_file_reads_as_before():
    doc = {"format": "chatdesk.conversation", "version": 2,
           "messages": [{"role": "user", "content": "Hi"}]}  # fmt: skip
    conv = fileformat.loads(json.dumps(doc)).conversation
    assert (conv.api, conv.history_keeper) == (None, "chatdesk")
    assert "api" not in fileformat.to_document(conv)
    assert "history" not in fileformat.to_document(conv)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"api": "completions"}, '"api" is "completions"; chatdesk reads "chat", "responses".'),
        ({"history": "cloud"}, '"history" is "cloud"; chatdesk reads "chatdesk", "service".'),
        ({"params": {"reasoning_summary": "long"}},
         'params: "reasoning_summary" must be one of auto, concise, detailed, not \'long\'.'),
    ],
)  # fmt: skip
def test_bad_mode_fields_are_refused_naming_the_field(change, problem):
    doc = {"format": "chatdesk.conversation", "version": 2, "messages": [], **change}
    with pytest.raises(fileformat.ConversationFileError) as caught:
        fileformat.loads(json.dumps(doc), "c.json")
    assert caught.value.problem == problem


def test_a_bad_reasoning_summary_in_metadata_is_refused():
    doc = {"format": "chatdesk.conversation", "version": 2, "messages": [
        {"role": "assistant", "content": "x", "metadata": {"reasoning_summary": [1]}}]}
    with pytest.raises(fileformat.ConversationFileError, match="list of texts"):
        fileformat.loads(json.dumps(doc), "c.json")


def test_a_responses_reply_costs_what_the_same_chat_completions_usage_costs():
    from decimal import Decimal

    from chatdesk.core.pricing import Prices, reply_cost

    prices = Prices(Decimal("2.50"), Decimal("1.25"), Decimal("10.00"))
    chat = {"prompt_tokens": 1200, "completion_tokens": 64,
            "prompt_tokens_details": {"cached_tokens": 1024}}  # fmt: skip
    assert reply_cost(prices, RESPONSE["usage"]) == reply_cost(prices, chat)
    assert reply_cost(prices, RESPONSE["usage"]) is not None


def test_a_failed_turn_after_the_stored_reply_is_not_sent_on_the_chain():
    failed = Message("user", "Blocked words", meta=MessageMeta(error="filtered",
                                                             error_code="content_filter"))
    conv = Conversation(history=[Message("user", "One"), stored_reply("A", "resp_1"),
                                 failed, Message("user", "Two")])  # fmt: skip
    conv.history_keeper = "service"
    body = body_for(conv)
    assert body["previous_response_id"] == "resp_1"
    assert body["input"] == [{"role": "user", "content": "Two"}]
