"""What the next request sends, row by row: the window's "What will be sent" (Ctrl+I) and
`chatdesk tokens --rows` show these rows, and `chatdesk tokens --json` counts from them.

A row is (role, name, text, tokens, sent): the tool definitions (role "tools": not a
message, so neither numbered nor counted as one), the pinned system message and examples,
each history message, then the draft as the user message it becomes. Tokens are each row's
share of the prompt as the meter counts it (core/tokens.py); the reply's priming
(`REPLY_PRIMING`) belongs to no row. History rows are built when asked for, so a
25,000-message conversation is not walked to show the rows on screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec

from chatdesk.core.budget import Budget
from chatdesk.core.cards import counted_text, tool_names
from chatdesk.core.messages import Message
from chatdesk.core.request import request_messages
from chatdesk.core.sending import LEFT_OUT_WORDS, YOU
from chatdesk.core.trimming import TrimPlan

# role, name, text (images as cards with their counts), tokens, sent
PreviewRow = tuple[str, str | None, str, int, bool]
# The tool definitions' row: sent with the instructions, counted, but not a message.
TOOLS = "tools"
TOOLS_LABEL = "tool definitions"  # what its Role column says


def tool_rows(head: Sequence[PreviewRow]) -> int:
    """How many of the first rows are the tool definitions' (0 or 1: it comes first)."""
    return sum(1 for row in head if row[0] == TOOLS)


def row_number(position: int, tools: int) -> str:
    """The number sent row `position` (from 0) shows: messages are numbered from 1 after the
    `tools` rows of tool definitions, which show none."""
    return "" if position < tools else f"{position - tools + 1:,}"


def role_label(role: str, name: str | None) -> str:
    """The Role column: the role (with the message's name), or what the tools row is."""
    if role == TOOLS:
        return TOOLS_LABEL
    return f"{role} ({name})" if name else role


def sends_text(messages: int, tools: int) -> str:
    """"The next request sends 5 messages and the tool definitions" (the header's start)."""
    text = f"The next request sends {messages:,} message{'' if messages == 1 else 's'}"
    return text + (" and the tool definitions" if tools else "")


class RequestRows(msgspec.Struct, frozen=True):
    """The rows of the request `plan` describes.

    `head` (tool definitions, pinned messages) and `tail` (the draft) are sent; history row
    i is `history(i)`, sent from `first_sent` on but for those in `left_out` (sorted history
    indexes the user or the rule for failed turns leaves out, core/sending.py).
    `sent_tokens` is the sent rows' total; `api_messages()` the messages as the API takes
    them (tool calls, content parts, the model's instruction role). `budget` and `plan`:
    what the rows were made from."""

    head: list[PreviewRow]
    history: Callable[[int], PreviewRow]
    counted: Callable[[int], tuple[str, int, bool]]  # history row i's (role, tokens, sent)
    history_len: int
    first_sent: int
    tail: list[PreviewRow]
    sent_tokens: int
    left_out: tuple[int, ...]
    api_messages: Callable[[], list[dict[str, Any]]]
    budget: Budget
    plan: TrimPlan

    @property
    def pinned(self) -> int:
        """How many pinned messages `head` holds (after the tool definitions' row)."""
        return len(self.head) - tool_rows(self.head)

    def sent_rows(self) -> Iterator[PreviewRow]:
        """The rows that are sent, in the order they are."""
        yield from self.head
        skipped = set(self.left_out)
        for i in range(self.first_sent, self.history_len):
            if i not in skipped:
                yield self.history(i)
        yield from self.tail

    def left_out_rows(self) -> Iterator[PreviewRow]:
        """The history rows that are not sent: trimmed ones first, then those left out."""
        for i in (*range(self.first_sent), *self.left_out):
            yield self.history(i)

    def left_out_heading(self) -> str:
        """The line above `left_out_rows`: how many and why (see `left_out_heading`)."""
        ledger = self.budget.ledger
        return left_out_heading(
            self.first_sent, [ledger.why_left_out(i) or YOU for i in self.left_out]
        )


def left_out_heading(older: int, why: Sequence[str]) -> str:
    """The line above the rows a request leaves out, in the window's "What will be sent" and
    `chatdesk tokens --rows`: `older` messages trimmed to fit, then one sending.LEFT_OUT_WORDS
    key per message the user or the rule for failed turns leaves out, e.g.
    "Left out: 1 message, not sent: blocked by the content filter"."""
    n = older + len(why)
    noun = "message" if n == 1 else "messages"
    if not why:
        return f"Left out: {n:,} older {noun}, not sent"
    counts = Counter(LEFT_OUT_WORDS[w] for w in why)
    if not older and len(counts) == 1:
        return f"Left out: {n:,} {noun}, not sent: {next(iter(counts))}"
    parts = [f"{older:,} older"] if older else []
    parts += [f"{count:,} {words}" for words, count in counts.items()]
    return f"Left out: {n:,} {noun}, not sent: {', '.join(parts)}"


def request_rows(
    budget: Budget,
    plan: TrimPlan,
    draft: str = "",
    draft_images: list[dict[str, Any]] | tuple[()] = (),
) -> RequestRows:
    """The rows of the next request of `budget`'s conversation, planned as `plan` (made from
    the same `draft` and `draft_images`). O(pinned + tools); history rows cost O(1) each,
    when built."""
    conv, counter, ledger = budget.conversation, budget.counter, budget.ledger

    def text(message: Message) -> str:  # an image's count on its card
        return counted_text(message, lambda part: counter.part_cost(part)[0])

    head: list[PreviewRow] = [
        (m.role, m.name, text(m), counter.count_message(m), True) for m in conv.pinned()
    ]
    tools = conv.request_extra.get("tools")
    tool_tokens = counter.count_tools(tools)[0]
    if tool_tokens:  # sent with the instructions; counted by the cookbook's rule
        names = ", ".join(tool_names(tools))
        head.insert(0, (TOOLS, None, f"Tool definitions: {names}", tool_tokens, True))
    sent = plan.sent

    def counted(i: int) -> tuple[str, int, bool]:
        return conv[i].role, ledger.count(i), i in sent

    def history(i: int) -> PreviewRow:
        m = conv[i]  # built when its row is shown, not before
        return (m.role, m.name, text(m), ledger.count(i), i in sent)

    tail: list[PreviewRow] = []
    draft_message = Message("user", draft).with_images(list(draft_images))
    if draft.strip() or draft_images:
        tail.append(("user", None, text(draft_message), plan.draft_tokens, True))
    fixed = sum(row[3] for row in head) + sum(row[3] for row in tail)
    sent_tokens = fixed + ledger.history_tokens(plan.first_sent, len(conv))

    def api_messages() -> list[dict[str, Any]]:
        messages = request_messages(conv, plan, budget.family)
        return messages + ([draft_message.to_api()] if tail else [])

    return RequestRows(
        head,
        history,
        counted,
        len(conv),
        plan.first_sent,
        tail,
        sent_tokens,
        plan.left_out,
        api_messages,
        budget,
        plan,
    )
