import random

import pytest

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, TrimSettings
from chatdesk.core.messages import Message
from chatdesk.core.tokens import TokenCounter
from chatdesk.core.trimming import TokenLedger, plan_request
from tests.support.seed_reference import num_tokens_from_messages, seed_trim

COUNTER = TokenCounter("o200k_base")


def make_conversation(rng: random.Random, turns: int, examples: int = 0) -> Conversation:
    conv = Conversation(system_prompt="You are a helpful assistant.")
    for i in range(examples):
        conv.examples += [
            Message("user", f"example question {i}"),
            Message("assistant", f"answer {i}"),
        ]
    for i in range(turns):
        conv.append(Message("user", f"question {i} " + "words " * rng.randint(1, 60)))
        for _ in range(rng.choice([1, 1, 1, 2])):
            conv.append(Message("assistant", f"answer {i} " + "text " * rng.randint(1, 120)))
    return conv


def sent_messages(conv, plan):
    return conv.pinned() + [conv[i] for i in plan.sent]


@pytest.mark.parametrize("seed", range(25))
def test_sent_set_fits_keeps_pinned_and_is_the_newest_possible(seed):
    rng = random.Random(seed)
    conv = make_conversation(rng, rng.randint(1, 40), examples=rng.randint(0, 2))
    ledger = TokenLedger(conv, COUNTER)
    limit, reserve = rng.randint(300, 3000), rng.randint(0, 200)
    plan = plan_request(ledger, limit=limit, reserve=reserve)
    if not plan.fits:
        pytest.skip("the newest message alone does not fit this draw")
    sent = sent_messages(conv, plan)
    assert COUNTER.count_prompt(sent) == plan.prompt_tokens
    assert plan.prompt_tokens + reserve < limit
    assert sent[: len(conv.pinned())] == conv.pinned()
    assert plan.first_sent == 0 or conv[plan.first_sent].role == "user"
    # One more turn would not fit: this is the newest possible history.
    if plan.first_sent > 0:
        earlier = max(i for i in ledger.turn_starts() if i < plan.first_sent)
        more = conv.pinned() + list(conv.history[earlier:])
        assert COUNTER.count_prompt(more) + reserve >= limit
    assert list(plan.dropped) + list(plan.sent) == list(range(len(conv)))


@pytest.mark.parametrize("seed", range(15))
def test_message_by_message_trimming_equals_the_seed_loop(seed):
    rng = random.Random(100 + seed)
    conv = make_conversation(rng, rng.randint(5, 30))
    settings = TrimSettings(whole_turns=False)
    limit, reserve = rng.randint(500, 2500), 250
    plan = plan_request(TokenLedger(conv, COUNTER), limit=limit, reserve=reserve, settings=settings)
    seed_sent, seed_tokens = seed_trim(
        [m.to_api() for m in conv.all_messages()], COUNTER.encoding, limit, reserve
    )
    assert plan.prompt_tokens == seed_tokens
    assert [m.to_api() for m in sent_messages(conv, plan)] == seed_sent


def test_newest_user_message_that_cannot_fit_is_an_error_not_a_deletion():
    conv = Conversation(system_prompt="sys")
    conv.append(Message("user", "old"))
    conv.append(Message("assistant", "reply"))
    conv.append(Message("user", "word " * 500))
    plan = plan_request(TokenLedger(conv, COUNTER), limit=300, reserve=50)
    assert not plan.fits
    assert "newest message" in plan.error
    assert plan.first_sent == 2  # the question is still there: nothing silently removed
    assert len(conv) == 3


def test_draft_counts_as_the_newest_message():
    conv = Conversation(system_prompt="sys")
    for i in range(10):
        conv.append(Message("user", f"q{i} " + "x " * 50))
        conv.append(Message("assistant", "a " * 50))
    ledger = TokenLedger(conv, COUNTER)
    without = plan_request(ledger, limit=100_000, reserve=0)
    with_draft = plan_request(ledger, limit=100_000, reserve=0, draft="hello there")
    assert with_draft.prompt_tokens - without.prompt_tokens == COUNTER.message_cost(
        "user", "hello there"
    )
    tight = plan_request(
        ledger, limit=with_draft.prompt_tokens - 200, reserve=0, draft="hello there"
    )
    assert tight.fits
    assert tight.first_sent > 0
    big = plan_request(ledger, limit=200, reserve=0, draft="y " * 400)
    assert not big.fits


def test_turns_policy_keeps_the_last_n_turns():
    conv = make_conversation(random.Random(1), 10)
    settings = TrimSettings(policy="turns", max_turns=3)
    ledger = TokenLedger(conv, COUNTER)
    plan = plan_request(ledger, limit=1_000_000, reserve=0, settings=settings)
    assert plan.first_sent == ledger.turn_starts()[-3]
    # With a draft, the draft is one of the three turns.
    plan = plan_request(ledger, limit=1_000_000, reserve=0, draft="next", settings=settings)
    assert plan.first_sent == ledger.turn_starts()[-2]


def test_stop_policy_drops_nothing_and_asks_for_a_new_conversation():
    conv = make_conversation(random.Random(2), 20)
    settings = TrimSettings(policy="stop")
    ledger = TokenLedger(conv, COUNTER)
    assert plan_request(ledger, limit=1_000_000, reserve=0, settings=settings).fits
    plan = plan_request(ledger, limit=500, reserve=0, settings=settings)
    assert (plan.fits, plan.first_sent) == (False, 0)
    assert "new conversation" in plan.error


def test_ledger_follows_edits_appends_and_removals():
    conv = make_conversation(random.Random(3), 8)
    ledger = TokenLedger(conv, COUNTER)

    def check():
        assert ledger.history_tokens() == sum(COUNTER.count_message(m) for m in conv)
        assert list(ledger.turn_starts()) == [i for i, m in enumerate(conv) if m.role == "user"]

    check()
    conv.append(Message("user", "new question"))
    check()
    conv.append_content(len(conv) - 1, " with more")
    check()
    conv.set_content(2, "edited")
    check()
    conv.remove(0)
    check()
    conv.truncate(3)
    check()
    ledger.close()


def test_appending_to_a_long_conversation_does_not_recount_history(monkeypatch):
    conv = make_conversation(random.Random(4), 1500)
    ledger = TokenLedger(conv, COUNTER)
    plan_request(ledger, limit=4096, reserve=250)
    counted = []
    real = COUNTER.count_message
    monkeypatch.setattr(COUNTER, "count_message", lambda m: counted.append(m) or real(m))
    conv.append(Message("user", "one more"))
    plan_request(ledger, limit=4096, reserve=250, draft="typing")
    assert len(counted) <= 2  # the new message (and the cached system prompt)


def test_budget_defaults_come_from_the_model_family():
    conv = Conversation(model="gpt-4")
    budget = Budget(conv)
    assert (budget.limit(), budget.reserve(), budget.counter.name) == (8192, 4096, "cl100k_base")
    conv.params.max_tokens = 250
    conv.trimming.limit = 4096
    assert (budget.limit(), budget.reserve()) == (4096, 250)
    assert Budget(Conversation(model="my-deployment")).plan().estimate


def test_seed_reference_is_the_seed_formula():
    msgs = [m.to_api() for m in (Message("system", "a"), Message("user", "b", name="n"))]
    expected = 3 + 1 + 1 + 3 + 1 + 1 + 1 + 1 + 3  # role, content, name(+1) tokens and priming
    assert num_tokens_from_messages(msgs, COUNTER.encoding) == expected


@pytest.mark.parametrize("policy", ["tokens", "turns", "stop"])
def test_a_message_too_long_for_the_limit_says_once_what_would_make_it_fit(policy):
    # Reported: the card said "Shorten the message or the system prompt, or lower the maximum
    # response tokens. Shorten or remove messages, lower the reply's maximum tokens, or choose
    # a trimming policy that drops the oldest messages": twice, and a policy already chosen.
    conv = Conversation(system_prompt="Be brief.", model="gpt-4o")
    conv.params.max_tokens = 20
    conv.trimming = TrimSettings(policy=policy, limit=70)
    conv.append(Message("user", " ".join(f"word{i}" for i in range(60))))
    budget = Budget(conv)
    plan = budget.plan()
    needed = plan.total
    assert not plan.fits
    assert plan.error == (
        f"The system prompt and the newest message need {needed:,} tokens with 20 reserved for "
        "the reply, over the limit of 70 even with every earlier turn left out. Shorten the "
        f"message or the system prompt, or raise the token limit above {needed:,}."
    )  # the prompt alone is over 70: no reply limit makes it fit
    budget.close()
    # With the model's own limit in force, raising it is no advice; nor is a new conversation.
    conv = Conversation(model="gpt-4o", trimming=TrimSettings(policy=policy))
    conv.params.max_tokens = 20
    conv.append(Message("user", "word " * 130_000))
    budget = Budget(conv)
    plan = budget.plan()
    assert plan.error == (
        f"The newest message needs {plan.total:,} tokens with 20 reserved for the reply, over "
        f"the limit of {plan.limit:,} even with every earlier turn left out. Shorten the "
        "message."
    )  # tester, session 14: it also said "or lower the maximum response tokens", which
    budget.close()  # cannot help a message over the limit on its own


def test_a_lower_reply_limit_is_advised_only_with_the_limit_that_fits():
    conv = Conversation(model="gpt-4o", trimming=TrimSettings(limit=70))
    conv.params.max_tokens = 40
    conv.append(Message("user", " ".join(f"word{i}" for i in range(14))))
    budget = Budget(conv)
    plan = budget.plan()
    assert not plan.fits
    prompt = plan.total - 40
    assert plan.error.endswith(
        f"Shorten the message, lower the maximum response tokens to at most {70 - prompt - 1} "
        f"or raise the token limit above {plan.total}."
    )
    conv.params.max_tokens = 70 - prompt - 1  # as advised: it fits
    assert Budget(conv).plan().fits
    budget.close()


def test_a_full_conversation_under_the_stop_policy_names_the_ways_on():
    conv = Conversation(system_prompt="Be brief.", model="gpt-4o")
    conv.params.max_tokens = 20
    conv.trimming = TrimSettings(policy="stop", limit=100)
    for i in range(6):
        conv.append(Message("user", f"question {i} " + "word " * 10))
        conv.append(Message("assistant", f"answer {i}"))
    conv.append(Message("user", "and now?"))
    budget = Budget(conv)
    plan = budget.plan()
    assert not plan.fits
    assert plan.error == (
        f"This conversation has reached its limit ({plan.total:,} of 100 tokens with the reply "
        "reserved). Start a new conversation (the system prompt carries over), choose to drop "
        f"the oldest turns to fit or raise the token limit above {plan.total:,}."
    )
    budget.close()


def test_a_leading_greeting_is_sent_when_everything_fits():
    # Reported by a helper (session 10): "Drop whole turns" left out an assistant greeting
    # that opens the conversation although the whole history fitted.
    conv = Conversation(system_prompt="You are a helpful assistant.")
    conv.append(Message("assistant", "Hello! How can I help you today?"))
    conv.append(Message("user", "What is the capital of France?"))
    for settings in (TrimSettings(whole_turns=True), TrimSettings(policy="turns", max_turns=5)):
        plan = plan_request(TokenLedger(conv, COUNTER), limit=4096, reserve=100, settings=settings)
        assert plan.fits, settings
        assert plan.first_sent == 0, settings
        assert not plan.dropped, settings


def test_a_leading_greeting_goes_with_the_first_turn_when_trimming():
    conv = Conversation(system_prompt="You are a helpful assistant.")
    conv.append(Message("assistant", "Hello! " + "welcome " * 200))
    conv.append(Message("user", "What is the capital of France?"))
    conv.append(Message("assistant", "Paris."))
    conv.append(Message("user", "And of Italy?"))
    plan = plan_request(TokenLedger(conv, COUNTER), limit=120, reserve=10)
    assert plan.fits
    assert conv[plan.first_sent].role == "user"
    assert plan.first_sent in (1, 3)


def test_keeping_every_question_keeps_the_greeting_before_them():
    # Tester, session 11: with a greeting and three questions, "Keep the last 3 turns" left
    # the greeting out; 4 kept it, as if the greeting were a turn of its own.
    conv = Conversation(system_prompt="You are a helpful assistant.")
    conv.append(Message("assistant", "Hello! How can I help you today?"))
    for i in range(3):
        conv.append(Message("user", f"question {i}"))
        if i < 2:
            conv.append(Message("assistant", f"answer {i}"))
    turns = TrimSettings(policy="turns", max_turns=3)
    plan = plan_request(TokenLedger(conv, COUNTER), limit=4096, reserve=100, settings=turns)
    assert plan.first_sent == 0
    fewer = TrimSettings(policy="turns", max_turns=2)
    plan = plan_request(TokenLedger(conv, COUNTER), limit=4096, reserve=100, settings=fewer)
    assert plan.first_sent == 3  # question 1: the greeting and the first turn left out
