"""The Chat Completions request body for a conversation, as trimmed by its plan."""

from __future__ import annotations

import re
from typing import Any

from chatdesk.core.conversation import Conversation
from chatdesk.core.models import ModelFamily
from chatdesk.core.trimming import TrimPlan

# ChatML markers and tiktoken's special tokens. The seeds: "Don't use ChatML syntax or special
# tokens with the chat completion endpoint" (the API answers 400).
SPECIAL_TOKEN = re.compile(r"<\|(?:im_start|im_end|im_sep|endoftext|endofprompt|fim_[a-z]+)\|>")


def find_special_tokens(texts: list[str]) -> list[tuple[int, str]]:
    """(index of the text, the token) for each special token found."""
    return [(i, m.group()) for i, text in enumerate(texts) for m in SPECIAL_TOKEN.finditer(text)]


def request_messages(conv: Conversation, plan: TrimPlan) -> list[dict[str, str]]:
    """The messages the plan sends: pinned, then the history it keeps."""
    return [m.to_api() for m in conv.pinned()] + [conv[i].to_api() for i in plan.sent]


def build_request(
    conv: Conversation,
    plan: TrimPlan,
    *,
    model: str,
    family: ModelFamily,
    stream: bool = True,
    include_usage: bool = True,
) -> dict[str, Any]:
    """Keyword arguments for `client.chat.completions.create`. Unset parameters are left out."""
    p = conv.params
    body: dict[str, Any] = {"model": model, "messages": request_messages(conv, plan)}
    if not family.fixed_sampling:  # reasoning models reject anything but the defaults
        for key in ("temperature", "top_p", "presence_penalty", "frequency_penalty"):
            if getattr(p, key) is not None:
                body[key] = getattr(p, key)
    if p.max_tokens is not None:
        key = "max_completion_tokens" if family.uses_max_completion_tokens else "max_tokens"
        body[key] = p.max_tokens
    if p.stop:
        body["stop"] = list(p.stop)
    if p.seed is not None:
        body["seed"] = p.seed
    if p.response_format == "json_object":
        body["response_format"] = {"type": "json_object"}
    if stream:
        body["stream"] = True
        if include_usage:
            body["stream_options"] = {"include_usage": True}
    return body
