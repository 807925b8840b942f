"""The Chat Completions request body for a conversation, as trimmed by its plan."""

from __future__ import annotations

import re
from typing import Any

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import parts_text
from chatdesk.core.models import ModelFamily
from chatdesk.core.text_policy import storable
from chatdesk.core.trimming import TrimPlan

# ChatML markers and tiktoken's special tokens. Microsoft's "Work with chat completion models"
# (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/chatgpt):
# "Don't use ChatML syntax or special tokens with the chat completion endpoint" (the API
# answers 400).
SPECIAL_TOKEN = re.compile(r"<\|(?:im_start|im_end|im_sep|endoftext|endofprompt|fim_[a-z]+)\|>")


# The user message Continue sends after a reply cut at the length limit (finish_reason
# "length"), so the model goes on where it stopped. Counted in the plan like a draft.
CONTINUE_PROMPT = "Continue exactly where your previous message stopped, without repeating it."

# Fields reasoning models reject besides temperature and top_p (Azure's reasoning guide).
SAMPLING_FIELDS = frozenset(("logit_bias", "logprobs", "top_logprobs"))
# The sampling parameters, sent only to models that take more than their defaults.
SAMPLING_PARAMS = ("temperature", "top_p", "presence_penalty", "frequency_penalty")


def fixed_sampling_unsent(
    conv: Conversation, family: ModelFamily, names: tuple[str, ...] = SAMPLING_PARAMS
) -> list[str]:
    """'gpt-5 takes only the default temperature: 0.5 is not sent.' for each of `names` set
    for a model that takes only the defaults (`build_request` leaves them out)."""
    if not family.fixed_sampling:
        return []
    values = [(name, getattr(conv.params, name)) for name in names]
    return [
        f"{family.key} takes only the default {name}: {value} is not sent."
        for name, value in values
        if value is not None
    ]


_OPENING_CHARS = 40  # of a message named in an error


def find_special_tokens(texts: list[str]) -> list[tuple[int, str]]:
    """(index of the text, the token) for each special token found."""
    return [(i, m.group()) for i, text in enumerate(texts) for m in SPECIAL_TOKEN.finditer(text)]


def special_token_problem(conv: Conversation, plan: TrimPlan) -> str | None:
    """'Message 4 of the request (user: "what is <|im_end|>?") contains the special token
    <|im_end|>.' for the first special token in what the plan sends, or None. Messages are
    numbered as "What will be sent" and `chatdesk tokens --rows` number their rows."""
    messages = request_messages(conv, plan)
    found = find_special_tokens([parts_text(m.get("content")) for m in messages])
    if not found:
        return None
    index, token = found[0]
    return f"{describe_sent(conv, plan, index)} contains the special token {token}."


def describe_sent(conv: Conversation, plan: TrimPlan, index: int) -> str:
    """Which message the `index`-th sent message is, in words (`core/image_checks.py` names
    a message holding an image that cannot be sent by it too)."""
    system = conv.system_message()
    pinned = len(conv.pinned())
    if index < pinned:
        if system is not None and index == 0:
            return "The system prompt"
        return f"Example message {index + (0 if system is None else -1) + 1}"
    message = conv[plan.sent[index - pinned]]
    # The request's row, as "What will be sent" lists it (a tool definitions row comes first),
    # and the message's opening words: the history position meant nothing on screen.
    row = index + 1 + (1 if conv.request_extra.get("tools") else 0)
    opening = " ".join(parts_text(message.to_api().get("content")).split())
    if len(opening) > _OPENING_CHARS:
        opening = opening[: _OPENING_CHARS - 1] + "…"
    return f'Message {row} of the request ({message.role}: "{opening}")'


def request_messages(
    conv: Conversation, plan: TrimPlan, family: ModelFamily | None = None
) -> list[dict[str, Any]]:
    """The messages the plan sends: pinned, then the history it keeps.

    With `family`, instructions go in the role the model accepts: a `system` or `developer`
    message becomes the other where only that one is accepted, and for models that accept
    neither (o1-mini, o1-preview) its text opens the first user message instead. Text UTF-8
    cannot carry (a lone surrogate typed into the system prompt) goes as U+FFFD, never as a
    failed send."""
    messages = [m.to_api() for m in conv.pinned()] + [conv[i].to_api() for i in plan.sent]
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and not content.isascii():
            message["content"] = storable(content)
    return messages if family is None else adapt_roles(messages, family)


def adapt_roles(messages: list[dict[str, Any]], family: ModelFamily) -> list[dict[str, Any]]:
    """`messages` with instruction roles the model accepts (see `request_messages`)."""
    accepted = family.instruction_roles
    target = family.system_role
    out: list[dict[str, Any]] = []
    folded: list[str] = []
    for message in messages:
        role = message.get("role")
        if role not in ("system", "developer") or role in accepted:
            out.append(message)
        elif target is not None:
            out.append({**message, "role": target})
        else:
            folded.append(_text_of(message.get("content")))
    if folded:
        prefix = "\n\n".join(t for t in folded if t)
        for index, message in enumerate(out):
            if message.get("role") == "user":
                out[index] = {**message, "content": _prefixed(prefix, message.get("content"))}
                break
        else:
            out.insert(0, {"role": "user", "content": prefix})
    return out


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        texts = [p for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return "\n\n".join(str(p.get("text", "")) for p in texts)
    return content or ""


def _prefixed(prefix: str, content: Any) -> Any:
    if not prefix:
        return content
    if isinstance(content, list):
        return [{"type": "text", "text": prefix}, *content]
    return f"{prefix}\n\n{content}" if content else prefix


_CHOICE_FIELDS = ("reasoning_effort", "verbosity")


def model_choices(conv: Conversation, family: ModelFamily, exact: bool) -> dict[str, Any]:
    """The reasoning_effort and verbosity the request sends: those set that the model takes
    (either API: the Responses request sends them as reasoning.effort and text.verbosity)."""
    allowed = {"reasoning_effort": family.reasoning_efforts, "verbosity": family.verbosity}
    out = {}
    for key in _CHOICE_FIELDS:
        value = getattr(conv.params, key)
        if value is None:
            value = conv.request_extra.get(key)
        if value is not None and (not exact or value in allowed[key]):
            out[key] = value
    return out


def reply_limit(max_tokens: int | None, family: ModelFamily, exact: bool = True) -> int | None:
    """The reply's token limit as sent: `max_tokens` capped at the model's largest reply
    (`family.max_output`, from the catalog in core/models.py) when the model is known; a
    guessed model's limit is sent as set. None: not set, the service's default applies."""
    if max_tokens is None or not exact:
        return max_tokens
    return min(max_tokens, family.max_output)


def unsent(conv: Conversation, family: ModelFamily, exact: bool = True) -> list[str]:
    """One line per request field changed or left out for the model: a reasoning_effort /
    verbosity it does not take, e.g. 'o1-mini takes no reasoning_effort: "low" is not sent.',
    and a max_tokens above its largest reply (sent capped). For either API;
    `responses_request.unsent_for` adds what the Responses API lacks."""
    if not exact:
        return []
    sent = model_choices(conv, family, exact)
    lines = []
    capped = reply_limit(conv.params.max_tokens, family, exact)
    if capped != conv.params.max_tokens:
        lines.append(
            f"{family.key} replies with at most {family.max_output:,} tokens: max_tokens "
            f"{conv.params.max_tokens:,} is sent as {capped:,}."
        )
    for key in _CHOICE_FIELDS:
        value = getattr(conv.params, key)
        if value is None:
            value = conv.request_extra.get(key)
        if value is not None and key not in sent:
            values = family.reasoning_efforts if key == "reasoning_effort" else family.verbosity
            takes = f"takes {', '.join(values)}" if values else f"takes no {key}"
            lines.append(f'{family.key} {takes}: {key} "{value}" is not sent.')
    return lines


def build_request(
    conv: Conversation,
    plan: TrimPlan,
    *,
    model: str,
    family: ModelFamily,
    stream: bool = True,
    include_usage: bool = True,
    exact: bool = True,
) -> dict[str, Any]:
    """Keyword arguments for `client.chat.completions.create`. Unset parameters are left out,
    and so are a reasoning_effort or verbosity the catalog's row does not list (`unsent`
    says which); `exact` False (the model is a guess) sends them as set."""
    p = conv.params
    body: dict[str, Any] = {"model": model, "messages": request_messages(conv, plan, family)}
    if not family.fixed_sampling:  # reasoning models reject anything but the defaults
        for key in SAMPLING_PARAMS:
            if getattr(p, key) is not None:
                body[key] = getattr(p, key)
    limit = reply_limit(p.max_tokens, family, exact)
    if limit is not None:
        body[family.limit_param] = limit
    if p.stop:
        body["stop"] = list(p.stop)
    if p.seed is not None:
        body["seed"] = p.seed
    if p.response_format == "json_object":
        body["response_format"] = {"type": "json_object"}
    for key, value in model_choices(conv, family, exact).items():
        body[key] = value
    for key, value in conv.request_extra.items():  # tools, ...: as they came
        if key in _CHOICE_FIELDS and exact:
            continue  # the catalog's values decide these (above)
        if key not in body and (family.sampling or key not in SAMPLING_FIELDS):
            body[key] = value
    # o1, o3-pro: Azure answers 400 to stream=true; the conversation's Stream may be off.
    if stream and p.stream and family.streaming:
        body["stream"] = True
        if include_usage:
            body["stream_options"] = {"include_usage": True}
    return body
