"""Costs from a deployment's prices and a reply's usage: exact figures, no floats."""

from decimal import Decimal

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.pricing import (
    NOTHING_SPENT,
    ConversationCost,
    PriceBook,
    PriceError,
    Prices,
    conversation_cost,
    cost_line,
    format_cost,
    parse_price,
    prices_for,
    reply_cost,
    request_estimate,
)
from chatdesk.core.profiles import ConnectionProfile, ProfileError

GPT_4O = Prices(Decimal("2.50"), Decimal("1.25"), Decimal("10.00"))
USAGE = {
    "prompt_tokens": 1234,
    "completion_tokens": 567,
    "prompt_tokens_details": {"cached_tokens": 1024},
}


def test_a_reply_costs_uncached_cached_and_output_tokens_at_their_prices():
    cost = reply_cost(GPT_4O, USAGE)
    assert cost is not None
    # 210 × 2.50 + 1,024 × 1.25 + 567 × 10.00, per 1M tokens
    assert cost.input == Decimal("0.000525")
    assert cost.cached_input == Decimal("0.00128")
    assert cost.output == Decimal("0.00567")
    assert cost.total == Decimal("0.007475")
    assert format_cost(cost.total) == "$0.0075"


def test_cached_tokens_cost_the_input_price_when_no_cached_price_is_set():
    cost = reply_cost(Prices(Decimal("2.50"), None, Decimal("10")), USAGE)
    assert cost is not None
    assert cost.total == Decimal("0.0087550")  # 1,234 × 2.50 + 567 × 10, per 1M


def test_no_cost_without_complete_prices_or_usage():
    assert reply_cost(None, USAGE) is None
    assert reply_cost(Prices(), USAGE) is None
    assert reply_cost(Prices(input=Decimal(1)), USAGE) is None  # no output price
    assert reply_cost(GPT_4O, None) is None
    assert reply_cost(GPT_4O, {"total_tokens": 3}) is None


def test_the_conversation_total_adds_every_priced_reply():
    conv = Conversation(
        history=[
            Message("user", "Hi"),
            Message("assistant", "Hello", meta=MessageMeta(usage=USAGE)),
            Message("user", "More"),
            Message("assistant", "cut", meta=MessageMeta(incomplete=True)),
            Message(
                "assistant",
                "Sure",
                meta=MessageMeta(usage={"prompt_tokens": 2000, "completion_tokens": 1000}),
            ),
        ]
    )
    total = conversation_cost(PriceBook({"gpt-4o": GPT_4O}, "gpt-4o"), conv.messages())
    # 0.007475 + (2,000 × 2.50 + 1,000 × 10) / 1M = 0.007475 + 0.015
    assert total.total == Decimal("0.022475")
    assert (total.priced, total.unpriced) == (2, 1)
    assert format_cost(total.total) == "$0.022"


def test_the_next_request_estimate():
    estimate = request_estimate(GPT_4O, 4_000, 1_000)
    assert estimate is not None
    assert (estimate.prompt, estimate.reply_max) == (Decimal("0.01"), Decimal("0.01"))
    assert request_estimate(GPT_4O, 10, None).reply_max is None  # type: ignore[union-attr]
    assert request_estimate(Prices(), 10, 10) is None


@pytest.mark.parametrize(
    ("amount", "shown"),
    [("0", "$0"), ("1234.5", "$1,234.50"), ("0.01", "$0.01"), ("0.000001234", "$0.0000012"),
     # The tester's: "spent $0.02" for $0.0182625 while $0.0065 kept 4 digits.
     ("0.0182625", "$0.018"), ("0.0065", "$0.0065"), ("0.5", "$0.50"), ("0.999", "$1.00"),
     ("1.005", "$1.00")],
)
def test_costs_read_as_dollars(amount, shown):
    assert format_cost(Decimal(amount)) == shown


def test_prices_are_read_from_strings_and_numbers_and_refused_naming_the_field():
    assert parse_price(" $2.50 ") == Decimal("2.50")
    assert parse_price(10) == Decimal(10)
    assert parse_price(0.1) == Decimal("0.1")  # from the number's repr, not its binary value
    assert parse_price("") is None
    with pytest.raises(PriceError, match="output: 'ten' is not a number"):
        parse_price("ten", "output")
    with pytest.raises(PriceError, match="between 0 and"):
        parse_price("-1")
    with pytest.raises(PriceError, match="between 0 and"):
        parse_price("NaN")


def test_a_profile_keeps_prices_per_deployment_and_saves_them_exactly():
    profile = ConnectionProfile(
        "work", "azure-v1", "https://r.openai.azure.com/", "gpt-4o-prod",
        prices={"gpt-4o-prod": GPT_4O, "mini": Prices()},
    )  # fmt: skip
    data = profile.to_json()
    assert data["prices"] == {
        "gpt-4o-prod": {"input": "2.50", "cached_input": "1.25", "output": "10.00"}
    }
    back = ConnectionProfile.from_json(data)
    assert back.deployment_prices() == GPT_4O
    assert back.deployment_prices("mini") is None
    assert prices_for(back.prices, " gpt-4o-prod ") == GPT_4O
    # Empty by default: nothing saved, no cost shown.
    plain = ConnectionProfile("p", "azure-v1", "https://r.openai.azure.com/", "d")
    assert "prices" not in plain.to_json()
    assert plain.deployment_prices() is None


def test_a_bad_price_in_a_profile_is_refused_naming_it():
    data = ConnectionProfile("p", "azure-v1", "https://r.openai.azure.com/", "d").to_json()
    data["prices"] = {"d": {"input": "abc"}}
    with pytest.raises(ProfileError, match=r"prices\['d'\]\.input: 'abc' is not a number"):
        ConnectionProfile.from_json(data)


def test_the_meter_line_says_the_next_request_and_the_total():
    spent = ConversationCost(Decimal("0.022475"), 2, 1)
    short, tip = cost_line(GPT_4O, 4_000, 1_000, spent)
    assert short == "next ≈ $0.01 · spent $0.022"
    assert tip == (
        "The next request's 4,000 prompt tokens cost about $0.01, plus up to $0.01 if the reply "
        "uses all 1,000 reserved tokens. The replies so far cost $0.022475 (1 reply without usage "
        "not counted)."
    )
    assert cost_line(None, 4_000, 1_000, NOTHING_SPENT) == ("", "")
    # Sending to a deployment without prices now: what the priced replies cost still shows.
    assert cost_line(None, 4_000, 1_000, spent)[0] == "spent $0.022"


def test_each_reply_is_priced_at_its_own_deployment():
    cheap = Prices(Decimal("0.10"), None, Decimal("0.40"))
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 0}
    book = PriceBook({"gpt-4o": GPT_4O, "mini": cheap}, "mini")
    history = [
        Message("user", "a"),
        Message("assistant", "b", meta=MessageMeta(usage=usage, deployment="gpt-4o")),
        Message("user", "c"),
        Message("assistant", "d", meta=MessageMeta(usage=usage, deployment="mini")),
        Message("user", "e"),
        Message("assistant", "f", meta=MessageMeta(usage=usage)),  # an older file: current
    ]
    assert conversation_cost(book, history).total == Decimal("2.50") + 2 * Decimal("0.10")
    assert book.cost(history[1]) == reply_cost(GPT_4O, usage)
    assert book.cost(history[5]) == reply_cost(cheap, usage)


def test_each_request_of_a_continued_reply_is_priced_where_it_was_made():
    # Reported: a reply continued on another deployment was priced wholly at the new one, and
    # one made with another connection profile found no prices at all.
    cheap = Prices(Decimal("0.10"), None, Decimal("0.40"))
    other = Prices(Decimal("1"), None, Decimal("4"))
    first = {"prompt_tokens": 1_000_000, "completion_tokens": 0}
    second = {"prompt_tokens": 0, "completion_tokens": 1_000_000}
    book = PriceBook({"gpt-4o": GPT_4O, "mini": cheap}, "mini", {"home": {"gpt-4o": other}},
                     "work")  # fmt: skip
    continued = MessageMeta(
        usage={"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000},
        usage_parts=[first, second], profile="work", deployment="mini",
        part_sources=[{"profile": "work", "deployment": "gpt-4o"},
                      {"profile": "work", "deployment": "mini"}],
    )  # fmt: skip
    elsewhere = MessageMeta(usage=first, profile="home", deployment="gpt-4o")
    gone = MessageMeta(usage=first, profile="deleted", deployment="gpt-4o")
    history = [Message("assistant", "a", meta=continued), Message("assistant", "b", meta=elsewhere)]
    assert book.cost(history[0]).total == Decimal("2.50") + Decimal("0.40")
    assert book.cost(history[1]).total == Decimal("1")
    assert book.cost(Message("assistant", "c", meta=gone)) is None  # its prices are gone too
    assert conversation_cost(book, history).total == Decimal("3.90")
    # As a file keeps it (a version Regenerate replaced is read from the file's shape).
    again = Message.from_raw(history[0].to_raw())
    assert again.meta.part_sources == continued.part_sources
    assert book.cost(again) == book.cost(history[0])
    # An older file: parts without sources were made where the reply says.
    continued.part_sources = None
    assert book.cost(history[0]).total == Decimal("0.10") + Decimal("0.40")


def test_the_total_counts_the_versions_edit_and_resend_replaced():
    # The tester's case: after Edit-and-resend the total left out the replaced versions, which
    # were billed. Two turns: the first reply regenerated once, then the question edited.
    from chatdesk.core.alternatives import after_replacing

    small = {"prompt_tokens": 10, "completion_tokens": 5}  # $0.000075 at gpt-4o's prices
    first = [Message("user", "Hi"), Message("assistant", "Hello", meta=MessageMeta(usage=small))]
    regenerated = Message("assistant", "Hello!", meta=MessageMeta(usage=small))
    regenerated.meta.alternatives = after_replacing(first[1:])
    old_turn = [Message("user", "Why?"), Message("assistant", "So.", meta=MessageMeta(usage=small))]
    edited = Message("user", "Why not?")
    edited.meta.alternatives = after_replacing(old_turn)
    history = [first[0], regenerated, edited,
               Message("assistant", "Because.", meta=MessageMeta(usage=small))]  # fmt: skip
    total = conversation_cost(PriceBook({"gpt-4o": GPT_4O}, "gpt-4o"), history)
    assert (total.priced, total.unpriced) == (4, 0)  # two shown, two replaced
    assert total.total == 4 * Decimal("0.000075")
