"""Trimming never splits a tool turn: an assistant message with `tool_calls` and the `tool`
messages answering it are sent or left out together, under every policy."""

import random

import pytest

from chatdesk.core.conversation import Conversation, TrimSettings
from chatdesk.core.messages import Message
from chatdesk.core.request import request_messages
from chatdesk.core.tokens import TokenCounter
from chatdesk.core.trimming import TokenLedger, plan_request
from tests.support.fake_azure import tool_turn_problem

COUNTER = TokenCounter("o200k_base")
_ids = iter(range(10**9))


def calling(n: int, text: str = "") -> tuple[Message, list[Message]]:
    """An assistant message asking for `n` tool calls, and the tool messages answering them."""
    ids = [f"call_{next(_ids)}" for _ in range(n)]
    calls = [
        {"id": i, "type": "function", "function": {"name": "lookup", "arguments": '{"q": 1}'}}
        for i in ids
    ]
    assistant = Message("assistant", text)
    assistant.set_tool_calls(calls)
    results = [Message("tool", f"result of {i} " * 3, extra={"tool_call_id": i}) for i in ids]
    return assistant, results


def tool_conversation(rng: random.Random, turns: int) -> Conversation:
    conv = Conversation(system_prompt="You are a helpful assistant.")
    for i in range(turns):
        conv.append(Message("user", f"question {i} " + "words " * rng.randint(1, 40)))
        for _ in range(rng.choice([0, 1, 1, 2])):  # rounds of tool calls before the answer
            assistant, results = calling(rng.randint(1, 3), rng.choice(["", "checking"]))
            conv.append(assistant)
            for result in results:
                conv.append(result)
        conv.append(Message("assistant", f"answer {i} " + "text " * rng.randint(1, 60)))
    return conv


def well_formed(conv: Conversation, plan) -> bool:
    return tool_turn_problem(request_messages(conv, plan)) is None


def test_the_cut_that_fell_between_a_call_and_its_results_drops_the_whole_turn():
    # user, assistant(2 calls), tool, tool, assistant, user: the tokens fit exactly from the
    # second tool message, which the plan used to send without its call and sibling result.
    conv = Conversation(system_prompt="Be brief.")
    conv.append(Message("user", "What is the weather in Paris and in Rome?"))
    assistant, results = calling(2)
    for message in (assistant, *results):
        conv.append(message)
    conv.append(Message("assistant", "Sunny in both."))
    conv.append(Message("user", "And tomorrow?"))
    reserve = 50
    limit = COUNTER.count_prompt(conv.pinned() + list(conv.history[3:])) + reserve + 1
    for settings in (TrimSettings(whole_turns=False), TrimSettings(whole_turns=True)):
        plan = plan_request(TokenLedger(conv, COUNTER), limit=limit, reserve=reserve,
                            settings=settings)  # fmt: skip
        assert plan.fits
        assert plan.first_sent == (4 if not settings.whole_turns else 5)
        assert well_formed(conv, plan)
        sent = conv.pinned() + [conv[i] for i in plan.sent]
        assert COUNTER.count_prompt(sent) == plan.prompt_tokens


POLICIES = [
    TrimSettings(policy="tokens", whole_turns=False),
    TrimSettings(policy="tokens", whole_turns=True),
    TrimSettings(policy="turns", max_turns=3, whole_turns=False),
    TrimSettings(policy="turns", max_turns=1, whole_turns=True),
]


@pytest.mark.parametrize("settings", POLICIES, ids=lambda s: f"{s.policy}-{s.whole_turns}")
@pytest.mark.parametrize("seed", range(60))
def test_no_plan_splits_a_tool_turn_and_each_stays_exact(seed, settings):
    rng = random.Random(seed)
    conv = tool_conversation(rng, rng.randint(1, 12))
    ledger = TokenLedger(conv, COUNTER)
    starts = [i for i, m in enumerate(conv) if m.role != "tool"]
    for _ in range(8):  # many cut points over one conversation, as typing and limits change
        draft = rng.choice(["", "", "next question " * rng.randint(1, 20)])
        limit, reserve = rng.randint(150, 2500), rng.randint(0, 150)
        plan = plan_request(ledger, limit=limit, reserve=reserve, draft=draft, settings=settings)
        if not plan.fits:
            continue
        assert plan.first_sent == len(conv) or conv[plan.first_sent].role != "tool"
        assert well_formed(conv, plan)
        sent = conv.pinned() + [conv[i] for i in plan.sent]
        assert COUNTER.count_prompt(sent) + plan.draft_tokens == plan.prompt_tokens
        assert plan.total < limit
        # The newest possible history: starting at the unit before would not fit.
        if settings.policy == "tokens" and plan.first_sent > 0:
            earlier_starts = [i for i in starts if i < plan.first_sent]
            if settings.whole_turns:
                earlier_starts = [i for i in earlier_starts if conv[i].role == "user"]
            more = conv.pinned() + list(conv.history[earlier_starts[-1] :])
            assert COUNTER.count_prompt(more) + plan.draft_tokens + reserve >= limit


def test_ledger_keeps_the_turn_boundaries_through_edits():
    rng = random.Random(7)
    conv = tool_conversation(rng, 6)
    ledger = TokenLedger(conv, COUNTER)
    settings = TrimSettings(whole_turns=False)

    def check():
        for limit in range(200, 1600, 37):
            plan = plan_request(ledger, limit=limit, reserve=20, settings=settings)
            if plan.fits:
                assert well_formed(conv, plan)
                assert plan.history_tokens == sum(COUNTER.count_message(conv[i]) for i in plan.sent)

    check()
    conv.truncate(len(conv) - 3)  # inside the last turn: may end on a tool turn or a user one
    conv.truncate(max(i for i, m in enumerate(conv) if m.role == "user"))
    check()
    conv.append(Message("user", "again"))
    assistant, results = calling(3)
    for message in (assistant, *results):
        conv.append(message)
    conv.append(Message("assistant", "done"))
    check()
    conv.remove(0)  # the first turn loses its question; its tool turns stay whole
    check()
    ledger.close()
