"""A conversation: system prompt, pinned few-shot examples, history, parameters, profile name.

History changes go through methods so that observers (the token ledger, the window's list
model) hear which index changed first and can update only from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chatdesk.core.messages import Message, now_iso

TRIM_POLICIES = ("tokens", "turns", "stop")
RESPONSE_FORMATS = ("text", "json_object")


@dataclass
class GenerationParams:
    """Request parameters. None means "leave it to the service's default"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None  # also the reserve kept free for the reply when trimming
    stop: list[str] = field(default_factory=list)
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    response_format: str = "text"

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v is not None}
        if not self.stop:
            out.pop("stop")
        if self.response_format == "text":
            out.pop("response_format")
        return out


@dataclass
class TrimSettings:
    """How history is fitted to the model: drop oldest by tokens, keep N turns, or stop."""

    policy: str = "tokens"
    limit: int | None = None  # context window; None: the model family's
    max_turns: int = 20  # for the "turns" policy
    whole_turns: bool = True  # drop a user message together with its replies

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


HistoryListener = Callable[[int], None]


class Conversation:
    """Everything one chat holds, and never a secret (the profile is referenced by name)."""

    def __init__(
        self,
        system_prompt: str = "",
        examples: list[Message] | None = None,
        history: list[Message] | None = None,
        params: GenerationParams | None = None,
        trimming: TrimSettings | None = None,
        profile: str | None = None,
        model: str | None = None,
        title: str = "",
    ) -> None:
        self.system_prompt = system_prompt
        self.system_name: str | None = None
        self.examples: list[Message] = list(examples or [])
        self._history: list[Message] = list(history or [])
        self.params = params or GenerationParams()
        self.trimming = trimming or TrimSettings()
        self.profile = profile
        self.model = model  # the model behind the deployment, for counting; None: unknown
        self.title = title
        self.draft = ""
        self.created_at = now_iso()
        self._listeners: list[HistoryListener] = []
        self._system: Message | None = None

    # -- observation -------------------------------------------------------------------------
    def subscribe(self, listener: HistoryListener) -> None:
        """`listener(i)` is called after history[i:] changed (inserted, removed or edited)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: HistoryListener) -> None:
        self._listeners.remove(listener)

    def _changed(self, index: int) -> None:
        for listener in list(self._listeners):
            listener(index)

    # -- history -----------------------------------------------------------------------------
    @property
    def history(self) -> tuple[Message, ...]:
        """A read-only view; change it through the methods below."""
        return tuple(self._history)

    def __len__(self) -> int:
        return len(self._history)

    def __iter__(self) -> Iterator[Message]:
        return iter(self._history)

    def __getitem__(self, index: int) -> Message:
        return self._history[index]

    def append(self, message: Message) -> int:
        self._history.append(message)
        self._changed(len(self._history) - 1)
        return len(self._history) - 1

    def remove(self, index: int) -> Message:
        message = self._history.pop(index)
        self._changed(index)
        return message

    def truncate(self, index: int) -> list[Message]:
        """Drop history[index:] (edit-and-resend and regenerate replace the later turns)."""
        dropped = self._history[index:]
        del self._history[index:]
        self._changed(index)
        return dropped

    def set_content(self, index: int, content: str) -> None:
        self._history[index].content = content
        self._changed(index)

    def append_content(self, index: int, delta: str) -> None:
        """Add a streamed delta to a message (the newest, in practice)."""
        self._history[index].content += delta
        self._changed(index)

    def index_of(self, message: Message) -> int:
        for i in range(len(self._history) - 1, -1, -1):
            if self._history[i] is message:
                return i
        raise ValueError("message is not in this conversation")

    # -- the request -------------------------------------------------------------------------
    def system_message(self) -> Message | None:
        if not self.system_prompt:
            return None
        # Reused while the text is the same object, so its token count stays cached.
        cached = self._system
        if cached is None or cached.content is not self.system_prompt:
            cached = self._system = Message("system", self.system_prompt)
        cached.name = self.system_name
        return cached

    def pinned(self) -> list[Message]:
        """The system message and the examples: always sent, never trimmed."""
        system = self.system_message()
        return ([system] if system else []) + self.examples

    def all_messages(self) -> list[Message]:
        """Every message in file order: system, examples, history."""
        return self.pinned() + self._history
