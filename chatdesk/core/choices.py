"""The small closed sets of values chatdesk reads and writes, as enums.

Each member is its own string (`Choice` subclasses `str`, like Python 3.11's `enum.StrEnum`,
which 3.10 lacks): a conversation file, the settings and a request body hold the same text as
before, `json.dumps` writes it as is, and a member equals its string, so a value read from a
file compares alike either way. Code names the member (`Api.RESPONSES`), never the bare text.
"""

from __future__ import annotations

from enum import Enum


class Choice(str, Enum):
    """A member is shown, formatted and saved as its value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The values in order, e.g. for argparse's `choices` or an error message."""
        return tuple(str(member.value) for member in cls)


class Api(Choice):
    """The API a conversation is sent through (core/responses_request.py)."""

    CHAT = "chat"  # Chat Completions: POST .../chat/completions
    RESPONSES = "responses"  # the Responses API: POST .../responses


class HistoryKeeper(Choice):
    """Who keeps a Responses conversation's history: chatdesk sends it trimmed as `input`, or
    the service stores each response and chatdesk sends only what is new after the last one
    (`previous_response_id`, `truncation: "auto"`)."""

    CHATDESK = "chatdesk"
    SERVICE = "service"


class TrimPolicy(Choice):
    """How history is fitted to the model's limit (core/trimming.py): drop the oldest turns
    by tokens, keep the last N turns, or stop and ask for a new conversation."""

    TOKENS = "tokens"
    TURNS = "turns"
    STOP = "stop"


class FinishReason(Choice):
    """Why a reply ended, as Chat Completions says it (`choices[].finish_reason`,
    https://platform.openai.com/docs/api-reference/chat/object)."""

    STOP = "stop"
    LENGTH = "length"  # cut at max_tokens or the context window: Continue goes on
    CONTENT_FILTER = "content_filter"  # Azure's content filter stopped it
    TOOL_CALLS = "tool_calls"
    FUNCTION_CALL = "function_call"  # the deprecated single-function form


class ImageDetail(Choice):
    """How closely a vision model reads an image (`image_url.detail`,
    https://learn.microsoft.com/azure/ai-foundry/openai/how-to/gpt-with-vision)."""

    AUTO = "auto"
    LOW = "low"
    HIGH = "high"


class Theme(Choice):
    """The window's colours: follow the desktop, or always light or dark (ui/palette.py)."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class EntraMode(Choice):
    """How a profile signs in with Microsoft Entra ID (service/entra.py)."""

    BROWSER = "browser"
    DEVICE_CODE = "device-code"
    # DefaultAzureCredential: Azure CLI / azd / PowerShell / environment / managed identity.
    DEFAULT = "default"

    @property
    def interactive(self) -> bool:
        return self is not EntraMode.DEFAULT
