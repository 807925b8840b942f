"""Streams as Azure sends them (issue 11, item 7): every chunk shape over real sockets.

Each fault reported in the issue keeps its exact shape here: a finish chunk whose `delta` is
null ("Unexpected error: AttributeError" before), annotation-only chunks after the
finish_reason (the asynchronous content filter), and a plain JSON completion answering a
streaming request (the CLI said "saved, marked incomplete" and saved nothing).
"""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.chat import ChatService
from chatdesk.service.events import ChatError, ReplyDelta, ReplyResult
from tests.support.fake_azure import ABSENT, FakeAzure, Reply, annotation_choice
from tests.support.fake_responses import Failed


def send(srv: FakeAzure, service: ChatService) -> tuple[str, ReplyResult]:
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    conv = Conversation(history=[Message("user", "Hello there")])
    events = list(service.stream(service.prepare(conv, profile)))
    result = events[-1]
    assert isinstance(result, ReplyResult)
    return "".join(e.text for e in events if isinstance(e, ReplyDelta)), result


@pytest.mark.parametrize("finish_delta", [None, ABSENT], ids=["null", "absent"])
def test_finish_chunk_without_a_delta_is_a_complete_reply(srv, service, finish_delta):
    srv.enqueue(Reply("The answer is 42.", finish_delta=finish_delta))
    shown, result = send(srv, service)
    assert shown == result.content == "The answer is 42."
    assert result.finish_reason == "stop"
    assert not result.incomplete
    assert len(srv.requests) == 1


def test_annotation_chunks_after_the_finish_reason_are_all_kept(srv, service):
    # The asynchronous filter: the text and finish_reason first, its verdicts afterwards in
    # anonymous chunks with no delta, each with the offsets of the text it checked.
    srv.enqueue(
        Reply(
            "Some text that the filter checks later.",
            after_finish=[
                annotation_choice({"violence": "low"}, 0, 20),
                annotation_choice({"hate": "medium"}, 20, 39),
            ],
        )
    )
    _shown, result = send(srv, service)
    assert result.content == "Some text that the filter checks later."
    assert not result.incomplete
    assert result.finish_reason == "stop"
    assert result.flagged == {"violence": "low", "hate": "medium"}
    assert result.filter_offsets == {"check_offset": 20, "start_offset": 20, "end_offset": 39}
    assert result.usage is not None
    assert result.usage["completion_tokens"] == 5


def test_usage_only_last_chunk_is_read(srv, service):
    srv.enqueue(Reply("abc", reasoning_tokens=64, cached_tokens=1024, prompt_tokens=2000))
    _shown, result = send(srv, service)
    assert result.usage["prompt_tokens"] == 2000
    assert result.reasoning_tokens == 64
    assert result.usage["prompt_tokens_details"]["cached_tokens"] == 1024


def test_a_plain_json_answer_to_a_streaming_request_is_the_whole_reply(srv, service):
    srv.enqueue(Reply("All of it at once.", plain_json=True, flagged={"sexual": "low"}))
    shown, result = send(srv, service)
    assert srv.requests[0].json["stream"] is True
    assert shown == result.content == "All of it at once."
    assert result.finish_reason == "stop"
    assert not result.incomplete
    assert result.usage is not None
    assert result.flagged == {"sexual": "low"}
    assert result.request_id
    assert len(srv.requests) == 1


def test_message_annotations_in_deltas_are_kept(srv, service):
    citation = {
        "type": "url_citation",
        "url_citation": {"url": "https://example.org", "title": "Example", "start_index": 0,
                         "end_index": 4},
    }  # fmt: skip
    srv.enqueue(Reply("Text", finish_delta={"annotations": [citation]}))
    _shown, result = send(srv, service)
    assert result.annotations == [citation]
    assert not result.incomplete


def test_an_error_event_in_the_stream_is_the_service_failing_the_reply(srv, service):
    """Tester, session 14: the service failing a reply over an intact stream was badged
    "Connection dropped". Chat Completions' form of it is an `error` event after some text."""
    srv.enqueue(Failed(message="The model produced invalid content.", text_before="Half an"))
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    conv = Conversation(history=[Message("user", "Hello there")])
    with pytest.raises(ChatError) as caught:
        list(service.stream(service.prepare(conv, profile)))
    error = caught.value
    assert error.text == (
        "The service could not finish the reply: The model produced invalid content. "
        "(server_error) Send it again to try once more."
    )
    assert error.service_failed
    assert error.partial.content == "Half an"
    assert error.partial.incomplete
    assert len(srv.requests) == 1  # accepted: never sent again by itself
    # What a dropped connection leaves is not said to be the service's doing.
    srv.enqueue(Reply("Half an answer", chunk_size=4, drop_after=2))
    with pytest.raises(ChatError) as dropped:
        list(service.stream(service.prepare(conv, profile)))
    assert dropped.value.partial.content == "Half an "
    assert not dropped.value.service_failed
