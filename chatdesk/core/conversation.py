"""A conversation: system prompt, pinned few-shot examples, history, parameters, profile name.

History changes go through methods so that observers (the token ledger, the window's list
model) hear which index changed first and can update only from there.

A conversation opened from a file keeps its messages as the file's checked JSON items and builds
each `Message` on first access: the window shows only the newest messages at first, and a
worker builds the rest (`build_all`) while it counts their tokens. A lock makes building safe
across those two threads; only the GUI thread (or a single-threaded caller) changes the history.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import msgspec
import msgspec.structs

from chatdesk.core import alternatives
from chatdesk.core.choices import Api, HistoryKeeper, TrimPolicy
from chatdesk.core.messages import Message, RawMessage, call_summary, now_iso, parts_text

TRIM_POLICIES = TrimPolicy.values()
RESPONSE_FORMATS = ("text", "json_object")
# How hard a reasoning model thinks, and how long gpt-5's answers are, as the API names them
# (https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort).
# Which of these a model takes is its own: a refused value is adjusted away by the service.
REASONING_EFFORTS = ("minimal", "low", "medium", "high")
VERBOSITIES = ("low", "medium", "high")
# The reasoning summary the Responses API writes, as it names them
# (https://platform.openai.com/docs/api-reference/responses/create#responses-create-reasoning).
REASONING_SUMMARIES = ("auto", "concise", "detailed")
# The API a conversation is sent through, and who keeps a Responses conversation's history
# (core/choices.py).
API_KINDS = Api.values()
HISTORY_KEEPERS = HistoryKeeper.values()


class GenerationParams(msgspec.Struct):
    """Request parameters. None means "leave it to the service's default"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None  # also the reserve kept free for the reply when trimming
    stop: list[str] = msgspec.field(default_factory=list)
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    response_format: str = "text"
    reasoning_effort: str | None = None  # one of REASONING_EFFORTS (or a newer model's own)
    verbosity: str | None = None  # one of VERBOSITIES (gpt-5)
    reasoning_summary: str | None = None  # one of REASONING_SUMMARIES (Responses API only)
    stream: bool = True  # False: ask for the whole reply at once

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}
        if not self.stop:
            out.pop("stop")
        if self.response_format == "text":
            out.pop("response_format")
        if self.stream:
            out.pop("stream")
        return out


class TrimSettings(msgspec.Struct):
    """How history is fitted to the model: drop oldest by tokens, keep N turns, or stop."""

    policy: str = TrimPolicy.TOKENS
    limit: int | None = None  # context window; None: the model family's
    max_turns: int = 20  # for the "turns" policy
    whole_turns: bool = True  # drop a user message together with its replies

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}


HistoryListener = Callable[[int], None]


class Conversation:
    """Everything one chat holds, and never a secret (the profile is referenced by name)."""

    def __init__(
        self,
        system_prompt: str = "",
        examples: list[Message] | None = None,
        history: Iterable[Message | RawMessage] | None = None,
        params: GenerationParams | None = None,
        trimming: TrimSettings | None = None,
        profile: str | None = None,
        model: str | None = None,
        title: str = "",
    ) -> None:
        self.system_prompt = system_prompt
        self.system_name: str | None = None
        self.examples: list[Message] = list(examples or [])
        # A RawMessage entry is built into a Message in place on first access.
        self._history: list[Message | RawMessage] = list(history or [])
        self._lock = threading.RLock()  # building vs. structural changes, across threads
        self.params = params or GenerationParams()
        # Request fields chatdesk does not set itself (tools, tool_choice, a json_schema
        # response_format, reasoning_effort, user, metadata, ...): sent and saved as they came.
        self.request_extra: dict[str, Any] = {}
        self.trimming = trimming or TrimSettings()
        # One of API_KINDS, or None: the profile's (or the model's) default.
        self.api: str | None = None  # an `Api`; None: the profile's
        self.history_keeper: str = HistoryKeeper.CHATDESK  # (Responses API only)
        self.profile = profile
        # The profile's deployment this conversation sends to (picked in the toolbar or with
        # `chatdesk send --deployment`); None: the profile's default.
        self.deployment: str | None = None
        self.model = model  # the model behind the deployment, for counting; None: unknown
        self.title = title
        self.pinned_in_list = False  # kept on top of the library's list ("pinned" in the file)
        self.draft = ""
        # Images attached to the draft: `image_url` content parts, ready to send (see
        # service/image_prep.py); saved with the draft so nothing attached is lost.
        self.draft_images: list[dict[str, Any]] = []
        # Its file's top-level fields chatdesk does not know (another tool's, added by hand),
        # and those inside its "params" and "trimming": every save writes them back as they
        # came (`messages.unknown_fields`). Held here, not in `params` / `trimming`, which an edit
        # replaces whole; never sent (a request field chatdesk does not set is `request_extra`).
        self.kept_fields: dict[str, Any] = {}
        self.kept_params: dict[str, Any] = {}
        self.kept_trimming: dict[str, Any] = {}
        self.created_at = now_iso()
        self._listeners: list[HistoryListener] = []
        self._system: Message | None = None
        # The system message as its file held it (role, content parts, unknown fields): the
        # prompt is sent in that shape while its text is unchanged.
        self._system_source: Message | None = None

    # -- observation -------------------------------------------------------------------------
    def subscribe(self, listener: HistoryListener) -> None:
        """`listener(i)` is called after history[i:] changed (inserted, removed or edited)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: HistoryListener) -> None:
        """Stop calling `listener`; nothing happens if it is not subscribed."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self, index: int) -> None:
        for listener in list(self._listeners):
            listener(index)

    # -- history -----------------------------------------------------------------------------
    @property
    def history(self) -> tuple[Message, ...]:
        """A read-only view; change it through the methods below."""
        return tuple(self.messages())

    def __len__(self) -> int:
        return len(self._history)

    def __iter__(self) -> Iterator[Message]:
        for index, item in enumerate(self._history):
            yield item if isinstance(item, Message) else self._build(index)

    def __getitem__(self, index: int) -> Message:
        item = self._history[index]
        return item if isinstance(item, Message) else self._build(index)

    def messages(self, start: int = 0, stop: int | None = None) -> list[Message]:
        """history[start:stop] as a list: what a loop over thousands of messages should read."""
        items = self._history[start:stop]
        first = slice(start, stop).indices(len(self._history))[0]
        for offset, item in enumerate(items):
            if not isinstance(item, Message):
                items[offset] = self._build(first + offset)
        return items  # type: ignore[return-value]  # every entry is a Message now

    def _build(self, index: int) -> Message:
        with self._lock:  # another thread may be building the same entry
            item = self._history[index]
            if not isinstance(item, Message):
                item = self._history[index] = Message.from_raw(item)
                self._link_result(index, item)
            return item

    def _link_result(self, index: int, message: Message) -> None:
        """Note on a tool result at `index` the call it answers: in the assistant message just
        before it and its sibling results (Azure's order), so the walk is as short as those."""
        ref = message.extra.get("tool_call_id") if message.role == "tool" else None
        if not isinstance(ref, str) or message.answers is not None:
            return
        i = index - 1
        while i >= 0 and _role(self._history[i]) == "tool":
            i -= 1
        if i < 0:
            return
        item = self._history[i]
        calls = item.tool_calls if isinstance(item, Message) else item.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, dict) and call.get("id") == ref:
                message.answers = call_summary(call)
                return

    def build_all(
        self, chunk: int = 500, pause: Callable[[], object] | None = None
    ) -> list[Message]:
        """Build every message still held as file data; returns the history as a list.

        For a worker: the lock is held one chunk at a time, so the GUI thread reading its rows
        never waits long, and `pause` runs between chunks (a short sleep hands the GIL to
        the GUI thread). A change meanwhile may shift entries past a chunk boundary; the last
        pass, under the lock, builds whatever that skipped.
        """
        start = 0
        while True:
            with self._lock:
                history = self._history
                stop = min(start + chunk, len(history))
                for index in range(start, stop):
                    item = history[index]
                    if not isinstance(item, Message):
                        history[index] = message = Message.from_raw(item)
                        self._link_result(index, message)
                if stop >= len(history):
                    return self.messages()
            start = stop
            if pause is not None:
                pause()

    def snapshot(self) -> Conversation:
        """A shallow copy to serialise on another thread while this one changes.

        Costs a copy of the history's list of references (C speed: ~30 µs for 10,000
        messages), not a walk of the messages. The copy shares the message objects: a reply
        streaming meanwhile may show a little more text in it than it had when taken.
        """
        copy = Conversation.__new__(Conversation)
        copy.__dict__.update(self.__dict__)
        with self._lock:
            copy._history = list(self._history)
        copy._lock = threading.RLock()
        copy._listeners = []
        copy.examples = list(self.examples)
        copy.request_extra = dict(self.request_extra)
        return copy

    def unbuilt(self) -> int:
        """How many messages are still file data, not yet built."""
        return sum(not isinstance(item, Message) for item in self._history)

    def contents(self, start: int = 0) -> Iterator[Any]:
        """history[start:]'s contents (text, or a list of content parts), without building
        messages: asking what a long history holds while its messages are still being built
        does not build them all on the asking (GUI) thread."""
        for item in self._history[start:]:
            yield item.api_content() if isinstance(item, Message) else item.get("content")

    def texts(self) -> Iterator[str]:
        """The history's message texts, without building messages (search reads them all)."""
        for item in self._history:
            yield item.content if isinstance(item, Message) else parts_text(item.get("content"))

    def message_times(self, last: int) -> list[str | None]:
        """The `created_at` of the last `last` history messages (None where unknown), and of
        every message the turns' other versions keep (core/alternatives.py): the same stamps
        whichever version of a turn is shown, so flipping between versions is no activity.
        Every message is looked at (any one may hold versions: an early question edited and
        resent), without building messages: 15 ms for 25,000 read from a file, whose library
        write (the caller's) took 975 ms on the same machine."""
        times: list[str | None] = []
        for item in self._history[-last:] if last > 0 else ():
            if isinstance(item, Message):
                times.append(item.meta.created_at)
            else:
                meta = item.get("metadata")
                stamp = meta.get("created_at") if isinstance(meta, dict) else None
                times.append(stamp if isinstance(stamp, str) else None)
        for item in self._history:
            if kept := _alternatives(item):
                times += alternatives.stamps(kept)
        return times

    def version_texts(self) -> list[tuple[int, int, str]]:
        """(holder, index, text) of every message the turns' other versions keep
        (core/alternatives.py, versions kept inside versions too), `holder` being the history
        message that holds them, in history order, and `index` the one the message has in
        its version (shown, it would be history message `index`): the library's search finds
        a reply regenerated away too. Builds no message."""
        found: list[tuple[int, int, str]] = []
        for holder, item in enumerate(self._history):
            if kept := _alternatives(item):
                found += [(holder, holder + place, text)
                          for place, text in alternatives.texts(kept)]  # fmt: skip
        return found

    def append(self, message: Message) -> int:
        with self._lock:
            self._history.append(message)
            index = len(self._history) - 1
            self._link_result(index, message)
        self._changed(index)
        return index

    def remove(self, index: int) -> Message:
        with self._lock:
            message = self[index]
            del self._history[index]
        self._changed(index)
        return message

    def insert(self, index: int, messages: list[Message]) -> None:
        """Put `messages` back at `index` (undoing a removal)."""
        with self._lock:
            self._history[index:index] = messages
            for offset, message in enumerate(messages):
                self._link_result(index + offset, message)
        self._changed(index)

    def remove_range(self, index: int, count: int) -> list[Message]:
        """Drop history[index:index + count]; returns the messages."""
        with self._lock:
            removed = self.messages(index, index + count)
            del self._history[index : index + count]
        self._changed(index)
        return removed

    def truncate(self, index: int) -> list[Message]:
        """Drop history[index:] (edit-and-resend and regenerate replace the later turns)."""
        with self._lock:
            dropped = [self[i] for i in range(*slice(index, None).indices(len(self._history)))]
            del self._history[index:]
        self._changed(index)
        return dropped

    def set_content(self, index: int, content: str) -> None:
        self[index].content = content
        self._changed(index)

    def set_tool_calls(self, index: int, calls: list[dict[str, Any]]) -> None:
        """A reply's tool calls (see `Message.set_tool_calls`)."""
        self[index].set_tool_calls(calls)
        self._changed(index)

    def meta_changed(self, index: int) -> None:
        """Tell observers history[index]'s meta changed in place (an error, a finish_reason,
        `include`): whether its turn is sent may have changed (core/sending.py)."""
        self._changed(index)

    def set_include(self, index: int, include: bool | None) -> None:
        """The user's choice for history[index] in later requests: True "Include again",
        False "Leave out", None the rule for failed turns (core/sending.py)."""
        self[index].meta.include = include
        self._changed(index)

    def append_content(self, index: int, delta: str) -> None:
        """Add a streamed delta to a message (the newest, in practice)."""
        self[index].content += delta
        self._changed(index)

    def index_of(self, message: Message) -> int:
        for i in range(len(self._history) - 1, -1, -1):
            if self._history[i] is message:  # an entry not built yet is not `message`
                return i
        raise ValueError("message is not in this conversation")

    def take_older(self, older: Conversation) -> int:
        """Put `older`'s history before this one's and take its system message and examples:
        the rest of a file whose newest messages were read first (core/file_steps.py). Its
        entries stay file data until read. Returns how many history messages came."""
        with self._lock:
            self._history[:0] = older._history
        if older._system_source is not None:
            self.set_system_message(older._system_source)
        self.examples = list(older.examples)
        self._changed(0)
        return len(older._history)

    # -- the request -------------------------------------------------------------------------
    def set_system_message(self, message: Message) -> None:
        """Use a file's leading system or developer message as the system prompt."""
        self._system_source = self._system = message
        self.system_prompt, self.system_name = message.content, message.name

    @property
    def system_role(self) -> str:
        """The system prompt's role: "developer" when the file gave it as one, else "system"."""
        return self._system_source.role if self._system_source is not None else "system"

    def set_system_role(self, role: str) -> None:
        """Give the system prompt `role` ("system" or "developer"), in the file and in the
        requests of a model that takes either (`request_params.system_role_choices`)."""
        source = self._system_source
        message = source.copy() if source is not None else Message("system", self.system_prompt)
        message.role = role
        self._system_source, self._system = message, None

    def system_message(self) -> Message | None:
        if not self.system_prompt:
            return None
        # Reused while the text is the same object, so its token count stays cached.
        cached = self._system
        if cached is None or cached.content is not self.system_prompt:
            source = self._system_source
            if source is None:
                cached = Message("system", self.system_prompt)
            else:  # the file's shape, with the new text (see Message.api_content)
                cached = source.copy()
                cached.content = self.system_prompt
            self._system = cached
        cached.name = self.system_name
        return cached

    def pinned(self) -> list[Message]:
        """The system message and the examples: always sent, never trimmed."""
        system = self.system_message()
        return ([system] if system else []) + self.examples

    def all_messages(self) -> list[Message]:
        """Every message in file order: system, examples, history."""
        return self.pinned() + self.messages()


def _role(item: Message | RawMessage) -> object:
    return item.role if isinstance(item, Message) else item.get("role")


def _alternatives(item: Message | RawMessage) -> Any:
    """The `meta.alternatives` of a history item, built or still file data (None: none)."""
    if isinstance(item, Message):
        return item.meta.alternatives
    meta = item.get("metadata")
    return meta.get("alternatives") if isinstance(meta, dict) else None
