"""System prompt presets: the user's own, saved by name, and the starting points of Microsoft's
"Work with chat completion models" (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/chatgpt).

A preset is a system prompt, optionally with few-shot (user, assistant) example pairs that are
pinned after it and with request parameters it needs (the entity extractor asks for a JSON
object). Applying one is the window's job; this module only holds and validates the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import msgspec.structs

from chatdesk.core.conversation import RESPONSE_FORMATS, GenerationParams
from chatdesk.core.messages import Message, example_messages

_PARAM_NAMES = frozenset(f.name for f in msgspec.structs.fields(GenerationParams))


class SystemPreset(msgspec.Struct):
    """A named system prompt with optional pinned examples and request parameters.

    `params` holds `GenerationParams` field names and values, for instance
    ``{"response_format": "json_object"}``.
    """

    name: str
    system_prompt: str
    examples: list[tuple[str, str]] = msgspec.field(default_factory=list)
    params: dict[str, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.params) - _PARAM_NAMES
        if unknown:
            raise ValueError(f"unknown request parameter(s): {', '.join(sorted(unknown))}")
        fmt = self.params.get("response_format", "text")
        if fmt not in RESPONSE_FORMATS:
            raise ValueError(f"response_format must be one of {', '.join(RESPONSE_FORMATS)}")

    def example_messages(self) -> list[Message]:
        """The examples as the user/assistant messages pinned after the system message."""
        return example_messages(self.examples)

    def apply_params(self, params: GenerationParams) -> GenerationParams:
        """A copy of `params` with this preset's parameters set; the rest are kept."""
        return msgspec.structs.replace(params, **self.params)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "system_prompt": self.system_prompt,
            "examples": [{"user": u, "assistant": a} for u, a in self.examples],
        }
        if self.params:  # left out when empty, so older readers see the schema they know
            out["params"] = dict(self.params)
        return out

    @classmethod
    def from_json(cls, data: Any) -> SystemPreset:
        """Read `to_json`'s shape; raises ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a preset must be an object")
        name, prompt = data.get("name"), data.get("system_prompt")
        if not isinstance(name, str) or not isinstance(prompt, str):
            raise ValueError("a preset needs a text 'name' and 'system_prompt'")
        examples: list[tuple[str, str]] = []
        for i, pair in enumerate(data.get("examples", [])):
            if not (
                isinstance(pair, dict)
                and isinstance(pair.get("user"), str)
                and isinstance(pair.get("assistant"), str)
            ):
                raise ValueError(f"examples[{i}] needs text 'user' and 'assistant'")
            examples.append((pair["user"], pair["assistant"]))
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ValueError("'params' must be an object")
        return cls(name, prompt, examples, dict(params))


# The texts of that article's "Message prompt examples", as written there.
_TAX_INSTRUCTIONS = (
    "Assistant is an intelligent chatbot designed to help users answer their tax related "
    "questions.\n"
    "Instructions:\n"
    "- Only answer questions related to taxes.\n"
    '- If you\'re unsure of an answer, you can say "I don\'t know" or "I\'m not sure" and '
    "recommend users go to the IRS website for more information."
)

_GROUNDING = (
    "Assistant is an intelligent chatbot designed to help users answer technical questions "
    "about Azure OpenAI in Microsoft Foundry Models. Only answer questions using the context "
    "below and if you're not sure of an answer, you can say 'I don't know'.\n"
    "\n"
    "Context:\n"
    "- Azure OpenAI provides REST API access to OpenAI's powerful language models including "
    "the GPT-3, Codex and Embeddings model series.\n"
    "- Azure OpenAI gives customers advanced language AI with OpenAI GPT-3, Codex, and DALL-E "
    "models with the security and enterprise promise of Azure. Azure OpenAI co-develops the "
    "APIs with OpenAI, ensuring compatibility and a smooth transition from one to the other.\n"
    "- At Microsoft, we're committed to the advancement of AI driven by principles that put "
    "people first. Microsoft has made significant investments to help guard against abuse and "
    "unintended harm, which includes requiring applicants to show well-defined use cases, "
    "incorporating Microsoft’s principles for responsible AI use."
)

_TAX_EXAMPLES = [
    (
        "When do I need to file my taxes by?",
        "In 2023, you will need to file your taxes by April 18th. The date falls after the "
        "usual April 15th deadline because April 15th falls on a Saturday in 2023. For more "
        "details, see https://www.irs.gov/filing/individuals/when-to-file.",
    ),
    (
        "How can I check the status of my tax refund?",
        "You can check the status of your tax refund by visiting https://www.irs.gov/refunds",
    ),
]

# Azure rejects response_format json_object unless a message mentions JSON; this prompt does.
_EXTRACTION = (
    "You are an assistant designed to extract entities from text. Users will paste in a "
    "string of text and you will respond with entities you've extracted from the text as a "
    "JSON object. Here's an example of your output format:\n"
    "{\n"
    '   "name": "",\n'
    '   "company": "",\n'
    '   "phone_number": ""\n'
    "}"
)

BUILTIN_PRESETS: tuple[SystemPreset, ...] = (
    SystemPreset("Basic assistant", "Assistant is a large language model trained by OpenAI."),
    SystemPreset("Instructions with guardrails", _TAX_INSTRUCTIONS),
    SystemPreset("Grounding data", _GROUNDING),
    SystemPreset(
        "Few-shot (tax questions)",
        "Assistant is an intelligent chatbot designed to help users answer their tax related "
        "questions.",
        _TAX_EXAMPLES,
    ),
    SystemPreset("Entity extraction (JSON)", _EXTRACTION, [], {"response_format": "json_object"}),
)


def builtin_preset(name: str) -> SystemPreset | None:
    return next((p for p in BUILTIN_PRESETS if p.name == name), None)


def replaces_own_prompt(prompt: str, known: Iterable[str]) -> bool:
    """Whether applying a preset would replace a prompt the user wrote: one that is not empty
    and is none of the `known` texts (the presets' prompts, the default one). The window asks
    before replacing it."""
    return bool(prompt.strip()) and prompt not in set(known)
