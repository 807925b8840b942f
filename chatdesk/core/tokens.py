"""Exact prompt token counts, computed once per text, the way Microsoft's "Work with chat
completion models" counts them (`num_tokens_from_messages`,
https://learn.microsoft.com/azure/ai-foundry/openai/how-to/chatgpt).

Per message: 3 tokens, plus the tokens of each value (role, content, and name with 1 more),
and 3 for the priming of the reply. Text that looks like a special token (`<|endoftext|>`) is
counted as the ordinary text the API will see; it never raises.

The rest of the whole message, by the published rules:

- content parts: each text (and refusal) part as text; each image by the model's vision
  formula (`images`); a part of another type (audio, file) by its JSON, an estimate.
- other string fields (a tool message's `tool_call_id`, an assistant `refusal`): as text,
  that article's rule counting every value of the message.
- assistant tool calls: each function's name and arguments as text, an estimate (OpenAI's
  guide gives no rule for them).
- tool definitions (`tools` in the request): OpenAI's cookbook "How to count tokens with
  tiktoken", section 7 (https://github.com/openai/openai-cookbook/blob/main/examples/
  How_to_count_tokens_with_tiktoken.ipynb), whose figures the API confirmed for gpt-4o,
  gpt-4o-mini (101 tokens for its example), gpt-4 and gpt-3.5-turbo (105); for other models
  it is an estimate.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from chatdesk.core.images import data_url_size, image_tokens
from chatdesk.core.messages import Message, arguments_text
from chatdesk.core.models import O200K, ModelInfo

if TYPE_CHECKING:  # tiktoken loads with the first encoding, on a worker, not at start-up
    import tiktoken

    from chatdesk.core.text_tally import TextTally

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# Why a count is an estimate, in words ("Counts are estimates: …", `chatdesk tokens`).
TOOL_CALLS_WHY = (
    "tool calls are counted as the text of their function names and arguments; no published "
    "rule covers them"
)
TOOLS_WHY = "tool definitions are counted by OpenAI's cookbook rule, itself an estimate"
UNKNOWN_MODEL_IMAGES_WHY = "images are counted by gpt-4o's formula (the model is not known)"

_TALLIES = 4  # the draft, a streaming reply, and a couple of long messages
_KEY_CHARS = 64


# The cookbook's constants for tool definitions: (func_init, prop_init, prop_key, enum_init,
# enum_item, func_end); o200k models (gpt-4o) and cl100k models (gpt-4, gpt-3.5-turbo).
_TOOL_CONSTANTS = {O200K: (7, 3, 3, -3, 3, 12), "cl100k_base": (10, 3, 3, -3, 3, 12)}
# The models the cookbook's figures were checked against the API for.
_TOOLS_VERIFIED = ("gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-35-turbo")


class TokenCounter:
    """Counts tokens with one encoding, caching per message and per edited text (`TextTally`).

    `model` decides how images are counted (its vision formula) and whether tool definitions
    are counted exactly; without it images are counted with gpt-4o's formula, an estimate.
    """

    def __init__(self, encoding: tiktoken.Encoding | str, model: ModelInfo | None = None) -> None:
        if isinstance(encoding, str):
            from chatdesk.core.encodings import get_encoding

            encoding = get_encoding(encoding)
        self.encoding = encoding
        self.model = model
        # The message caches' key: image counts differ between models of one encoding.
        self.name = self.encoding.name
        self.cache_key = self.name if model is None else f"{self.name}/{model.key}"
        self._roles: dict[str, int] = {}
        self._tools: tuple[Any, int, bool] | None = None
        # Texts being edited, by their first characters, most recent last.
        self._tallies: OrderedDict[str, TextTally] = OrderedDict()
        self._tally_lock = threading.Lock()  # the counting worker and the GUI thread share it

    def count_text(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def count_message(self, message: Message) -> int:
        """The message's share of the prompt; cached on the message until its text changes."""
        # Read once: a count made on a worker thread must cache the text it actually counted.
        content, name = message.content, message.name
        cache = message.token_cache
        key = self.cache_key
        if cache is not None and cache[0] == key and cache[1] is content and cache[2] == name:
            return cast(int, cache[3])
        estimate: tuple[str, ...]
        if message.plain:
            count, estimate = self.message_cost(message.role, content, name), ()
        else:
            count, estimate = self._whole_cost(message)
        message.token_cache = (key, content, name, count, estimate)
        return count

    def is_estimate(self, message: Message) -> bool:
        """Whether the message's count follows a rule that is itself an estimate."""
        return bool(self.estimate_reasons(message))

    def estimate_reasons(self, message: Message) -> tuple[str, ...]:
        """Why the message's count is an estimate, each reason in words; () when it is exact."""
        self.count_message(message)
        cache = message.token_cache
        return cache[4] if cache is not None and cache[4] else ()

    def _whole_cost(self, message: Message) -> tuple[int, tuple[str, ...]]:
        count = TOKENS_PER_MESSAGE + self._role(message.role)
        reasons: dict[str, None] = {}  # in order, each once
        content = message.api_content()
        if isinstance(content, str):
            count += self.count_draft(content)
        elif isinstance(content, list):
            for part in content:
                tokens, why = self.part_cost(part)
                count += tokens
                reasons.update(dict.fromkeys(why))
        if message.name:
            count += self.count_text(message.name) + TOKENS_PER_NAME
        for key, value in message.extra.items():
            if key in ("tool_calls", "function_call"):
                calls = value if isinstance(value, list) else [{"function": value}]
                for call in calls:
                    function = call.get("function") if isinstance(call, dict) else None
                    if isinstance(function, dict):
                        count += self.count_text(str(function.get("name", "")))
                        count += self.count_text(arguments_text(function))
                reasons[TOOL_CALLS_WHY] = None
            elif isinstance(value, str):
                count += self.count_text(value)
            elif value is not None and key != "annotations":  # audio, unknown fields
                reasons[f"a message's {key} is counted by its JSON"] = None
        return count, tuple(reasons)

    def part_cost(self, part: Any) -> tuple[int, tuple[str, ...]]:
        """(tokens, why it is an estimate: () when exact) of one content part: text as text,
        an image by the model's vision formula, any other part by its JSON (an estimate)."""
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            return self.count_draft(str(part.get("text", ""))), ()
        if kind == "refusal":
            return self.count_text(str(part.get("refusal", ""))), ()
        if kind == "image_url":
            image = part.get("image_url")
            url = image.get("url", "") if isinstance(image, dict) else str(image or "")
            detail = image.get("detail", "auto") if isinstance(image, dict) else "auto"
            rule = self.model.image if self.model is not None else None
            cost = image_tokens(rule, data_url_size(str(url)), str(detail))
            unknown = (UNKNOWN_MODEL_IMAGES_WHY,) if self.model is None else ()
            return cost.tokens, cost.reasons + unknown
        return self.count_text(json.dumps(part, ensure_ascii=False)), (
            f'a "{kind}" content part is counted by its JSON',
        )

    def count_tools(self, tools: Any) -> tuple[int, bool]:
        """(tokens, estimate) of a request's tool definitions; (0, False) without any.
        Cached for the same list object."""
        if not tools:
            return 0, False
        cached = self._tools
        if cached is not None and cached[0] is tools:
            return cached[1], cached[2]
        constants = _TOOL_CONSTANTS.get(self.encoding.name, _TOOL_CONSTANTS[O200K])
        count, estimate = _tools_cost(tools, constants, self.count_text)
        verified = self.model is not None and self.model.key in _TOOLS_VERIFIED
        self._tools = (tools, count, estimate or not verified)
        return count, estimate or not verified

    def message_cost(self, role: str, content: str, name: str | None = None) -> int:
        count = TOKENS_PER_MESSAGE + self._role(role) + self.count_draft(content)
        if name:
            count += self.count_text(name) + TOKENS_PER_NAME
        return count

    def draft_cost(self, text: str, images: list[dict[str, Any]] | tuple[()] = ()) -> int:
        """The message being written, as the user message it becomes: its text and the
        images attached to it (each by the vision formula, as soon as it is attached)."""
        return self.draft_count(text, images)[0]

    def draft_count(
        self, text: str, images: list[dict[str, Any]] | tuple[()] = ()
    ) -> tuple[int, tuple[str, ...]]:
        """(tokens, why it is an estimate: () when exact) of the message being written
        (`draft_cost`); its images are estimates as the same images once sent are
        (`part_cost`: detail `auto`, a remote image, an unknown model)."""
        count, reasons = self.message_cost("user", text), {}
        for part in images:
            tokens, why = self.part_cost(part)
            count += tokens
            reasons.update(dict.fromkeys(why))
        return count, tuple(reasons)

    def count_prompt(self, messages: Iterable[Message]) -> int:
        """Prompt tokens of a request that sends `messages`."""
        return sum(self.count_message(m) for m in messages) + REPLY_PRIMING

    def count_draft(self, text: str) -> int:
        """Tokens of `text`, re-encoding only what changed since a similar text was counted.

        Typing in a draft or streaming a reply changes a small span; a `TextTally` per text
        being edited (the few most recent, matched by their beginning) re-encodes only that
        span, so a keystroke after a 1 MB paste costs about one ~1 KB span's encoding.
        """
        if len(text) < 2048:
            return self.count_text(text)
        key = text[:_KEY_CHARS]
        with self._tally_lock:
            tally = self._tallies.pop(key, None)
            if tally is None and self._tallies:
                # An edit near the start changes the key: the latest text of a similar length
                # is most likely the same draft.
                latest_key, latest = next(reversed(self._tallies.items()))
                if abs(len(latest.text) - len(text)) < max(4096, len(text) // 8):
                    tally = self._tallies.pop(latest_key)
            if tally is None:
                from chatdesk.core.text_tally import TextTally  # with the first long text

                tally = TextTally(self.count_text)
                if len(self._tallies) >= _TALLIES:
                    self._tallies.popitem(last=False)
            self._tallies[key] = tally
            return tally.count(text)

    def _role(self, role: str) -> int:
        if role not in self._roles:
            self._roles[role] = self.count_text(role)
        return self._roles[role]


def _tools_cost(tools: Any, constants: tuple[int, ...], count_text: Any) -> tuple[int, bool]:
    """The cookbook's `num_tokens_for_tools`, for the function tools of a request."""
    func_init, prop_init, prop_key, enum_init, enum_item, func_end = constants
    count, estimate = 0, False
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):  # a tool of another type: by its JSON
            count += count_text(json.dumps(tool, ensure_ascii=False))
            estimate = True
            continue
        count += func_init
        description = str(function.get("description", ""))
        description = description[:-1] if description.endswith(".") else description
        count += count_text(f"{function.get('name', '')}:{description}")
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        if isinstance(properties, dict) and properties:
            count += prop_init
            for key, prop in properties.items():
                prop = prop if isinstance(prop, dict) else {}
                count += prop_key
                enum = prop.get("enum")
                if isinstance(enum, list):
                    count += enum_init
                    for item in enum:
                        count += enum_item + count_text(str(item))
                p_desc = str(prop.get("description", ""))
                p_desc = p_desc[:-1] if p_desc.endswith(".") else p_desc
                count += count_text(f"{key}:{prop.get('type', '')}:{p_desc}")
                if any(k in prop for k in ("properties", "items", "anyOf", "oneOf")):
                    estimate = True  # nested schemas: the cookbook's rule does not cover them
    if tools:
        count += func_end
    return count, estimate
