"""The request Azure receives after trimming never splits a tool turn (fake_azure answers a
split one with Azure's 400, as the service does)."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation, GenerationParams, TrimSettings
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.service.errors import ChatError
from chatdesk.service.events import CancelToken, ReplyResult
from tests.support.fake_azure import Reply, tool_turn_problem


def tool_turn(index: int, calls: int) -> list[Message]:
    ids = [f"call_{index}_{k}" for k in range(calls)]
    assistant = Message("assistant", "")
    assistant.set_tool_calls([
        {"id": i, "type": "function", "function": {"name": "weather", "arguments": '{"c": 1}'}}
        for i in ids
    ])  # fmt: skip
    return [assistant] + [Message("tool", f"Sunny, 2{index} C " * 4, extra={"tool_call_id": i})
                          for i in ids]  # fmt: skip


def conversation(settings: TrimSettings) -> Conversation:
    history: list[Message] = []
    for i in range(4):
        history.append(Message("user", f"What is the weather in city {i}? " * 3))
        history += tool_turn(i, 3)
        history.append(Message("assistant", f"It is sunny in city {i}."))
    history.append(Message("user", "And tomorrow?"))
    params = GenerationParams(max_tokens=40)
    return Conversation(system_prompt="Be brief.", history=history, params=params,
                        trimming=settings)  # fmt: skip


@pytest.mark.parametrize("whole_turns", [False, True])
def test_every_trimmed_request_azure_receives_keeps_tool_turns_whole(srv, service, whole_turns):
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    trimmed = 0
    for limit in range(120, 900, 9):  # every cut point, a few tokens apart
        conv = conversation(TrimSettings(limit=limit, whole_turns=whole_turns))
        try:
            prepared = service.prepare(conv, profile)
        except ChatError:
            continue  # the newest question alone does not fit this limit
        srv.enqueue(Reply("ok"))
        *_, result = service.stream(prepared, CancelToken())
        assert isinstance(result, ReplyResult)
        assert result.content == "ok"
        messages = srv.requests[-1].json["messages"]
        assert tool_turn_problem(messages) is None
        assert messages[1]["role"] != "tool"
        trimmed += prepared.plan.first_sent > 0
    assert trimmed > 10


def test_fake_azure_refuses_a_split_tool_turn_as_azure_does(srv, service):
    # A conversation that is itself split (as from a hand-edited file): no trimming can be
    # blamed, and Azure's 400 reaches the user as an error, not a reply.
    turn = tool_turn(0, 2)
    conv = Conversation(
        history=[turn[2], Message("user", "and?")], trimming=TrimSettings(policy="stop")
    )  # sends all it has
    profile = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "gpt-4o")
    prepared = service.prepare(conv, profile)
    with pytest.raises(ChatError, match="role 'tool' must be a response"):
        list(service.stream(prepared, CancelToken()))
    assert tool_turn_problem([m.to_api() for m in turn[:2]]) is not None  # call_0_1 unanswered
