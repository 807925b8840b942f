"""What one request learns from the service's 400s, for `ChatService._run`.

Each 400 naming something the deployment does not take is answered by one change to the
request (`core.deployments.adjust`); a change that holds beyond this request is remembered in
the shared notes (the settings' `deployments`) at once, so a window saving meanwhile keeps it.
A change the service then refuses as well is not remembered: both names of the response limit
refused (`max_tokens`, then `max_completion_tokens`) are reported as the service said it, and
the note goes back to what it was before this request.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from chatdesk.core.deployments import (
    LIMIT_PARAMS,
    Adjustment,
    DeploymentNote,
    DeploymentNotes,
    Rejection,
    adjust,
)
from chatdesk.service.events import Adjusted, ChatError

# Changes after 400s within one request: one per kind of thing a model may refuse (the limit
# parameter, sampling parameters, the system role twice, streaming, ...). Each is made once.
MAX_ADJUSTMENTS = 6


class Learning:
    """The adjustments of one request to the deployment `deployment` (`key` in `notes`)."""

    def __init__(self, notes: DeploymentNotes, key: str, deployment: str) -> None:
        self.notes, self.key, self.deployment = notes, key, deployment
        self.before = notes.get(key) if key else DeploymentNote()
        self.kept = self.before  # what is remembered for the deployment
        self.note = self.before  # what this request applies (value fixes for it alone too)
        self.refused: list[str] = []  # the parameters refused so far, in order
        self.count = 0

    def answer(self, rejection: Rejection, body: dict[str, Any]) -> Adjustment | None:
        """The change that answers `rejection` of `body`, now applied to `self.note` (and
        remembered when it holds beyond this request), or None: report the 400 as it is."""
        change = None
        if self.count < MAX_ADJUSTMENTS:
            change = adjust(rejection, body, self.note, self.deployment, self.refused)
        self.refused.append(rejection.param)
        if change is None:
            return None
        self.count += 1
        self.note = change.note
        if change.remember and self.key:
            note = self.note
            once = set(note.dropped) - set(self.kept.dropped) - {rejection.param}
            self.kept = replace(note, dropped=[d for d in note.dropped if d not in once])
            self.notes.put(self.key, self.kept)
        return change

    def adjusted(self, change: Adjustment) -> Adjusted:
        """The event telling the caller what changed (and what to save, when remembered)."""
        remembered = self.kept if change.remember and self.key else None
        return Adjusted(change.said, self.key, remembered)

    def limits_refused(self) -> tuple[str, str] | None:
        """The two names of the response limit in the order the service refused them in
        this request, or None unless it refused both."""
        named = [name for name in self.refused if name in LIMIT_PARAMS]
        return (named[0], named[1]) if len(set(named)) == 2 else None

    def unlearn_limit(self) -> Adjusted | None:
        """Forget the limit parameter this request switched to (the service refused it too):
        the note as it was before, and the event that saves it; None when nothing changed."""
        if self.kept.limit_param == self.before.limit_param or not self.key:
            return None
        self.kept = replace(self.kept, limit_param=self.before.limit_param)
        self.notes.put(self.key, self.kept)
        return Adjusted("", self.key, self.kept)  # nothing to say: the error says it


def both_limits_refused(error: ChatError, deployment: str, first: str, second: str) -> ChatError:
    """The error for a deployment that refused the response limit under both its names: the
    service's words, and what can be done (neither name works, so send none)."""
    return ChatError(
        "The service refused the request",
        error.message.removeprefix("The service said: "),
        f"{deployment} refused {first} and then {second}, the two names of the response limit "
        "(a gateway in front of the deployment may be changing the request): send without a "
        'limit (Max response tokens: Default in Parameters; no "max_tokens" in the file), or '
        "ask the deployment's owner which name it takes.",
        status=error.status,
        code=error.code,
    )
