"""ChatService in Responses mode against FakeAzure's Responses wire format over loopback: the
real openai client's `responses` resource, the request log asserted."""

from __future__ import annotations

import threading
import time

import pytest

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.events import (
    Adjusted,
    CancelToken,
    ChatError,
    ReasoningDelta,
    ReplyDelta,
    ReplyResult,
    RetryNotice,
)
from tests.support.fake_azure import AzureModel, Fail, FakeAzure, Reply
from tests.support.fake_responses import Failed
from tests.support.images import decoded_size, image_bytes, image_part


def profile_for(srv: FakeAzure, kind: str = "azure-v1", deployment: str = "gpt-5"):
    endpoint = {
        "azure-v1": srv.v1_base_url,
        "azure-api-version": srv.azure_endpoint,
        "openai-compatible": srv.openai_base_url,
    }[kind]
    profile = ConnectionProfile("work", kind, endpoint, deployment)  # type: ignore[arg-type]
    if kind == "azure-api-version":
        profile.api_version = "2025-04-01-preview"
    return profile


def conversation(text: str = "Hello there", keeper: str = "chatdesk", **params) -> Conversation:
    conv = Conversation(
        system_prompt="Be brief.",
        history=[Message("user", text)],
        params=GenerationParams(**params),
    )
    conv.api, conv.history_keeper = "responses", keeper
    return conv


def record(conv: Conversation, result: ReplyResult) -> None:
    """What the window and `chatdesk send` keep of a reply."""
    meta = MessageMeta(finish_reason=result.finish_reason, usage=result.usage,
                       response_id=result.response_id, store=result.stored,
                       reasoning_summary=result.reasoning_summary,
                       incomplete=result.incomplete)  # fmt: skip
    conv.append(Message("assistant", result.content, meta=meta))


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("azure-v1", "/openai/v1/responses"),
        ("azure-api-version", "/openai/responses"),
        ("openai-compatible", "/v1/responses"),
    ],
)
def test_a_streamed_reply_with_its_reasoning_summary(srv, service, kind, path):
    srv.enqueue(Reply("Hi! How can I help?", summary=["Greeting.", "Keep it short."],
                      reasoning_tokens=12))  # fmt: skip
    conv = conversation(reasoning_effort="low", reasoning_summary="auto", max_tokens=500)
    events = list(service.stream(service.prepare(conv, profile_for(srv, kind))))

    reasoning = [e for e in events if isinstance(e, ReasoningDelta)]
    assert "".join(e.text for e in reasoning) == "Greeting.Keep it short."
    assert [e.new_part for e in reasoning].count(True) == 1  # the second part
    first_text = next(e for e in events if isinstance(e, ReplyDelta))
    assert events.index(reasoning[-1]) < events.index(first_text)  # the summary comes first
    result = events[-1]
    assert isinstance(result, ReplyResult)
    assert result.content == "Hi! How can I help?"
    assert result.finish_reason == "stop"
    assert not result.incomplete
    assert result.reasoning_summary == ["Greeting.", "Keep it short."]
    assert result.response_id.startswith("resp_")
    assert result.stored is False
    assert result.usage["input_tokens"] == 4  # "Be brief." + "Hello there"
    assert result.reasoning_tokens == 12
    (request,) = srv.requests
    assert request.path == path
    assert request.json == {
        "model": "gpt-5",
        "instructions": "Be brief.",
        "input": [{"role": "user", "content": "Hello there"}],
        "max_output_tokens": 500,
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": False,
        "stream": True,
    }


def test_a_whole_reply_when_the_conversation_does_not_stream(srv, service):
    srv.enqueue(Reply("Whole answer", summary=["Thought."]))
    conv = conversation(reasoning_summary="concise", stream=False)
    deltas = list(service.stream(service.prepare(conv, profile_for(srv))))
    result = deltas[-1]
    assert [type(e) for e in deltas] == [ReplyDelta, ReplyResult]
    assert result.content == "Whole answer"
    assert result.reasoning_summary == ["Thought."]
    assert "stream" not in srv.last_request.json


def test_the_service_keeps_the_history_and_reports_the_chains_input(srv, service):
    conv = conversation(keeper="service")
    profile = profile_for(srv)
    for question in ("Second question", "Third question"):
        result = service.complete(service.prepare(conv, profile))
        record(conv, result)
        conv.append(Message("user", question))
    result = service.complete(service.prepare(conv, profile))

    first, second, third = (r.json for r in srv.requests)
    assert first["store"] is True
    assert first["truncation"] == "auto"
    assert "previous_response_id" not in first
    assert second["previous_response_id"] == conv[1].meta.response_id
    assert second["input"] == [{"role": "user", "content": "Second question"}]
    assert third["previous_response_id"] == conv[3].meta.response_id
    assert third["input"] == [{"role": "user", "content": "Third question"}]
    assert all(r["instructions"] == "Be brief." for r in (first, second, third))
    # What the service counted grows with the chain, though each request carries one message.
    inputs = [conv[1].meta.usage["input_tokens"], conv[3].meta.usage["input_tokens"],
              result.usage["input_tokens"]]  # fmt: skip
    assert inputs == sorted(inputs)
    assert inputs[0] < inputs[2]


def test_a_gone_stored_response_is_said_once_and_the_history_sent(srv, service):
    conv = conversation(keeper="service")
    profile = profile_for(srv)
    record(conv, service.complete(service.prepare(conv, profile)))
    conv.append(Message("user", "Still there?"))
    srv.stored_responses.clear()  # expired on the service
    adjusted: list[Adjusted] = []
    result = service.complete(service.prepare(conv, profile), on_adjusted=adjusted.append)

    assert result.content == "You said: Still there?"
    (said,) = adjusted
    assert said.said == (
        f"The service no longer has the stored response {conv[1].meta.response_id}: "
        "sent the conversation's history instead."
    )
    gone, resent = srv.requests[1:]
    assert gone.json["previous_response_id"] == conv[1].meta.response_id
    assert "previous_response_id" not in resent.json
    assert resent.json["input"] == [
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "You said: Hello there"},
        {"role": "user", "content": "Still there?"},
    ]
    assert resent.json["store"] is True
    assert result.stored  # the chain goes on from the new response


def test_the_gone_response_fallback_streams_too(srv, service):
    conv = conversation(keeper="service")
    profile = profile_for(srv)
    record(conv, service.complete(service.prepare(conv, profile)))
    conv.append(Message("user", "Again"))
    srv.stored_responses.clear()
    events = list(service.stream(service.prepare(conv, profile)))
    assert next(type(e) for e in events) is Adjusted
    assert events[-1].content == "You said: Again"
    assert srv.last_request.json["stream"] is True


def test_the_history_sent_for_a_gone_response_takes_what_the_deployment_taught(srv, service):
    srv.models["gpt-4o"] = AzureModel(fixed_sampling=True)
    conv = conversation(keeper="service", temperature=0.2)
    profile = profile_for(srv, deployment="gpt-4o")
    # The first request learns that the deployment takes no temperature (a 400, adjusted).
    record(conv, service.complete(service.prepare(conv, profile)))
    assert "temperature" in srv.requests[0].json
    assert "temperature" not in srv.requests[1].json
    conv.append(Message("user", "Still there?"))
    srv.stored_responses.clear()
    asked = len(srv.requests)
    result = service.complete(service.prepare(conv, profile))
    assert result.content == "You said: Still there?"
    gone, resent = srv.requests[asked:]
    assert gone.json["previous_response_id"]
    assert "previous_response_id" not in resent.json
    assert "temperature" not in gone.json
    assert "temperature" not in resent.json


def test_max_output_tokens_is_chat_completions_length(srv, service):
    srv.enqueue(Reply("a" * 80, chunk_size=4))
    result = service.complete(service.prepare(conversation(max_tokens=16), profile_for(srv)))
    assert result.content == "a" * 64
    assert result.finish_reason == "length"
    assert not result.incomplete


def test_a_reply_limit_below_16_is_sent_as_16_and_said(srv, service):
    """Azure's Responses API answers max_output_tokens 5 with a 400 (below its minimum, 16),
    as the loopback server now does: chatdesk sends 16 and says so."""
    from chatdesk.core.responses_request import unsent_fields

    conv = conversation(max_tokens=5)
    srv.enqueue(Reply("a" * 80, chunk_size=4))
    result = service.complete(service.prepare(conv, profile_for(srv)))
    assert srv.requests[-1].json["max_output_tokens"] == 16
    assert result.finish_reason == "length"
    assert unsent_fields(conv) == [
        "The Responses API takes a reply limit of at least 16 tokens: 16 is sent instead of 5."
    ]


def test_reasoning_that_spends_the_whole_limit_is_said_as_in_chat_completions(srv, service):
    srv.enqueue(Reply("never shown", reasoning_tokens=40))
    result = service.complete(service.prepare(conversation(max_tokens=40), profile_for(srv)))
    assert result.content == ""
    assert result.finish_reason == "length"
    assert result.reasoning_exhausted == 40


def test_a_content_filter_stop_is_chat_completions_content_filter(srv, service):
    srv.enqueue(Reply("Part of it", finish_reason="content_filter"))
    events = list(service.stream(service.prepare(conversation(), profile_for(srv))))
    assert events[-1].finish_reason == "content_filter"
    assert events[-1].content == "Part of it"


def test_a_failed_response_is_an_error_keeping_the_text(srv, service):
    srv.enqueue(Failed("server_error", "The model failed.", text_before="Half an"))
    with pytest.raises(ChatError) as caught:
        list(service.stream(service.prepare(conversation(), profile_for(srv))))
    error = caught.value
    assert error.title == "The service could not finish the reply"
    assert error.message == "The model failed. (server_error)"
    assert error.partial.content == "Half an"
    assert error.partial.incomplete
    assert error.service_failed  # the service failed it over an intact stream: no drop
    assert len(srv.requests) == 1  # accepted (and maybe billed): never sent again by itself


def test_retries_and_error_mapping_are_those_of_chat_completions(srv, service):
    srv.enqueue(Fail.rate_limited(retry_after_ms=10), Reply("After the wait"))
    events = list(service.stream(service.prepare(conversation(), profile_for(srv))))
    assert isinstance(events[0], RetryNotice)
    assert events[-1].content == "After the wait"
    srv.enqueue(Fail.unauthorized())
    with pytest.raises(ChatError) as caught:
        service.complete(service.prepare(conversation(), profile_for(srv)))
    assert caught.value.status == 401


def test_a_parameter_the_model_refuses_is_adjusted_away(srv, service):
    srv.models["gpt-4o"] = AzureModel(fixed_sampling=True)
    conv = conversation(temperature=0.2)
    adjusted: list[Adjusted] = []
    result = service.complete(
        service.prepare(conv, profile_for(srv, deployment="gpt-4o")), on_adjusted=adjusted.append
    )
    assert result.content == "You said: Hello there"
    assert "temperature" not in srv.last_request.json
    assert len(adjusted) == 1


def test_stop_keeps_what_arrived(srv, service):
    srv.enqueue(Reply("x" * 40, chunk_size=1, delay=2.0))
    cancel = CancelToken()
    events = service.stream(service.prepare(conversation(), profile_for(srv)), cancel)
    assert next(events) == ReplyDelta("x")
    threading.Timer(0.1, cancel.cancel).start()
    started = time.monotonic()
    (result,) = list(events)
    assert time.monotonic() - started < 1.0
    assert result.content == "x"
    assert result.incomplete
    assert result.finish_reason is None


def test_tool_calls_come_back_as_cards(srv, service):
    call = {"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}  # fmt: skip
    srv.enqueue(Reply("", tool_calls=[call]))
    events = list(service.stream(service.prepare(conversation(), profile_for(srv))))
    assert events[-1].tool_calls == [call]
    assert events[-1].finish_reason == "tool_calls"


def test_an_unknown_previous_response_is_answered_404_by_the_test_server(srv, service):
    import openai

    client = openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key")
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.create(model="gpt-5", input="hi", previous_response_id="resp_nope")
    assert caught.value.code == "previous_response_not_found"
    assert caught.value.param == "previous_response_id"
    client.close()


def test_an_image_goes_no_larger_than_the_model_reads_it_as_in_chat_completions(srv, service):
    srv.enqueue(Reply("A square."))
    big = image_part(image_bytes(3000, 3000), detail="high")
    parts = [{"type": "text", "text": "What is it?"}, big]
    question = Message.from_raw({"role": "user", "content": parts})
    conv = Conversation(history=[question])
    conv.api = "responses"
    list(service.stream(service.prepare(conv, profile_for(srv, deployment="gpt-4o"))))

    (request,) = srv.requests
    (item,) = [i for i in request.json["input"] if i.get("role") == "user"]
    image = item["content"][1]
    assert image["type"] == "input_image"
    assert image["detail"] == "high"
    assert decoded_size(image["image_url"]) == (768, 768)
    assert conv.history[0].source[1] is big  # the conversation keeps the original
