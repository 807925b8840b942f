"""One conversation's token budget: its model, counter, ledger and default limits together.

The window and the command line both ask "what would the next request send, and does it fit?"
through this; the counts underneath are cached, so asking on every keystroke is cheap.
"""

from __future__ import annotations

from typing import Any

from chatdesk.core.conversation import Conversation
from chatdesk.core.models import DEFAULT_FAMILY, ModelFamily, ModelMatch, resolve_model
from chatdesk.core.request import CONTINUE_PROMPT, reply_limit
from chatdesk.core.tokens import TokenCounter
from chatdesk.core.trimming import TokenLedger, TrimPlan, plan_request

DEFAULT_RESERVE = 4096


def default_reserve(family: ModelFamily) -> int:
    """Tokens kept free for the reply when the user has not set a maximum."""
    return min(family.max_output, DEFAULT_RESERVE)


class Budget:
    def __init__(
        self,
        conversation: Conversation,
        model: str | None = None,
        fallback_family: str | None = None,
        *,
        match: ModelMatch | None = None,
    ) -> None:
        """`match` (a profile's `model_match`) wins over `model` and `fallback_family`."""
        self.conversation = conversation
        self.match = match or resolve_model(
            model or conversation.model, fallback_family or DEFAULT_FAMILY
        )
        self.counter = TokenCounter(self.match.family.encoding, self.match.family)
        self.ledger = TokenLedger(conversation, self.counter)

    @property
    def family(self) -> ModelFamily:
        return self.match.family

    def limit(self, override: int | None = None) -> int:
        """The window the prompt and the reply's reserve must fit in: the one set, else the
        model's (`ModelInfo.request_limit`: gpt-5's capped prompt plus the reserve)."""
        chosen = override or self.conversation.trimming.limit
        if chosen:
            return chosen
        return self.family.request_limit(self.reserve())

    def reserve(self, override: int | None = None) -> int:
        if override is not None:
            return override
        chosen = reply_limit(self.conversation.params.max_tokens, self.family, self.match.exact)
        return chosen if chosen is not None else default_reserve(self.family)

    def plan(
        self,
        draft: str = "",
        limit: int | None = None,
        reserve: int | None = None,
        draft_images: list[dict[str, Any]] | tuple[()] = (),
        *,
        continuing: bool = False,
    ) -> TrimPlan:
        """What the next request sends with `draft` (and its attached image parts);
        `continuing`: the request Continue sends instead, the last reply and then
        `CONTINUE_PROMPT` (the draft is not sent), counted and fitted like any draft."""
        reserve = self.reserve(reserve)
        return plan_request(
            self.ledger,
            limit=self.limit(limit),
            reserve=reserve,
            draft=CONTINUE_PROMPT if continuing else draft,
            estimate=not self.match.exact,
            draft_images=() if continuing else draft_images,
            continuing=continuing,
            room=self.family.request_limit(reserve),  # the model's: a lower limit may be raised
        )

    def close(self) -> None:
        self.ledger.close()
