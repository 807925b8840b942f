"""Tool calls without results (core/tool_results.py): what a request would send that the
service refuses, and where a result the user adds goes."""

from __future__ import annotations

from chatdesk.core.fileformat import opened_from
from chatdesk.core.messages import Message
from chatdesk.core.sending import left_out
from chatdesk.core.tool_results import (
    MissingResult,
    missing_at,
    missing_results,
    result_index,
    tool_result,
)
from tests.support.request_bodies import CALL_9, TOOL_ROUNDS_BODY


def steps_of_the_tester() -> list[Message]:
    """The tester's steps: the conversation, the model's call_9, then "Berlin is 5 C, go on"."""
    conv = opened_from(TOOL_ROUNDS_BODY, 0, "body.json").conversation
    history = conv.messages(0)
    call = Message("assistant", "")
    call.set_tool_calls([CALL_9])
    return [*history, call, Message("user", "Berlin is 5 C, go on")]


def sent(history: list[Message]) -> list[int]:
    skipped = set(left_out(history))
    return [i for i in range(len(history)) if i not in skipped]


def test_the_testers_question_after_a_call_without_result_names_that_call():
    history = steps_of_the_tester()
    missing = missing_results(history, sent(history))
    assert missing == [MissingResult(5, "call_9", "get_weather", '{"city": "Berlin"}')]
    assert missing[0].named == "get_weather (call_9)"
    assert missing_results(history[:5], range(5)) == []  # the three answered calls are fine


def test_a_call_left_out_of_the_request_is_not_asked_for():
    history = steps_of_the_tester()
    history[5].meta.include = False  # "Leave out" on the call's card
    assert missing_results(history, sent(history)) == []


def test_a_result_goes_after_the_call_and_in_the_calls_order():
    conv = opened_from(TOOL_ROUNDS_BODY, 0, "body.json").conversation
    history = conv.messages(0)
    del history[2]  # call_1's result is missing; call_2's and call_3's are there
    assert [c.call_id for c in missing_at(history, 1)] == ["call_1"]
    assert result_index(history, 1, "call_1") == 2  # before call_2's result
    history.insert(2, tool_result(missing_at(history, 1)[0], "22"))
    assert missing_at(history, 1) == []
    assert [m.extra["tool_call_id"] for m in history[2:5]] == ["call_1", "call_2", "call_3"]
    assert history[2].to_api() == {"role": "tool", "content": "22", "tool_call_id": "call_1"}
