"""A request ready to send, and the connection test's outcome: what `ChatService` hands out."""

from __future__ import annotations

from typing import Any

import msgspec

from chatdesk.core.choices import Api
from chatdesk.core.deployments import READ_TIMEOUT
from chatdesk.core.messages import MessageMeta
from chatdesk.core.profiles import CLI_PROFILE_NAME, ENV_PROFILE_NAME, ConnectionProfile
from chatdesk.core.trimming import TrimPlan
from chatdesk.service.events import ChatError


class PreparedRequest(msgspec.Struct):
    """A request ready to send: the body for `chat.completions.create` (`api` "chat") or
    `responses.create` (`api` "responses") and where it goes.

    `read_timeout` is the seconds of silence after which the request counts as dead (the
    deployment's setting, else its model's default); `note_key` names the deployment in the
    settings' `deployments`. `fallback_body`: for a request continuing from a stored response
    (`previous_response_id`), the one sending the history instead, for when the service no
    longer has that response."""

    body: dict[str, Any]
    plan: TrimPlan | None  # None for the connection test's ping
    profile: ConnectionProfile
    url: str
    read_timeout: float = READ_TIMEOUT
    note_key: str = ""
    conversation_streams: bool = True  # False: the conversation's Stream parameter is off
    api: str = Api.CHAT
    fallback_body: dict[str, Any] | None = None
    continuing: bool = False  # Continue: the reply it adds to has earlier parts

    def record_source(self, meta: MessageMeta) -> None:
        """Note in a reply's metadata the profile and deployment this request goes to (the
        reply's cost uses their prices: core/pricing.py) and, until the API names the model
        that answered, the model the profile declares for it. A reply being continued
        (`continuing`: called before this request's part is recorded) keeps where its earlier
        parts were made (`part_sources`): Continue may go elsewhere. The window and
        `chatdesk send` alike."""
        if self.continuing and meta.usage and meta.part_sources is None:  # its parts so far
            made = {"profile": meta.profile, "deployment": meta.deployment}
            meta.part_sources = [dict(made) for _part in meta.usage_parts or [meta.usage]]
        # A saved profile's name; the ones `chatdesk send` makes from the environment or its
        # options are no profile to look prices up in (priced where the file is opened).
        adhoc = self.profile.name in (ENV_PROFILE_NAME, CLI_PROFILE_NAME)
        meta.profile = None if adhoc else self.profile.name
        meta.deployment = self.profile.deployment.strip() or None
        meta.model = meta.model or self.profile.model

    def add_user_message(self, text: str) -> None:
        """Send `text` as one more user message at the end (Continue's prompt), in the
        request's API's shape: a message, or an input item."""
        message = {"role": "user", "content": text}
        for body in (self.body, self.fallback_body):
            if body is not None:
                body["messages" if self.api == Api.CHAT else "input"].append(message)


class Diagnosis(msgspec.Struct):
    """The outcome of `test_connection`: where it went, how it authenticated, what came back."""

    url: str
    auth_kind: str
    latency_ms: float | None
    ok: bool
    error: ChatError | None = None
    model: str | None = None
    proxy: str | None = None  # the proxy the request went through (no user:password), or None
