"""One conversation sent both ways against FakeAzure: Chat Completions, and Responses with the
history kept by chatdesk or by the service. The bodies differ as the README's table says; the
input the service counts is the same."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from tests.support.fake_azure import FakeAzure, Reply

QUESTIONS = ("What is the capital of France?", "And its population?", "Name one museum there.")


def run(service, api: str, keeper: str) -> list[tuple[dict, dict]]:
    """(body sent, usage reported) per turn."""
    with FakeAzure(api_key="test-key") as srv:
        profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "o4-mini")
        conv = Conversation(
            system_prompt="Be brief.",
            examples=[Message("user", "Capital of Spain?"), Message("assistant", "Madrid.")],
            params=GenerationParams(max_tokens=800, reasoning_effort="low"),
        )
        conv.api, conv.history_keeper = api, keeper
        turns = []
        for question in QUESTIONS:
            conv.append(Message("user", question))
            srv.enqueue(Reply(None, reasoning_tokens=16))
            result = service.complete(service.prepare(conv, profile))
            conv.append(result.message())  # as the window and `chatdesk send` save it
            turns.append((srv.requests[-1].json, result.usage))
        return turns


def test_one_conversation_both_ways(service):
    chat = run(service, "chat", "chatdesk")
    kept_here = run(service, "responses", "chatdesk")
    kept_there = run(service, "responses", "service")

    body, usage = chat[2]
    assert [m["role"] for m in body["messages"]] == ["system"] + ["user", "assistant"] * 3 + [
        "user"
    ]
    assert body["max_completion_tokens"] == 800
    assert body["reasoning_effort"] == "low"
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 16

    body, usage = kept_here[2]
    assert body["instructions"] == "Be brief."
    assert len(body["input"]) == 7  # the examples and the whole history, every time
    assert body["store"] is False
    assert "previous_response_id" not in body
    assert body["max_output_tokens"] == 800
    assert body["reasoning"] == {"effort": "low"}
    assert usage["output_tokens_details"]["reasoning_tokens"] == 16

    body, usage = kept_there[2]
    assert body["input"] == [{"role": "user", "content": QUESTIONS[2]}]  # only what is new
    assert body["previous_response_id"].startswith("resp_")
    assert body["store"] is True
    assert body["truncation"] == "auto"
    # The service counts the stored history: what chatdesk would have sent itself.
    assert [u["input_tokens"] for _, u in kept_there] == [u["input_tokens"] for _, u in kept_here]
    assert [u["prompt_tokens"] for _, u in chat] == [u["input_tokens"] for _, u in kept_here]
