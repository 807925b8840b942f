"""Continue's request is counted and fitted whole: the reply it continues, then
`CONTINUE_PROMPT`. Before, the prompt was added after the fit check, so neither the check nor
the meter's estimate counted it."""

from __future__ import annotations

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, TrimSettings
from chatdesk.core.messages import Message
from chatdesk.core.request import CONTINUE_PROMPT
from chatdesk.core.tokens import TokenCounter

COUNTER = TokenCounter("o200k_base")


def cut_conversation() -> Conversation:
    conv = Conversation(system_prompt="Be brief.", model="gpt-4o")
    for i in range(6):
        conv.append(Message("user", f"question {i} " + "words " * 40))
        conv.append(Message("assistant", f"answer {i} " + "text " * 80))
    conv[len(conv) - 1].meta.finish_reason = "length"
    return conv


def test_the_plan_counts_the_prompt_as_the_request_sends_it():
    conv = cut_conversation()
    budget = Budget(conv)
    plan = budget.plan(continuing=True)
    sent = [*conv.pinned(), *(conv[i] for i in plan.sent), Message("user", CONTINUE_PROMPT)]
    assert plan.prompt_tokens == COUNTER.count_prompt(sent)
    assert plan.prompt_tokens == budget.plan().prompt_tokens + plan.draft_tokens
    assert budget.plan("a draft typed meanwhile", continuing=True) == plan  # not sent


@pytest.mark.parametrize("policy", ["tokens", "turns"])
def test_the_reply_being_continued_and_its_question_are_kept(policy):
    conv = cut_conversation()
    conv.trimming = TrimSettings(policy=policy, max_turns=1)
    budget = Budget(conv)
    last_turn = budget.plan().first_sent if policy == "turns" else len(conv) - 2
    # Room for the newest turn and the prompt, no more: older turns go, this one stays.
    newest = COUNTER.count_prompt([*conv.pinned(), conv[len(conv) - 2], conv[len(conv) - 1],
                                   Message("user", CONTINUE_PROMPT)])  # fmt: skip
    plan = budget.plan(limit=newest + 101, reserve=100, continuing=True)
    assert plan.fits
    assert plan.first_sent == last_turn == len(conv) - 2


def test_the_fit_check_counts_the_prompt():
    conv = cut_conversation()
    budget = Budget(conv)
    without = budget.plan(limit=10_000, reserve=0).prompt_tokens
    conv.trimming = TrimSettings(policy="stop")
    assert budget.plan(limit=without + 1, reserve=0).fits
    assert not budget.plan(limit=without + 1, reserve=0, continuing=True).fits
