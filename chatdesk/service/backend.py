"""The seam between the window (or a command) and the chat service: what they call, as a
Protocol. `ChatService` is the implementation; the window's `DeferredService` builds one on
first use and forwards these calls to it; a test may pass any other object that has them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chatdesk.core.budget import Budget
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.service.chat import Diagnosis, PreparedRequest
    from chatdesk.service.events import (
        Adjusted,
        CancelToken,
        ReplyEvent,
        ReplyResult,
        RetryNotice,
    )
    from chatdesk.service.network import Network


class ChatBackend(Protocol):
    """Prepares and sends chat requests. Every method but `prepare` and `close` uses the
    network and blocks: the window calls them on a worker thread."""

    def prepare(
        self,
        conv: Conversation,
        profile: ConnectionProfile,
        *,
        budget: Budget | None = None,
        stream: bool = True,
        continuing: bool = False,
    ) -> PreparedRequest:
        """The request for the conversation's next reply (`continuing`: Continue's, ending
        with its prompt); no network. Raises ChatError."""
        ...

    def stream(
        self, prepared: PreparedRequest, cancel: CancelToken | None = None
    ) -> Iterator[ReplyEvent]:
        """The reply as events, ending with one ReplyResult. Raises ChatError."""
        ...

    def complete(
        self,
        prepared: PreparedRequest,
        cancel: CancelToken | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        on_adjusted: Callable[[Adjusted], None] | None = None,
    ) -> ReplyResult:
        """The whole reply in one response. Raises ChatError."""
        ...

    def test_connection(
        self,
        profile: ConnectionProfile,
        cancel: CancelToken | None = None,
        *,
        network: Network | None = None,
    ) -> Diagnosis:
        """A one-token request, and what came back; `network` instead of the app's choices."""
        ...

    def close(self) -> None:
        """Close the connections kept for reuse."""
        ...


if TYPE_CHECKING:
    from chatdesk.service.chat import ChatService

    def _conforms(service: ChatService) -> ChatBackend:
        return service  # mypy checks that ChatService has every call above
