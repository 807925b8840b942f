"""What a transcript row carries besides its text: the model's item roles, the heading ("You",
"Assistant (name)") and the badges under the message (stopped, cut at the length limit,
filtered, left out, failed...), each with the link that acts on it."""

from __future__ import annotations

import enum

import msgspec

from chatdesk.core.choices import FinishReason
from chatdesk.core.endings import continuable, continued_text, ending_text
from chatdesk.core.messages import Message, MessageMeta
from chatdesk.core.sending import REASON_TEXT
from chatdesk.core.usage import larger_limit, reasoning_exhausted_text, spent_on_reasoning
from chatdesk.service.events import ReplyResult, retry_wait_text
from chatdesk.ui import roles


class Roles(enum.IntEnum):
    Role = roles.USER + 1
    Content = enum.auto()
    Name = enum.auto()
    Tokens = enum.auto()  # from the ledger; None without one
    Meta = enum.auto()
    Sent = enum.auto()  # False: left out of the next request by trimming
    Streaming = enum.auto()
    Uid = enum.auto()


ROLE_LABELS = {
    "user": "You", "assistant": "Assistant", "system": "System", "developer": "Developer",
    "tool": "Tool result", "function": "Function result",
}  # fmt: skip


class Badge(msgspec.Struct, frozen=True):
    """A note under a message. `kind` picks the colour: info, warning, filter or error.

    `action` names the link at the end of the text (continue, retry), if any.
    """

    kind: str
    text: str
    action: str | None = None
    link: str | None = None  # the link's words, at the end of `text`


def heading(message: Message) -> str:
    label = ROLE_LABELS.get(message.role, message.role.title())
    return f"{label} ({message.name})" if message.name else label


def flagged_categories(meta: MessageMeta) -> dict[str, str]:
    """Content-filter categories flagged on the reply or its prompt: {category: severity}."""
    if not meta.content_filter and not meta.prompt_filter:
        return {}
    return ReplyResult(content_filter=meta.content_filter, prompt_filter=meta.prompt_filter).flagged


def reasoning_badge(summary: list[str] | None, shown: bool) -> Badge | None:
    """A Responses reply's collapsible Reasoning part: its summary parts when `shown`."""
    if not summary:
        return None
    if not shown:
        return Badge("reasoning", "Reasoning — Show", "reasoning", "Show")
    text = "\n\n".join(part.strip() for part in summary)
    return Badge("reasoning", f"Reasoning\n{text}\n— Hide", "reasoning", "Hide")


def _elsewhere(mark: object) -> str | None:
    """The badge of a reply another live chatdesk is writing (only a marked reply asks)."""
    from chatdesk.core.in_flight import ELSEWHERE_BADGE, live_elsewhere  # not at first frame

    return ELSEWHERE_BADGE if live_elsewhere(mark) else None


def badges(
    message: Message,
    sent: bool = True,
    streaming: bool = False,
    left_out: str | None = None,
    reasoning_shown: bool = False,
    reply_room: tuple[int, int | None] = (0, None),
) -> list[Badge]:
    """The notes shown under a message, in display order. `sent` False: trimming leaves it
    out; `left_out`: why it is not sent otherwise (see `TranscriptModel.left_out`);
    `reasoning_shown`: the Reasoning part is open; `reply_room`: the reply limit in effect
    and the model's largest reply (`TranscriptModel.reply_room`), which Retry's offer exceeds."""
    meta = message.meta
    out: list[Badge] = []
    reasoning = reasoning_badge(meta.reasoning_summary, reasoning_shown)
    if reasoning is not None:
        out.append(reasoning)
    if not streaming:
        if (made := continued_text(meta)) is not None:  # how a continued reply was made
            out.append(Badge("info", made))
        if meta.writing is not None and (elsewhere := _elsewhere(meta.writing)):
            out.append(Badge("info", elsewhere))  # it grows as the file does
        elif (ended := ending_text(meta)) is not None:
            if meta.stopped and continuable(message):  # go on from where Stop landed
                out.append(Badge("warning", f"{ended} — Continue", "continue", "Continue"))
            else:
                out.append(Badge("warning", ended))
    spent = spent_on_reasoning(message.content, meta.finish_reason, meta.usage)
    if spent is not None and not streaming:
        # Nothing to continue: the retry asks again with room to think and to answer.
        limit = larger_limit(spent, *reply_room)
        if limit is None:  # already the model's largest reply: no larger one to offer
            out.append(Badge("warning", reasoning_exhausted_text(spent, largest=reply_room[1])))
        else:
            link = f"Retry with {limit:,} tokens"
            text = f"{reasoning_exhausted_text(spent)} — {link}"
            out.append(Badge("warning", text, "retry", link))
    elif meta.finish_reason == FinishReason.LENGTH:
        text = "Cut at the length limit — Continue"
        out.append(Badge("warning", text, "continue", "Continue"))
    flagged = flagged_categories(meta)
    if meta.error_code == "content_filter":  # one note: what happened, why, what to do
        out.append(_blocked_badge(meta, left_out))
        return out
    if flagged or meta.finish_reason == FinishReason.CONTENT_FILTER:
        detail = ", ".join(f"{category} ({severity})" for category, severity in flagged.items())
        label = "Filtered by Azure content filter"
        out.append(Badge("filter", f"{label}: {detail}" if detail else label))
    if left_out == "question":  # "Include again" on the question brings both back
        out.append(Badge("info", "Left out with its question"))
    elif left_out is not None:
        why = "Left out by you" if left_out == "you" else REASON_TEXT[left_out]
        out.append(Badge("info", f"{why} — Include again", "include", "Include again"))
    elif not sent:
        out.append(Badge("info", "Left out of the next request"))
    if meta.error:
        out.append(Badge("error", f"{meta.error} — Retry", "retry", "Retry"))
    return out


def _blocked_badge(meta: MessageMeta, left_out: str | None) -> Badge:
    """A question Azure's prompt filter blocked: the filter's words (categories, what to do)
    and whether later requests send it, with the one link that applies."""
    text = "Blocked by the prompt filter"
    detail = (meta.error or "").split(": ", 1)[-1] if meta.error else ""
    if left_out is not None:
        return Badge("filter", f"{text}, so it is not sent again. {detail} — Include again",
                     "include", "Include again")  # fmt: skip
    return Badge("filter", f"{text}. {detail} — Retry", "retry", "Retry")


def streaming_label(writing: bool, since: float, retry_at: float | None, now: float) -> str:
    """A streaming reply's state: "Thinking… 0:42" (the time since the request left, in
    `time.monotonic()` seconds like the others) until its first text arrives (`writing`), as a
    reasoning model thinks first; then "Writing…". After a failed attempt: "Retrying in 3 s…"
    until `retry_at`, then "Retrying… 0:05" (no model thinks while it waits to be sent again)."""
    if writing:
        return "Writing…"
    if retry_at is not None and now < retry_at:
        return retry_wait_text(retry_at - now)
    seconds = int(now - since)
    state = "Retrying…" if retry_at is not None else "Thinking…"
    return f"{state} {seconds // 60}:{seconds % 60:02d}"


def shift_after_remove(row: int | None, first: int, last: int) -> int | None:
    """Where history index `row` is once indexes `first`..`last` are removed (None: removed)."""
    if row is None or row < first:
        return row
    if row <= last:
        return None
    return row - (last - first + 1)
