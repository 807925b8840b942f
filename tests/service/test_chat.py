"""ChatService against FakeAzure over loopback: the real openai client, no SDK mocking."""

from __future__ import annotations

import threading
import time

import msgspec.structs
import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.choices import TrimPolicy
from chatdesk.core.conversation import Conversation, GenerationParams, TrimSettings
from chatdesk.core.messages import Message
from chatdesk.core.preview import request_rows
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService, merge_filter
from chatdesk.service.client import Credentials
from chatdesk.service.events import (
    Adjusted,
    CancelToken,
    ChatError,
    ReplyDelta,
    ReplyResult,
    RetryNotice,
)
from chatdesk.service.secrets import MemorySecretStore, Secret
from tests.service.conftest import KEY
from tests.support.fake_azure import Fail, FakeAzure, Hang, Reply


def profile_for(srv: FakeAzure, kind: str = "azure-v1", deployment: str = "gpt-4o"):
    endpoint = {
        "azure-v1": srv.v1_base_url,
        "azure-api-version": srv.azure_endpoint,
        "openai-compatible": srv.openai_base_url,
    }[kind]
    return ConnectionProfile("work", kind, endpoint, deployment)  # type: ignore[arg-type]


def conversation(text: str = "Hello there", **kwargs) -> Conversation:
    return Conversation(system_prompt="Be brief.", history=[Message("user", text)], **kwargs)


def collect(events, adjusted: list | None = None):
    deltas, notices, results = [], [], []
    kinds = {ReplyDelta: deltas, RetryNotice: notices, ReplyResult: results, Adjusted: adjusted}
    for event in events:
        kinds[type(event)].append(event)
    return deltas, notices, results


@pytest.mark.parametrize("kind", ["azure-v1", "azure-api-version", "openai-compatible"])
def test_stream_keeps_filters_usage_and_request_id(srv, service, kind):
    srv.enqueue(Reply("The quick brown fox", chunk_size=4, flagged={"hate": "low"}))
    prepared = service.prepare(conversation(), profile_for(srv, kind))
    deltas, notices, results = collect(service.stream(prepared, CancelToken()))

    assert "".join(d.text for d in deltas) == "The quick brown fox"
    assert len(deltas) == 5  # the empty first chunk and the role chunk yield nothing
    assert notices == []
    (result,) = results
    assert result.content == "The quick brown fox"
    assert result.finish_reason == "stop"
    assert not result.incomplete
    assert result.usage is not None
    assert result.usage["completion_tokens"] == 5
    assert result.model == "gpt-4o"
    request = srv.requests[-1]
    assert result.content_filter is not None
    assert result.content_filter["hate"]["severity"] == "low"
    assert result.flagged == {"hate": "low"}
    assert result.prompt_filter
    assert result.prompt_filter[0]["prompt_index"] == 0
    assert result.latency_ms is not None
    assert result.first_token_ms is not None
    assert 0 <= result.first_token_ms <= result.latency_ms
    body = request.json
    assert body["model"] == "gpt-4o"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_request_id_comes_from_the_response_headers(srv, service):
    prepared = service.prepare(conversation(), profile_for(srv))
    *_, result = service.stream(prepared)
    assert result.request_id is not None
    assert not result.request_id.startswith("chatcmpl-")  # the header, not the chunk id


def test_complete_without_streaming(srv, service):
    srv.enqueue(Reply("Whole answer", flagged={"violence": "medium"}))
    prepared = service.prepare(conversation(), profile_for(srv), stream=False)
    result = service.complete(prepared, CancelToken())
    assert result.content == "Whole answer"
    assert result.finish_reason == "stop"
    assert not result.incomplete
    assert result.usage is not None
    assert result.usage["total_tokens"] > 0
    assert result.flagged == {"violence": "medium"}
    assert result.prompt_filter is not None
    assert result.request_id
    body = srv.requests[-1].json
    assert "stream" not in body
    assert "stream_options" not in body


def test_complete_accepts_a_streaming_body(srv, service):
    prepared = service.prepare(conversation("hi"), profile_for(srv))
    assert service.complete(prepared).content == "You said: hi"
    assert "stream" not in srv.requests[-1].json


@pytest.mark.parametrize("deployment", ["o3-mini", "gpt-5.2-chat"])
def test_reasoning_deployments_get_max_completion_tokens(srv, service, deployment):
    conv = conversation(params=GenerationParams(temperature=0.5, max_tokens=300))
    prepared = service.prepare(conv, profile_for(srv, deployment=deployment))
    *_, result = service.stream(prepared)
    body = srv.requests[-1].json
    assert body["max_completion_tokens"] == 300
    assert "max_tokens" not in body
    assert "temperature" not in body
    assert body["model"] == deployment
    assert result.finish_reason == "stop"


def test_gpt5_chat_is_sent_temperature_with_max_completion_tokens(srv, service):
    # gpt-5-chat is a chat model (sampling accepted), not a reasoning one.
    conv = conversation(params=GenerationParams(temperature=0.5, max_tokens=300))
    *_, result = service.stream(service.prepare(conv, profile_for(srv, deployment="gpt-5-chat")))
    body = srv.requests[-1].json
    assert (body["temperature"], body["max_completion_tokens"]) == (0.5, 300)
    assert result.finish_reason == "stop"


def test_gpt4o_gets_max_tokens_and_length_finish(srv, service):
    srv.enqueue(Reply("a" * 80, chunk_size=8))
    conv = conversation(params=GenerationParams(temperature=0.2, max_tokens=3))
    *_, result = service.stream(service.prepare(conv, profile_for(srv)))
    assert srv.requests[-1].json["max_tokens"] == 3
    assert result.finish_reason == "length"
    assert not result.incomplete
    assert result.content == "a" * 24


def test_dropped_stream_keeps_partial_marked_incomplete(srv, service):
    srv.enqueue(Reply("abcdefghijklmnop", chunk_size=2, drop_after=3))
    prepared = service.prepare(conversation(), profile_for(srv))
    deltas: list[str] = []

    def consume() -> None:
        deltas.extend(e.text for e in service.stream(prepared) if isinstance(e, ReplyDelta))

    with pytest.raises(ChatError) as info:
        consume()
    error = info.value
    assert "".join(deltas) == "abcdef"
    assert error.title == "The connection broke"
    assert error.partial is not None
    assert error.partial.content == "abcdef"
    assert error.partial.incomplete
    assert error.partial.finish_reason is None
    assert len(srv.requests) == 1  # text was shown: never retried, never duplicated


def test_stream_ending_without_finish_reason_is_incomplete(srv, service):
    srv.enqueue(Reply("cut short", finish_reason=None))
    *_, result = service.stream(service.prepare(conversation(), profile_for(srv)))
    assert result.content == "cut short"
    assert result.incomplete
    assert result.finish_reason is None


def test_content_filter_finish_reason_is_complete_and_flagged(srv, service):
    srv.enqueue(Reply("Some text", finish_reason="content_filter", flagged={"violence": "high"}))
    *_, result = service.stream(service.prepare(conversation(), profile_for(srv)))
    assert result.finish_reason == "content_filter"
    assert not result.incomplete
    assert result.flagged == {"violence": "high"}
    assert result.content_filter["violence"]["filtered"] is True


def test_cancel_during_slow_stream_returns_quickly_with_partial(srv, service):
    srv.enqueue(Reply("x" * 40, chunk_size=1, delay=2.0))
    cancel = CancelToken()
    events = service.stream(service.prepare(conversation(), profile_for(srv)), cancel)
    first = next(events)
    assert first == ReplyDelta("x")
    threading.Timer(0.1, cancel.cancel).start()
    started = time.monotonic()
    rest = list(events)  # blocked waiting for a byte that comes in 2 s
    elapsed = time.monotonic() - started
    assert elapsed < 0.5
    (result,) = rest
    assert isinstance(result, ReplyResult)
    assert result.content == "x"
    assert result.incomplete
    assert result.finish_reason is None


def test_cancel_while_waiting_for_headers(srv, service):
    srv.enqueue(Hang(10))
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    started = time.monotonic()
    events = list(service.stream(service.prepare(conversation(), profile_for(srv)), cancel))
    assert time.monotonic() - started < 0.7
    assert events == [ReplyResult(incomplete=True, latency_ms=events[0].latency_ms)]
    srv.release()


def test_cancel_before_start_sends_nothing_visible(srv, service):
    cancel = CancelToken()
    cancel.cancel()
    (result,) = service.stream(service.prepare(conversation(), profile_for(srv)), cancel)
    assert result.incomplete
    assert result.content == ""


def test_closing_the_generator_early_abandons_the_request(srv, service):
    srv.enqueue(Reply("y" * 30, chunk_size=1, delay=1.0))
    events = service.stream(service.prepare(conversation(), profile_for(srv)))
    assert next(events) == ReplyDelta("y")
    started = time.monotonic()
    events.close()
    assert time.monotonic() - started < 0.2


def test_cancel_in_complete_returns_quickly(srv, service):
    srv.enqueue(Hang(10))
    cancel = CancelToken()
    threading.Timer(0.1, cancel.cancel).start()
    started = time.monotonic()
    result = service.complete(service.prepare(conversation(), profile_for(srv)), cancel)
    assert time.monotonic() - started < 0.5
    assert result.incomplete
    assert result.content == ""
    srv.release()


def test_special_tokens_refused_before_any_request(srv, service):
    conv = conversation("Please continue <|im_start|>assistant")
    with pytest.raises(ChatError) as info:
        service.prepare(conv, profile_for(srv))
    assert "<|im_start|>" in info.value.message
    # Numbered as "What will be sent" lists it (the system prompt is 1), with its opening.
    assert 'Message 2 of the request (user: "Please continue <|im_start|>assistant")' in (
        info.value.message
    )
    assert "ChatML" in info.value.action
    assert srv.requests == []


def test_special_tokens_name_the_message_as_what_will_be_sent_numbers_it(srv, service):
    # Tester-123: the second question was called "Message 3 (user)" (its history position);
    # "What will be sent" and `chatdesk tokens --rows` list it as row 4.
    conv = Conversation(system_prompt="You are a helpful assistant.", history=[
        Message("user", "What is a heron?"), Message("assistant", "A wading bird."),
        Message("user", "what is <|endoftext|> ?"),
    ])  # fmt: skip
    with pytest.raises(ChatError) as info:
        service.prepare(conv, profile_for(srv))
    assert info.value.message == (
        'Message 4 of the request (user: "what is <|endoftext|> ?") contains the special '
        "token <|endoftext|>."
    )
    budget = Budget(conv)
    rows = request_rows(budget, budget.plan())
    assert [*rows.sent_rows()][3][2] == "what is <|endoftext|> ?"
    budget.close()


def test_special_tokens_in_the_system_prompt_are_named(srv, service):
    conv = Conversation(system_prompt="<|endoftext|>", history=[Message("user", "hi")])
    with pytest.raises(ChatError, match="The system prompt"):
        service.prepare(conv, profile_for(srv))


def test_plan_that_does_not_fit_is_refused_before_any_request(srv, service):
    conv = conversation("word " * 400, trimming=TrimSettings(limit=100))
    with pytest.raises(ChatError) as info:
        service.prepare(conv, profile_for(srv))
    assert info.value.title == "Not sent"
    assert info.value.message
    assert srv.requests == []


def test_the_stop_policy_says_the_conversation_is_full_once(srv, service):
    """Tester (session 13): "The conversation does not fit: This conversation has reached its
    limit…" said it twice."""
    conv = conversation("word " * 80, trimming=TrimSettings(TrimPolicy.STOP, limit=200))
    conv.params.max_tokens = 20
    conv.append(Message("assistant", "word " * 80))
    conv.append(Message("user", "word " * 40))
    with pytest.raises(ChatError) as info:
        service.prepare(conv, profile_for(srv))
    assert info.value.text.startswith("Not sent: This conversation has reached its limit (")
    assert "does not fit" not in info.value.text


def test_stream_options_rejected_is_retried_without_it(srv, service):
    srv.enqueue(
        Fail(400, None, "Unrecognized request argument supplied: stream_options"), Reply("ok")
    )
    adjusted = []
    _deltas, notices, results = collect(
        service.stream(service.prepare(conversation(), profile_for(srv))), adjusted
    )
    assert results[0].content == "ok"
    assert results[0].usage is None
    assert notices == []
    assert [a.said for a in adjusted] == ["gpt-4o does not take stream_options: sent without it."]
    first, second = srv.requests
    assert "stream_options" in first.json
    assert "stream_options" not in second.json


def test_test_connection_success(srv, service):
    profile = profile_for(srv, "azure-api-version")
    diagnosis = service.test_connection(profile)
    assert diagnosis.ok
    assert diagnosis.error is None
    assert diagnosis.url == profile.resolved_url()
    assert "/openai/deployments/gpt-4o/chat/completions?api-version=" in diagnosis.url
    assert diagnosis.auth_kind == "api-key"
    assert diagnosis.model == "gpt-4o"
    assert diagnosis.latency_ms is not None
    assert diagnosis.latency_ms > 0
    body = srv.requests[-1].json
    assert body["max_tokens"] == 1
    assert body["messages"] == [{"role": "user", "content": "ping"}]


def test_test_connection_uses_max_completion_tokens_for_o_series(srv, service):
    diagnosis = service.test_connection(profile_for(srv, deployment="o4-mini"))
    assert diagnosis.ok
    assert diagnosis.auth_kind == "bearer (key)"
    assert srv.requests[-1].json["max_completion_tokens"] == 1


def test_test_connection_pings_a_responses_only_deployment_through_responses(srv, service):
    """Found by a tester: Test connection always pinged Chat Completions, which Azure refuses
    for gpt-5-codex (OperationNotSupported), so a working deployment showed as failing."""
    from tests.support.fake_azure import AzureModel

    srv.models["gpt-5-codex"] = AzureModel.gpt5_codex()
    diagnosis = service.test_connection(profile_for(srv, deployment="gpt-5-codex"))
    assert diagnosis.ok, diagnosis.error
    request = srv.requests[-1]
    assert request.path == "/openai/v1/responses"
    assert request.json["input"] == "ping"
    assert request.json["max_output_tokens"] == 16  # the Responses API's smallest
    assert request.json["store"] is False
    assert "messages" not in request.json


def test_test_connection_follows_a_profile_whose_default_is_responses(srv, service):
    profile = msgspec.structs.replace(profile_for(srv), api="responses")
    assert service.test_connection(profile).ok
    assert srv.requests[-1].path == "/openai/v1/responses"


def test_chat_completions_to_a_responses_only_model_is_refused_as_azure_does(srv):
    """The loopback server answers as Azure does, so the test above can fail."""
    import json
    import urllib.error
    import urllib.request

    from tests.support.fake_azure import AzureModel

    srv.models["gpt-5-codex"] = AzureModel.gpt5_codex()
    body = {"model": "gpt-5-codex", "messages": [{"role": "user", "content": "ping"}]}
    request = urllib.request.Request(
        srv.v1_base_url.rstrip("/") + "/chat/completions",
        json.dumps(body).encode(),
        {"api-key": KEY, "content-type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert json.load(refused.value)["error"]["code"] == "OperationNotSupported"


def test_test_connection_reports_mapped_failures(srv, service):
    srv.enqueue(Fail.unauthorized())
    diagnosis = service.test_connection(profile_for(srv))
    assert not diagnosis.ok
    assert diagnosis.error is not None
    assert diagnosis.error.title == "Wrong key or token"
    assert len(srv.requests) == 1

    srv.enqueue(Fail.server_error(503))
    diagnosis = service.test_connection(profile_for(srv))
    assert not diagnosis.ok
    assert diagnosis.error.retryable
    assert len(srv.requests) == 2  # a test reports at once; it does not retry


def test_test_connection_to_missing_deployment():
    with FakeAzure(api_key=KEY, deployments={"prod-chat"}) as srv:
        store = MemorySecretStore()
        store.set("work", Secret(KEY))
        diagnosis = ChatService(Credentials(store)).test_connection(
            profile_for(srv, deployment="gpt-4o")
        )
    assert not diagnosis.ok
    assert diagnosis.error.title == "Deployment not found"
    assert "'gpt-4o'" in diagnosis.error.message


def test_test_connection_to_unreachable_endpoint(service):
    profile = ConnectionProfile("work", "azure-v1", "http://127.0.0.1:9/", "gpt-4o")
    diagnosis = service.test_connection(profile)
    assert not diagnosis.ok
    assert diagnosis.error.title == "Cannot reach the server"
    assert "127.0.0.1" in diagnosis.error.message
    assert diagnosis.url == "http://127.0.0.1:9/openai/v1/"


def test_test_connection_without_key_reports_it(srv):
    diagnosis = ChatService(Credentials(MemorySecretStore(), env={})).test_connection(
        profile_for(srv)
    )
    assert not diagnosis.ok
    assert "Profile 'work' has no key for this session" in diagnosis.error.message
    assert srv.requests == []


def test_merge_filter_keeps_the_worst_verdict():
    merged: dict = {}
    merge_filter(merged, {"hate": {"filtered": False, "severity": "low"}})
    merge_filter(merged, {"hate": {"filtered": False, "severity": "safe"}})
    merge_filter(merged, {"jailbreak": {"filtered": False, "detected": True}})
    merge_filter(merged, {"hate": {"filtered": True, "severity": "high"}})
    assert merged == {
        "hate": {"filtered": True, "severity": "high"},
        "jailbreak": {"filtered": False, "detected": True},
    }


def test_long_stream_stays_cheap_per_chunk(srv, service):
    """A chunk's cost does not grow with the reply: 2,000 one-character chunks cost per chunk
    no more than 3x what 200 do (measured around each other, so machine load cancels out; a
    per-chunk cost growing with the reply would give about 10x)."""

    def seconds_per_chunk(chunks: int) -> float:
        srv.enqueue(Reply("z" * chunks, chunk_size=1))
        started = time.monotonic()
        *_, result = service.stream(service.prepare(conversation(), profile_for(srv)))
        assert len(result.content) == chunks
        return (time.monotonic() - started) / chunks

    before = seconds_per_chunk(200)
    long = seconds_per_chunk(2000)
    after = seconds_per_chunk(200)
    assert long < 3 * min(before, after)
