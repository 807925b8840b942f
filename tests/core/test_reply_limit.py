"""The reply's token limit is capped at the model's largest reply in the core, so the window,
`chatdesk send` and View code send the same thing (issue 18 item 4)."""

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.messages import Message
from chatdesk.core.models import known_model
from chatdesk.core.request import build_request, reply_limit, unsent


def conversation(model: str, max_tokens: int | None) -> Conversation:
    return Conversation(
        model=model,
        history=[Message("user", "Hello")],
        params=GenerationParams(max_tokens=max_tokens),
    )


def test_a_limit_above_the_models_largest_reply_is_sent_capped_and_said():
    family = known_model("gpt-4o")
    conv = conversation("gpt-4o", 200_000)
    budget = Budget(conv)
    body = build_request(conv, budget.plan(), model="dep", family=budget.family)
    assert body["max_tokens"] == family.max_output == budget.reserve()
    (line,) = unsent(conv, budget.family)
    assert line == (
        f"{family.key} replies with at most {family.max_output:,} tokens: max_tokens 200,000 "
        f"is sent as {family.max_output:,}."
    )


def test_a_limit_within_the_model_and_a_guessed_model_are_sent_as_set():
    family = known_model("gpt-4o")
    assert reply_limit(800, family) == 800
    assert reply_limit(None, family) is None
    assert reply_limit(200_000, family, exact=False) == 200_000
    conv = conversation("gpt-4o", 800)
    assert unsent(conv, family) == []


def test_the_responses_api_sends_the_same_capped_limit():
    from chatdesk.core.responses_request import build_responses_request

    family = known_model("gpt-4o")
    conv = conversation("gpt-4o", 200_000)
    budget = Budget(conv)
    body = build_responses_request(conv, budget.plan(), model="dep", family=budget.family)
    assert body["max_output_tokens"] == family.max_output == budget.reserve()
