"""What FakeAzure does with the next request: a `Reply`, or a way of failing at the wire level
(`Drop`, `Hang`, `Malformed`, `Trickle`); `Fail` (fake_azure_errors) and `Failed`
(fake_responses) complete the `Behaviour` union."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from tests.support.fake_azure_errors import Fail
    from tests.support.fake_responses import Failed

if TYPE_CHECKING:
    pass


@dataclass
class Reply:
    """A successful completion. ``text=None`` echoes "You said: <last user message>".

    One ``chunk_size`` piece counts as one completion token (``max_tokens`` truncates to
    that many pieces with finish_reason "length"). ``drop_after=N`` hangs up after N
    content chunks mid chunked body: the openai SDK raises ``APIConnectionError``
    (``RemoteProtocolError: incomplete chunked read``) while iterating, after having
    yielded those N chunks, never a finish_reason.
    """

    text: str | None = None
    chunk_size: int = 8
    finish_reason: str | None = "stop"
    delay: float = 0.0
    first_byte_delay: float = 0.0
    flagged: dict[str, str] | None = None
    completion_tokens: int | None = None
    drop_after: int | None = None
    prompt_tokens: int | None = None
    linger_after_done: float = 0.0  # seconds before the body's end follows [DONE]
    # A reasoning model's silence: headers and the prompt-filter chunk, then nothing for
    # `think` seconds before the first content chunk (first_byte_delay waits before headers).
    think: float = 0.0
    reasoning_tokens: int = 0  # reported in usage.completion_tokens_details
    cached_tokens: int = 0  # reported in usage.prompt_tokens_details
    # The finish chunk's delta as Azure may send it: {} (default), None, or ABSENT (no key).
    finish_delta: Any = field(default_factory=dict)
    # Choice objects sent after the finish chunk, such as the asynchronous content filter's
    # annotation-only chunks (no delta): see `annotation_choice`.
    after_finish: list[dict[str, Any]] = field(default_factory=list)
    plain_json: bool = False  # answer a streaming request with one chat.completion JSON body
    # Tool calls the reply asks for ({"id", "type", "function": {"name", "arguments"}}), streamed
    # as Azure does: a first delta with id and name per call, then pieces of the arguments.
    tool_calls: list[dict[str, Any]] | None = None
    # Responses API: the reasoning summary's parts, sent when the request asks for a summary.
    summary: list[str] | None = None


ABSENT: Any = object()  # a JSON key left out altogether


@dataclass
class Drop:
    """Read the request, then close the connection without any response."""


@dataclass
class Hang:
    """Read the request and send nothing until ``seconds`` pass, ``release()`` or ``stop()``.

    Afterwards the connection is closed, or ``then`` is served if given (not after stop()).
    """

    seconds: float = 30.0
    then: Behaviour | None = None


@dataclass
class Malformed:
    """200 with a body the client cannot parse; for streams one garbage SSE event.

    The openai SDK lets ``json.JSONDecodeError`` escape for both (not an ``APIError``).
    """

    body: str = '{"id": "chatcmpl-trunc'
    content_type: str = "application/json"


@dataclass
class Trickle:
    """200 with stream headers, then one SSE comment byte pair (``:\\n``) every ``interval``
    seconds, never an answer: no read timeout ever fires. Ends at ``stop()`` or after
    ``seconds``."""

    interval: float = 2.0
    seconds: float = 60.0


Behaviour: TypeAlias = "Reply | Fail | Drop | Hang | Malformed | Trickle | Failed"
