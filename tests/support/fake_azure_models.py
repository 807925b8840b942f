"""What a deployment's model accepts (`AzureModel`), with presets for the models the issues name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_azure_errors import INVALID_REQUEST, Fail
from tests.support.fake_azure_images import image_parts


@dataclass
class AzureModel:
    """What a deployment's model accepts; a request it does not is answered with Azure's 400
    (one problem at a time, in the order Azure checks them) before any behaviour is taken.

    The presets below are the models the reasoning-models issue names.
    """

    unsupported: dict[str, str | None] = field(default_factory=dict)  # param -> "use X instead"
    fixed_sampling: bool = False  # temperature/top_p other than 1: unsupported_value
    roles: frozenset[str] = frozenset({"system", "developer", "user", "assistant", "tool"})
    streaming: bool = True
    reasoning_efforts: tuple[str, ...] | None = None  # None: no reasoning_effort at all
    vision: bool = True  # takes image_url content parts
    chat_completions: bool = True  # False: served by the Responses API only (gpt-5-codex)
    name: str = ""  # the model's name, as Azure's refusals quote it

    @classmethod
    def gpt35_turbo(cls) -> AzureModel:
        """A chat model without image input."""
        return cls(vision=False)

    @classmethod
    def o1_mini(cls) -> AzureModel:
        return cls(
            unsupported={"max_tokens": "max_completion_tokens", "temperature": None},
            roles=frozenset({"user", "assistant"}),
        )

    @classmethod
    def o1(cls) -> AzureModel:
        return cls(
            unsupported={"max_tokens": "max_completion_tokens", "temperature": None},
            # o1 takes a system message as a developer one; o1-mini takes neither.
            streaming=False,
            reasoning_efforts=("low", "medium", "high"),
        )

    @classmethod
    def gpt5(cls) -> AzureModel:
        return cls(
            unsupported={"max_tokens": "max_completion_tokens"},
            fixed_sampling=True,
            reasoning_efforts=("minimal", "low", "medium", "high"),
        )

    @classmethod
    def gpt5_codex(cls) -> AzureModel:
        """A model served by the Responses API only: Chat Completions answers 400."""
        return cls(
            unsupported={"max_tokens": "max_completion_tokens"},
            fixed_sampling=True,
            reasoning_efforts=("low", "medium", "high"),
            chat_completions=False,
            name="gpt-5-codex",
        )

    def check(self, body: dict[str, Any]) -> Fail | None:
        """The 400 this model answers `body` with, or None when it accepts it."""
        if "messages" in body and not self.chat_completions:
            return Fail(
                400,
                "OperationNotSupported",
                f"The chatCompletion operation does not work with the specified model, "
                f"{self.name}. Please choose different model and try again. You can learn "
                "more about which models can be used with each operation here: "
                "https://go.microsoft.com/fwlink/?linkid=2197993.",
            )
        for param, instead in self.unsupported.items():
            if param in body:
                return Fail.unsupported_parameter(param, instead)
        if self.fixed_sampling:
            for param in ("temperature", "top_p"):
                if param in body and body[param] != 1:
                    return Fail.unsupported_value(
                        param, body[param], "Only the default (1) value is supported."
                    )
        effort = body.get("reasoning_effort")
        if effort is not None:
            if self.reasoning_efforts is None:
                return Fail.unsupported_parameter("reasoning_effort")
            if effort not in self.reasoning_efforts:
                names = ", ".join(f"'{e}'" for e in self.reasoning_efforts)
                return Fail.unsupported_value(
                    "reasoning_effort", effort, f"Supported values are: {names}."
                )
        reasoning = body.get("reasoning") if "input" in body else None
        if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
            # The Responses API names the nested field by its path, and lists the values as
            # OpenAI words it: "Supported values are: 'low', 'medium', and 'high'."
            effort = reasoning["effort"]
            if self.reasoning_efforts is None:
                return Fail.unsupported_parameter("reasoning.effort")
            if effort not in self.reasoning_efforts:
                return Fail.unsupported_value(
                    "reasoning.effort", effort,
                    f"Supported values are: {_listed(self.reasoning_efforts)}.",
                )  # fmt: skip
        for i, message in enumerate(body.get("messages") or []):
            role = message.get("role") if isinstance(message, dict) else None
            if role is not None and role not in self.roles:
                return Fail.unsupported_value(f"messages[{i}].role", role)
        if body.get("stream") and not self.streaming:
            return Fail.unsupported_value("stream", True, "Supported values are: false.")
        if not self.vision:
            for i, j, _ in image_parts(body.get("messages")):
                return Fail(
                    400, None,
                    "Invalid content type. image_url is only supported by certain models.",
                    param=f"messages.[{i}].content.[{j}].type", type=INVALID_REQUEST,
                )  # fmt: skip
        return None


def _listed(values: tuple[str, ...]) -> str:
    """ "'low', 'medium', and 'high'" ("'low' and 'high'" for two)."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) < 3:
        return " and ".join(quoted)
    return f"{', '.join(quoted[:-1])}, and {quoted[-1]}"
