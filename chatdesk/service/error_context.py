"""What a failed request was, for the modules that put its failure into words (errors.py,
network_errors.py): the request's context and the chain of exceptions behind a failure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import msgspec


class ErrorContext(msgspec.Struct, frozen=True):
    """What the request was, so a message can name the profile, deployment and host."""

    profile: str = ""
    kind: str = ""  # the profile's kind: azure-v1, azure-api-version, openai-compatible
    deployment: str = ""
    url: str = ""
    auth: str = ""  # "key", "entra" or "" (none)
    # Values to scrub from any text we show; a callable, so a token fetched later counts too.
    secrets: Callable[[], Iterable[str]] = lambda: ()
    read_timeout: float | None = None  # seconds of silence the request was allowed
    auth_header: str = ""  # a header of the user's sent instead of the profile's credentials

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url or "the endpoint"

    @property
    def named(self) -> str:
        return f"profile {self.profile!r}" if self.profile else "this profile"


def exception_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and its causes/contexts, outermost first (loops cut)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
