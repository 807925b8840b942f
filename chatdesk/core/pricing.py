"""What a request costs: a deployment's prices per 1M tokens applied to a reply's `usage`.

Prices are the user's own (Azure bills by region, agreement and deployment type, so chatdesk
ships none): US dollars per 1,000,000 tokens for input, cached input and output, as the Azure
OpenAI pricing page lists them (https://azure.microsoft.com/pricing/details/cognitive-services/
openai-service/). Figures are `Decimal`s, so a cost is exact, never a float's approximation.

A reply's cost reads its `usage` as the Chat Completions reference documents it
(https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage):
`prompt_tokens`, of which `prompt_tokens_details.cached_tokens` were served from the prompt
cache (billed at the cached-input price), and `completion_tokens` (reasoning tokens included,
billed as output).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.usage import cached_tokens, completion_tokens, prompt_tokens

PER_TOKENS = Decimal(1_000_000)  # prices are per 1M tokens
_FIELDS = ("input", "cached_input", "output")
_MAX_PRICE = Decimal(1_000_000)  # dollars per 1M tokens; beyond it is a typing mistake


class PriceError(ValueError):
    """A price that is not a non-negative number; the text names the field."""


class Prices(msgspec.Struct, frozen=True):
    """A deployment's prices in US dollars per 1M tokens; None: not set.

    `cached_input` falls back to `input` when not set (no discount known).
    """

    input: Decimal | None = None
    cached_input: Decimal | None = None
    output: Decimal | None = None

    @property
    def complete(self) -> bool:
        """Input and output are set: enough to price a reply."""
        return self.input is not None and self.output is not None

    @property
    def empty(self) -> bool:
        return self.input is None and self.cached_input is None and self.output is None

    def to_json(self) -> dict[str, str]:
        """Set prices as decimal strings (exact, unlike a JSON number read as a float)."""
        return {
            name: format(value, "f")
            for name in _FIELDS
            if (value := getattr(self, name)) is not None
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "prices") -> Prices:
        """Read `{"input": "2.50", "cached_input": "1.25", "output": 10}`; PriceError names
        the bad field. Strings and numbers are taken; unknown keys are ignored."""
        if not isinstance(data, dict):
            raise PriceError(f"{where} must be an object of prices")
        values = {name: parse_price(data.get(name), f"{where}.{name}") for name in _FIELDS}
        return cls(**values)


def parse_price(value: Any, where: str = "price") -> Decimal | None:
    """A price as typed or stored: None or "" is not set; otherwise a number of dollars per 1M
    tokens, 0 or more. Raises PriceError naming `where`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PriceError(f"{where} must be a number of dollars per 1M tokens")
    text = value.strip().lstrip("$").strip() if isinstance(value, str) else repr(value)
    text = _decimal_point(text, value, where)
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise PriceError(f"{where}: '{value}' is not a number") from None
    if not price.is_finite() or price < 0 or price > _MAX_PRICE:
        raise PriceError(f"{where} must be between 0 and {_MAX_PRICE:,} dollars per 1M tokens")
    return price


def _decimal_point(text: str, value: Any, where: str) -> str:
    """`text` with a decimal comma made a point, as many locales type a price ("1,25"); where
    both marks appear the last one is the decimal mark and the other groups thousands
    ("1.234,50", "1,234.50"). A lone comma before three digits ("1,250") could be either:
    PriceError asks which."""
    if "," not in text:
        return text
    if "." in text:
        point = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if point == "," else ","
        return text.replace(group, "").replace(point, ".")
    whole, _, fraction = text.rpartition(",")
    if text.count(",") > 1:  # "1,250,000": thousands
        return text.replace(",", "")
    if len(fraction) == 3 and whole.strip("0") not in ("", "-"):
        grouped = f"{whole}{fraction}"
        raise PriceError(
            f"{where}: '{value}' could be {whole}.{fraction} or {grouped}: write "
            f"{whole}.{fraction} or {grouped}"
        )
    return f"{whole}.{fraction}"


class Cost(msgspec.Struct, frozen=True):
    """A request's cost in US dollars, split by what it paid for."""

    input: Decimal
    cached_input: Decimal
    output: Decimal

    @property
    def total(self) -> Decimal:
        return self.input + self.cached_input + self.output


def reply_cost(prices: Prices | None, usage: Mapping[str, Any] | None) -> Cost | None:
    """The cost of the request that produced a reply with this `usage`, or None when the prices
    are not complete or the usage gives no token counts.

    uncached prompt tokens × input + cached tokens × cached_input + completion tokens × output,
    each per 1M tokens.
    """
    rates = _rates(prices)
    if rates is None or not usage:
        return None
    input_price, cached_price, output_price = rates
    # Chat Completions' names or the Responses API's (input_tokens, output_tokens): usage.py
    prompt, completion = _count(prompt_tokens(dict(usage))), _count(completion_tokens(dict(usage)))
    if prompt is None and completion is None:
        return None
    prompt, completion = prompt or 0, completion or 0
    cached = min(cached_tokens(dict(usage)) or 0, prompt)
    return Cost(
        input=Decimal(prompt - cached) * input_price / PER_TOKENS,
        cached_input=Decimal(cached) * cached_price / PER_TOKENS,
        output=Decimal(completion) * output_price / PER_TOKENS,
    )


def _rates(prices: Prices | None) -> tuple[Decimal, Decimal, Decimal] | None:
    """(input, cached input, output) when input and output are set; cached falls back to input."""
    if prices is None or prices.input is None or prices.output is None:
        return None
    cached = prices.cached_input if prices.cached_input is not None else prices.input
    return prices.input, cached, prices.output


def _count(value: Any) -> int | None:
    """A token count as the usage gives it, or None for anything else."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else None


class ConversationCost(msgspec.Struct, frozen=True):
    """The replies' costs added up; `unpriced` replies carried no usage to price."""

    total: Decimal
    priced: int
    unpriced: int


NOTHING_SPENT = ConversationCost(Decimal(0), 0, 0)


class PriceBook(msgspec.Struct, frozen=True):
    """The prices replies are priced at: the conversation's profile's by deployment (`table`),
    the deployment it sends to now (`current`), its name (`profile`), and every other
    profile's table by profile name (`profiles`).

    A reply, and each part of a continued one, is priced at the profile and deployment that
    made it (`Part`); a part that recorded no profile at this profile, and none of a
    deployment at `current` (files from before they were recorded). A profile since deleted
    has no prices."""

    table: Mapping[str, Prices]
    current: str | None
    profiles: Mapping[str, Mapping[str, Prices]] = msgspec.field(default_factory=dict)
    profile: str | None = None

    def for_deployment(self, deployment: str | None) -> Prices | None:
        """The prices of this profile's `deployment` (None: `current`), or None when not set."""
        return prices_for(self.table, deployment or self.current)

    def for_part(self, part: Part) -> Prices | None:
        """The prices of the profile and deployment that made `part`, or None."""
        if part.profile is None or part.profile == self.profile:
            return self.for_deployment(part.deployment)
        table = self.profiles.get(part.profile)
        return prices_for(table, part.deployment) if table is not None else None

    def cost(self, message: Message) -> Cost | None:
        """What the reply `message` cost: each of its requests at its own prices, added up;
        None when a request of it has no prices or no usage (see `parts`)."""
        return self.parts_cost(parts(message.meta))

    def parts_cost(self, billed: list[Part]) -> Cost | None:
        """What the requests `billed` cost together; None when one of them is not priced."""
        costs = [reply_cost(self.for_part(part), part.usage) for part in billed]
        if not costs or any(cost is None for cost in costs):
            return None
        return Cost(
            input=sum((c.input for c in costs if c is not None), Decimal(0)),
            cached_input=sum((c.cached_input for c in costs if c is not None), Decimal(0)),
            output=sum((c.output for c in costs if c is not None), Decimal(0)),
        )

    @property
    def next_request(self) -> Prices | None:
        return self.for_deployment(None)


class Part(msgspec.Struct, frozen=True):
    """One request of a reply (a continued reply has several): where it was made and its
    `usage`."""

    profile: str | None
    deployment: str | None
    usage: Mapping[str, Any] | None


def parts(meta: MessageMeta | Mapping[str, Any]) -> list[Part]:
    """A reply's requests from its metadata (a `MessageMeta`, or the file's dict of it):
    `usage_parts` with `part_sources` for a continued reply, else `usage` with `profile` and
    `deployment`. A part whose source was not recorded was made where the reply says."""
    if isinstance(meta, MessageMeta):
        meta = {name: getattr(meta, name) for name in _PART_FIELDS}
    usage, kept = meta.get("usage"), meta.get("usage_parts")
    usages = kept if isinstance(kept, list) and kept else [usage] if usage else [None]
    sources = meta.get("part_sources")
    sources = sources if isinstance(sources, list) else []
    made = {"profile": meta.get("profile"), "deployment": meta.get("deployment")}
    out = []
    for at, part in enumerate(usages):
        source = sources[at] if at < len(sources) and isinstance(sources[at], dict) else made
        out.append(Part(_name(source.get("profile")), _name(source.get("deployment")),
                        part if isinstance(part, dict) else None))  # fmt: skip
    return out


_PART_FIELDS = ("usage", "usage_parts", "part_sources", "profile", "deployment")


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def conversation_cost(book: PriceBook | None, messages: Iterable[Message]) -> ConversationCost:
    """The sum of every assistant reply's cost (each request of it at the prices of the
    profile and deployment that made it: see `PriceBook`), the versions Regenerate and
    edit-and-resend replaced included (`meta.alternatives`): each was a request and was
    billed. Cost: one pass over the messages and their kept versions (call it when replies
    change, not per keystroke)."""
    total, priced, unpriced = Decimal(0), 0, 0
    for billed in _replies(messages):
        cost = book.parts_cost(billed) if book is not None else None
        if cost is None:
            unpriced += 1
        else:
            total += cost.total
            priced += 1
    return ConversationCost(total, priced, unpriced)


def _replies(messages: Iterable[Message]) -> Iterator[list[Part]]:
    """Every reply's requests: the history's, then the versions it replaced."""
    for message in messages:
        if message.role == "assistant":
            yield parts(message.meta)
        yield from _kept_replies(message.meta.alternatives)


def _kept_replies(alternatives: Any) -> Iterator[list[Part]]:
    # The versions not shown, in the file's shape (`Message.to_raw`); a message in one may hold
    # versions of a later turn in its own metadata.
    if not isinstance(alternatives, dict):
        return
    for version in alternatives.get("versions") or []:
        for raw in version or []:
            if not isinstance(raw, dict):
                continue
            meta = raw.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            if raw.get("role") == "assistant":
                yield parts(meta)
            yield from _kept_replies(meta.get("alternatives"))


class RequestEstimate(msgspec.Struct, frozen=True):
    """The next request's cost before it is sent: its prompt at the input price (no cache
    discount assumed), and at most `reply_max` more if the reply uses its whole reserve."""

    prompt: Decimal
    reply_max: Decimal | None


def request_estimate(
    prices: Prices | None, prompt_tokens: int, reply_tokens: int | None
) -> RequestEstimate | None:
    """The next request's estimated cost, or None when the prices are not complete.
    `reply_tokens` is the reply's reserve (max tokens), None when unknown."""
    rates = _rates(prices)
    if rates is None:
        return None
    input_price, _cached, output_price = rates
    prompt = Decimal(max(prompt_tokens, 0)) * input_price / PER_TOKENS
    reply = None
    if reply_tokens is not None:
        reply = Decimal(max(reply_tokens, 0)) * output_price / PER_TOKENS
    return RequestEstimate(prompt, reply)


def format_cost(amount: Decimal) -> str:
    """Dollars as people read them, one precision for every amount: cents from $1 up
    ("$1,234.50"), two significant digits below ("$0.018", "$0.0065", "$0.50"), trailing zeros
    dropped down to cents ("$0.01"); "$0" for nothing. `exact_cost` gives every digit."""
    if amount == 0:
        return "$0"
    if amount >= 1:
        return f"${amount.quantize(Decimal('0.01')):,}"
    digits = Decimal(1).scaleb(min(amount.adjusted() - 1, -2))  # two significant digits
    text = f"{amount.quantize(digits):f}"
    while text.endswith("0") and len(text.partition(".")[2]) > 2:
        text = text[:-1]
    return f"${text}"


def exact_cost(amount: Decimal) -> str:
    """Every digit of the amount, for a tooltip: "$0.0182625"."""
    return "$0" if amount == 0 else f"${amount.normalize():,f}"


def prices_for(table: Mapping[str, Prices], deployment: str | None) -> Prices | None:
    """The prices of `deployment` in a profile's table (keyed by deployment name), or None."""
    if not deployment:
        return None
    prices = table.get(deployment.strip())
    return prices if prices is not None and not prices.empty else None


def cost_line(
    prices: Prices | None, prompt_tokens: int, reply_tokens: int | None, spent: ConversationCost
) -> tuple[str, str]:
    """The meter's cost text and its longer explanation: ("", "") without complete prices
    for the next request and no priced reply.

    "next ≈ $0.0031 · spent $0.022": the next request's prompt at the input price, and what
    the conversation's replies cost so far (`format_cost`; the tooltip: `exact_cost`)."""
    estimate = request_estimate(prices, prompt_tokens, reply_tokens)
    if estimate is None and not spent.priced:
        return "", ""
    if estimate is None:  # replies of a priced deployment, sending to one without prices now
        short = f"spent {format_cost(spent.total)}"
        tip = "No prices are set for this deployment, so the next request is not estimated"
    else:
        short = f"next ≈ {format_cost(estimate.prompt)} · spent {format_cost(spent.total)}"
        tip = f"The next request's {prompt_tokens:,} prompt tokens cost about " + format_cost(
            estimate.prompt
        )
    if estimate is not None and estimate.reply_max is not None:
        tip += f", plus up to {format_cost(estimate.reply_max)} if the reply uses all "
        tip += f"{reply_tokens:,} reserved tokens"
    tip += f". The replies so far cost {exact_cost(spent.total)}"  # every digit here
    if spent.unpriced:
        replies = "reply" if spent.unpriced == 1 else "replies"
        tip += f" ({spent.unpriced} {replies} without usage not counted)"
    return short, tip + "."
