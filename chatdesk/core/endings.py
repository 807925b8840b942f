"""How a reply ended, when it did not end normally, in words: the one rule the transcript's
badge, the Markdown export's note and Continue follow.

A reply that broke off says why: Stop, a dropped connection (the reply is partial and the
network is the suspect), the service itself failing the reply over an intact stream
(`response.failed`, or an `error` event in a Chat Completions stream: the model or the service
is the suspect), or a file that does not say (older chatdesk). A reply made by more than one
request (Continue) keeps how each earlier part ended (`MessageMeta.continued`), so "Stopped
by you, then continued" stays said after the continuation finished.
"""

from __future__ import annotations

from chatdesk.core.choices import FinishReason
from chatdesk.core.messages import Message, MessageMeta

# How a part of a reply ended, as `MessageMeta.continued` keeps it: one of these, or the
# finish_reason the service gave ("stop", "length", "content_filter", ...).
STOPPED = "stopped"
DROPPED = "dropped"
SERVICE_FAILED = "service_failed"
INCOMPLETE = "incomplete"

_WORDS = {
    STOPPED: "Stopped by you",
    DROPPED: "Connection dropped — the reply is partial",
    SERVICE_FAILED: "The service could not finish the reply — it is partial",
    INCOMPLETE: "Incomplete — the reply was cut off",
}
# An earlier part of a continued reply, said before ", then continued".
_PART_WORDS = {
    STOPPED: "Stopped by you",
    DROPPED: "Connection dropped",
    SERVICE_FAILED: "The service could not finish it",
    INCOMPLETE: "Cut off",
    FinishReason.LENGTH: "Cut at the length limit",
    FinishReason.CONTENT_FILTER: "Filtered",
}


def ending(meta: MessageMeta) -> str | None:
    """How the reply broke off (STOPPED, SERVICE_FAILED, DROPPED, INCOMPLETE), or None when
    it did not (it ended with a finish_reason, or it is not a reply)."""
    if meta.stopped:
        return STOPPED
    if meta.incomplete and meta.error:
        return SERVICE_FAILED if meta.service_failed else DROPPED
    if meta.incomplete:  # a file that does not say why (older chatdesk)
        return INCOMPLETE
    return None


def ending_text(meta: MessageMeta) -> str | None:
    """The badge of how the reply broke off ("Stopped by you"...), or None."""
    kind = ending(meta)
    return _WORDS[kind] if kind is not None else None


def continued_text(meta: MessageMeta) -> str | None:
    """How a continued reply was made: "Stopped by you, then continued" (one clause per
    Continue, in order), or None for a reply made by one request."""
    if not meta.continued:
        return None
    clauses = [f"{_PART_WORDS.get(kind, 'Finished')}, then continued" for kind in meta.continued]
    return "; ".join([clauses[0], *(c[0].lower() + c[1:] for c in clauses[1:])])


def begin_continue(meta: MessageMeta) -> None:
    """A reply about to be continued (Continue): how its part so far ended is kept in
    `continued`, and it is awaited again (no finish_reason yet, incomplete until one comes)."""
    meta.continued = [*(meta.continued or []), ending(meta) or meta.finish_reason or INCOMPLETE]
    meta.finish_reason, meta.incomplete, meta.pending = None, True, True
    meta.stopped = False


def continuable(message: Message) -> bool:
    """Whether Continue is offered on the reply: cut at the length limit, or stopped by the
    user after some text (one stopped before its first word has nothing to go on from)."""
    meta = message.meta
    return meta.finish_reason == FinishReason.LENGTH or (meta.stopped and bool(message.content))


def requests_text(meta: MessageMeta) -> str | None:
    """The footer's count of a continued reply's requests: "2 requests", and how many
    reported no usage (a stopped request ends before its usage arrives), or None for one."""
    count = max(len(meta.continued or []) + 1, len(meta.usage_parts or []))
    if count < 2:
        return None
    reported = len(meta.usage_parts) if meta.usage_parts else (1 if meta.usage else 0)
    missing = count - reported
    return f"{count} requests" + (f" ({missing} without usage)" if missing > 0 else "")
