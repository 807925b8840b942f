"""Fitting a conversation into the model's context window: "Manage conversations" in
Microsoft's "Work with chat completion models" (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/chatgpt).

That article's loop deletes the oldest message and recounts everything until the prompt plus
the reserved response is below the limit: quadratic in the conversation's length. Here each
message is counted once (cached on it), a `TokenLedger` keeps running sums of the history up to
date as it changes, and a plan is a binary search over those sums: a keystroke in the draft
costs the same on an empty conversation as on one of thousands of messages.

A tool turn is one unit: an assistant message with `tool_calls` and the `tool` messages that
answer it are sent or left out together. Azure answers 400 to a `tool` message that does not
follow the assistant message with its call, and to a tool call left without its result
(https://learn.microsoft.com/azure/ai-foundry/openai/how-to/function-calling). Results follow
their call at once, so a history may start anywhere but at a `tool` message.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload

import msgspec

from chatdesk.core.choices import TrimPolicy
from chatdesk.core.conversation import Conversation, TrimSettings
from chatdesk.core.params_check import RANGES
from chatdesk.core.sending import QUESTION, YOU, send_states
from chatdesk.core.tokens import REPLY_PRIMING, TOOLS_WHY, TokenCounter

LEAST_REPLY_TOKENS = int(RANGES["max_tokens"][0] or 1)  # the least max_tokens the API takes


class TokenLedger:
    """Per-message token counts and running sums of a conversation's history.

    It listens to the conversation and recomputes sums only from the first changed index; the
    counts themselves come from the messages' caches, so even that rarely re-encodes anything.
    """

    def __init__(self, conversation: Conversation, counter: TokenCounter) -> None:
        self.conversation = conversation
        self.counter = counter
        # Machine integers, not int objects: ~30 bytes less per message of a long history.
        self._cum = array("q", [0])  # _cum[i]: tokens of history[:i]
        # Why: each reason in words → the sent indexes counted with it, in order.
        self._est_why: dict[str, list[int]] = {}
        self._turns = array("q")  # history indexes of user messages: where turns start
        self._starts = array("q")  # indexes the sent history may start at: not `tool` ones
        self._own = array("q")  # _own[i]: tokens of history[i], sent or not
        self._out: list[int] = []  # indexes not sent: left out by the user or the rule
        self._why: list[str | None] = []  # _why[i]: why history[i]'s turn is left out, or None
        self._valid = 0
        self._changed_at = 0  # the lowest index changed while a sync ran
        conversation.subscribe(self._invalidate)

    def close(self) -> None:
        self.conversation.unsubscribe(self._invalidate)

    def _invalidate(self, index: int) -> None:
        self._valid = min(self._valid, index)
        self._changed_at = min(self._changed_at, index)

    def sync(self) -> None:
        """Bring the sums up to date now. A worker may do this for a long history before the
        ledger is handed to the GUI thread (never while another thread uses it): a change the
        GUI thread makes meanwhile is still seen, as a change from its index on."""
        self._sync()

    def _sync(self) -> None:
        history = self.conversation
        self._changed_at = len(history) + 1  # lowered by a change made while this runs
        n = len(history)
        if self._valid == n and len(self._cum) == n + 1:
            return
        valid = min(self._valid, n)
        del self._own[valid:]  # the counts before `valid` still hold
        # Whether a message is sent depends on its whole turn (core/sending.py), and a change
        # at `valid` may join it to the turn before: recompute from that turn's start (the
        # counts of its messages are reused).
        at = bisect.bisect_right(self._turns, valid - 1) - 1
        valid = self._turns[at] if at >= 0 and valid > 0 else 0
        del self._cum[valid + 1 :]
        for indexes in self._est_why.values():
            del indexes[bisect.bisect_left(indexes, valid) :]
        del self._why[valid:]
        del self._turns[bisect.bisect_left(self._turns, valid) :]
        del self._starts[bisect.bisect_left(self._starts, valid) :]
        del self._out[bisect.bisect_left(self._out, valid) :]
        total = self._cum[-1]
        count = self.counter.count_message
        messages = history.messages(valid, n)
        for offset, (message, (sent, reason)) in enumerate(
            zip(messages, send_states(messages), strict=True)
        ):
            i = valid + offset
            self._why.append(reason)
            if i < len(self._own):  # counted already: only the turn's status is recomputed
                tokens = self._own[i]
            else:
                tokens = count(message)
                self._own.append(tokens)
            if sent:
                total += tokens
                reasons = () if message.plain else self.counter.estimate_reasons(message)
                for reason in reasons:
                    self._est_why.setdefault(reason, []).append(i)
            else:
                self._out.append(i)
            self._cum.append(total)
            if message.role == "user":
                self._turns.append(i)
            if message.role != "tool":
                self._starts.append(i)
        self._valid = min(n, self._changed_at)

    def is_sent(self, index: int) -> bool:
        """False when history[index] is left out by the user or by the rule for failed turns
        (core/sending.py); trimming may still leave out a message this calls sent."""
        self._sync()
        at = bisect.bisect_left(self._out, index)
        return not (at < len(self._out) and self._out[at] == index)

    def reason(self, index: int) -> str | None:
        """Why history[index]'s turn is left out by default (sending.FAILED, BLOCKED,
        STOPPED), or None when the rule sends it."""
        self._sync()
        return self._why[index]

    def why_left_out(self, index: int) -> str | None:
        """Why history[index] is not sent though trimming keeps it: sending.YOU (Leave out),
        QUESTION (a reply whose question was left out) or the rule's reason (FAILED, BLOCKED,
        STOPPED); None when it is sent."""
        if self.is_sent(index):
            return None
        message = self.conversation[index]
        if message.meta.include is False:
            return YOU
        if (reason := self.reason(index)) is not None:
            return reason
        return QUESTION if message.role in ("assistant", "system", "developer") else YOU

    def left_out(self, start: int = 0) -> tuple[int, ...]:
        """The indexes >= `start` that are not sent (see `is_sent`), in order."""
        self._sync()
        return tuple(self._out[bisect.bisect_left(self._out, start) :])

    def count(self, index: int) -> int:
        """Tokens of history[index] in a prompt, were it sent (see `is_sent`)."""
        self._sync()
        return self._own[index]

    def history_tokens(self, start: int = 0, stop: int | None = None) -> int:
        self._sync()
        stop = len(self._cum) - 1 if stop is None else stop
        return self._cum[stop] - self._cum[start]

    def pinned_tokens(self) -> int:
        """The system message, the examples and the request's tool definitions."""
        pinned = sum(self.counter.count_message(m) for m in self.conversation.pinned())
        return pinned + self.counter.count_tools(self.conversation.request_extra.get("tools"))[0]

    def estimate_reasons(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Why the counts of the sent messages of history[start:stop] are estimates, each
        reason once, in words (TokenCounter.estimate_reasons). O(reasons × log n)."""
        self._sync()
        stop = len(self._cum) - 1 if stop is None else stop
        found = []
        for reason, at in self._est_why.items():
            k = bisect.bisect_left(at, start)
            if k < len(at) and at[k] < stop:
                found.append(reason)
        return found

    def pinned_reasons(self) -> list[str]:
        """Why the counts of the system message, the examples or the tool definitions are
        estimates (see `estimate_reasons`)."""
        conv = self.conversation
        reasons = (
            [TOOLS_WHY] if self.counter.count_tools(conv.request_extra.get("tools"))[1] else []
        )
        for message in conv.pinned():
            if not message.plain:
                reasons += [r for r in self.counter.estimate_reasons(message) if r not in reasons]
        return reasons

    def sums(self) -> Sequence[int]:
        self._sync()
        return self._cum

    def turn_starts(self) -> Sequence[int]:
        self._sync()
        return self._turns

    def next_start(self, index: int) -> int:
        """The first index >= `index` the sent history may start at without splitting a tool
        turn (one that is not a `tool` message); len(history) when there is none. O(log n)."""
        self._sync()
        at = bisect.bisect_left(self._starts, index)
        return self._starts[at] if at < len(self._starts) else len(self._cum) - 1


class SentIndexes(Sequence[int]):
    """range(first, stop) without the indexes in `left_out` (sorted, all >= first): a
    length in O(1) and membership in O(log k), without a list of every index sent."""

    def __init__(self, first: int, stop: int, left_out: tuple[int, ...]) -> None:
        self.first, self.stop, self.left_out = first, stop, left_out

    def __len__(self) -> int:
        return max(self.stop - self.first, 0) - len(self.left_out)

    def __contains__(self, index: object) -> bool:
        if not isinstance(index, int) or not self.first <= index < self.stop:
            return False
        at = bisect.bisect_left(self.left_out, index)
        return not (at < len(self.left_out) and self.left_out[at] == index)

    def __iter__(self) -> Iterator[int]:
        skip = set(self.left_out)
        return (i for i in range(self.first, self.stop) if i not in skip)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        return list(self)[index]


class TrimPlan(msgspec.Struct, frozen=True):
    """What the next request sends: history[first_sent:] after the pinned messages."""

    policy: str
    limit: int
    reserve: int
    pinned_tokens: int  # system message and examples
    history_tokens: int  # the history that is sent
    draft_tokens: int  # the message being typed, as a user message (0 without a draft)
    history_len: int
    first_sent: int
    fits: bool
    error: str | None = None
    estimate: bool = False  # the counts are estimates: see `estimate_why`
    estimate_why: str = ""
    # History indexes from first_sent on that are not sent (core/sending.py).
    left_out: tuple[int, ...] = ()

    @property
    def prompt_tokens(self) -> int:
        return self.pinned_tokens + self.history_tokens + self.draft_tokens + REPLY_PRIMING

    @property
    def total(self) -> int:
        """Prompt plus the reserved response: what must stay below the limit."""
        return self.prompt_tokens + self.reserve

    @property
    def sent(self) -> SentIndexes:
        """The history indexes sent, in order: from first_sent on, but those left out."""
        return SentIndexes(self.first_sent, self.history_len, self.left_out)

    @property
    def dropped(self) -> range:
        return range(self.first_sent)


def plan_request(
    ledger: TokenLedger,
    *,
    limit: int,
    reserve: int,
    draft: str = "",
    settings: TrimSettings | None = None,
    estimate: bool = False,
    draft_images: list[dict[str, Any]] | tuple[()] = (),
    continuing: bool = False,
    room: int | None = None,
) -> TrimPlan:
    """Which history fits, keeping the pinned messages and the newest user message.

    `room`: the model's own limit (`limit` may be a lower one the user set): a plan that does
    not fit then says whether raising the limit would help (`misfit_text`).

    `continuing`: `draft` is Continue's prompt, sent after the reply it continues, so the
    newest turn is kept as without a draft, and the prompt starts no turn of its own.

    Fitting means prompt + reserve < limit, that article's loop condition. With `whole_turns`, a
    history cut short starts at a user message, so no reply is sent without its question. Under
    every policy it never starts at a `tool` message: a tool call and its results go together.
    """
    settings = settings or ledger.conversation.trimming
    cum = ledger.sums()
    turns = ledger.turn_starts()
    n = len(cum) - 1
    pinned = ledger.pinned_tokens()
    # The draft's images count as soon as they are attached, with or without text.
    writing = bool((draft and not draft.isspace()) or draft_images)  # no 1 MB copy per key
    draft_tokens, draft_reasons = (
        ledger.counter.draft_count(draft, draft_images) if writing else (0, ())
    )
    fixed = pinned + draft_tokens + REPLY_PRIMING
    new_turn = bool(draft_tokens) and not continuing
    # Without a draft, the newest user message is the question being asked: never dropped.
    must_keep = n if new_turn else (turns[-1] if turns else n)
    budget = limit - reserve - fixed - 1  # the most history tokens that still fit

    def plan(first: int, fits: bool, error: str | None = None) -> TrimPlan:
        why = ["the model behind the deployment is not known"] if estimate else []
        # The actual reasons, each once: an image's detail "auto", tool calls, ... The draft's
        # images count by the rule they are counted by once sent.
        reasons = (*ledger.pinned_reasons(), *draft_reasons, *ledger.estimate_reasons(first, n))
        for reason in reasons:
            if reason not in why:
                why.append(reason)
        return TrimPlan(
            settings.policy, limit, reserve, pinned, cum[n] - cum[first], draft_tokens,
            n, first, fits, error, bool(why), "; ".join(why), ledger.left_out(first),
        )  # fmt: skip

    def misfit(first: int) -> TrimPlan:
        # What the newest message needs (with the pinned ones and the reserve) decides the
        # advice: over the limit alone, no trimming of earlier turns can make it fit.
        alone = fixed + (cum[n] - cum[must_keep]) + reserve
        if settings.policy == TrimPolicy.STOP and alone < limit:
            needed, too_big = fixed + cum[n] + reserve, False
        else:
            needed, too_big = alone, True
        return plan(first, False, misfit_text(ledger.conversation, needed, limit, reserve,
                                              too_big=too_big, room=room))  # fmt: skip

    if settings.policy == TrimPolicy.STOP:
        return plan(0, True) if cum[n] <= budget else misfit(0)

    first = 0
    if settings.policy == TrimPolicy.TURNS:
        keep = max(settings.max_turns - (1 if new_turn else 0), 0)
        # Every question kept: whatever came before the first (a greeting) goes too.
        first = turns[-keep] if 0 < keep < len(turns) else (n if keep == 0 else 0)
    # The smallest start whose suffix fits: the newest possible history.
    first = max(first, bisect.bisect_left(cum, cum[n] - budget, 0, n + 1))
    first = ledger.next_start(first)  # never a tool message without its call (user ones pass)
    # Only where something was left out: a reply that opens the conversation (a greeting) has
    # no question to be sent without, and all of it fitting sends it.
    if settings.whole_turns and 0 < first < n and ledger.conversation[first].role != "user":
        at = bisect.bisect_left(turns, first)
        first = turns[at] if at < len(turns) else n
    if first > must_keep or budget < 0:
        return misfit(must_keep)
    return plan(first, True)


def misfit_text(
    conv: Conversation,
    needed: int,
    limit: int,
    reserve: int,
    *,
    too_big: bool,
    room: int | None = None,
) -> str:
    """Why a request does not fit and, once, what would make it fit under the policy in force:
    the one text the meter, the question's card and `chatdesk send` give.

    `too_big`: the newest message with the pinned ones and the reply's reserve needs `needed`
    tokens, more than `limit` with every earlier turn left out, so trimming cannot help (and
    a new conversation would not either). Else (the policy that stops) the whole history
    needs `needed`: a new conversation, or a policy that drops the oldest turns, makes room.
    `room`: the model's own limit; raising a lower limit the user set is offered when the
    request would fit the model's."""
    parts = [
        *(["the system prompt"] if conv.system_prompt else []),
        *(["the examples"] if conv.examples else []),
    ]
    raise_limit = (
        [f"raise the token limit above {needed:,}"]
        if room is not None and limit < room and needed < room
        else []
    )
    # Lowering the reply's reserve is advice only when the prompt then fits (prompt + reserve
    # < limit) with a reserve the API takes (max_tokens' least: core/params_check.py): a
    # message over the limit on its own does not fit with any reserve (tester, session 14).
    fitting = limit - (needed - reserve) - 1  # the largest reserve the prompt fits with
    lower_reserve = (
        [f"lower the maximum response tokens to at most {fitting:,}"]
        if LEAST_REPLY_TOKENS <= fitting < reserve
        else []
    )
    if too_big:
        who = _listed([*parts, "the newest message"])
        verb = "needs" if not parts else "need"
        fixes = [f"shorten {_listed(['the message', *parts], 'or')}",
                 *lower_reserve, *raise_limit]  # fmt: skip
        # Fitting means staying below the limit: a request that needs the limit exactly is
        # not "over" it, and saying so contradicts the numbers.
        where = (
            f", over the limit of {limit:,} even with every earlier turn left out"
            if needed > limit
            else " even with every earlier turn left out: the whole limit of "
            f"{limit:,}, and the prompt and the reserve must stay below it"
        )
        return (
            f"{who[0].upper()}{who[1:]} {verb} {needed:,} tokens with {reserve:,} reserved for "
            f"the reply{where}. {_either(fixes)}."
        )
    carry = "carries" if len(parts) == 1 and parts[0] != "the examples" else "carry"
    carried = f" ({_listed(parts)} {carry} over)" if parts else ""
    fixes = [f"start a new conversation{carried}",
             "choose to drop the oldest turns to fit", *raise_limit]  # fmt: skip
    below = "; the prompt and the reply's reserve must stay below it" if needed <= limit else ""
    return (
        f"This conversation has reached its limit ({needed:,} of {limit:,} tokens with the "
        f"reply reserved{below}). {_either(fixes)}."
    )


def _listed(items: Sequence[str], word: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _either(fixes: Sequence[str]) -> str:
    """The fixes as one sentence's start: "Shorten …, lower … or raise …"; "Shorten the message
    or the system prompt, or raise …" (a comma where the fix before the last has its own "or")."""
    text = _listed(fixes, "or")
    if len(fixes) > 1 and " or " in fixes[-2]:
        text = f"{_listed(fixes[:-1], 'or')}, or {fixes[-1]}"
    return text[0].upper() + text[1:]
