"""A reply being written: the mark its file carries while it streams, and whether it is live.

Two chatdesks on one library (two windows, a window and `chatdesk send`) share a conversation's
file. While one of them streams a reply into it, the file holds the reply as far as it came;
to every other reader it would look like a reply cut off (``incomplete``), and a question sent
from there would follow half an answer. So the reply in flight is saved with a mark, in its
``metadata``: ``"writing": {"host": "laptop", "pid": 4321, "at": "2026-12-01T13:30:00.123+00:00"}``
(`MessageMeta.to_json` writes it for a reply still pending, with the time of that write; the
reply's end, done, stopped or failed, writes the message without it).

The mark is **live** when its writer is another process that still runs and wrote it lately:

- on this host, its pid is running (`atomic.pid_running`, the check the temporaries' leftovers
  use) — a writer that crashed is seen at once;
- and `at` is within `LIVE_FOR_S` of now. The window rewrites a streaming conversation at least
  every `REFRESH_S` even when nothing new arrived (a reasoning model thinking, a retry
  waiting), so a live writer's mark is never older than that plus a write. The bound covers
  what the pid cannot: a writer on another host (a shared library folder), a pid reused after
  a crash, a writer that hangs, and an older chatdesk that read the mark and wrote it back as
  an unknown key (old files and old chatdesks keep it: `unknown_fields`).

A mark that is not live is stale: the reply is what it was before marks, incomplete. A mark
of this very process is never "elsewhere". Only the last assistant message is looked at: a
writer streams at the end of its conversation, and nothing can be built after it from here
while it is live (the refusal below), so a mark further back is a leftover.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from chatdesk.core.atomic import pid_running

# The window writes a streaming conversation at least this often (ui/library_saver.py).
REFRESH_S = 5.0
# Six refreshes missed: a slow disk or a busy GUI thread delays a write by a second or two,
# never by half a minute; a writer on another host that died is seen within this.
LIVE_FOR_S = 30.0

ELSEWHERE_BADGE = "Being written in another chatdesk window…"
REFUSED_TITLE = "A reply is still being written"
REFUSED_HINT = "Send once it has finished: this conversation follows it as it is written."


class Writer(NamedTuple):
    """Who is writing a reply of a conversation: the message's index and the mark's fields."""

    message: int
    host: str
    pid: int


def this_host() -> str:
    return socket.gethostname()


def writer_mark(now: str) -> dict[str, Any]:
    """The mark this process saves on a reply it is streaming: host, pid and `now` (ISO
    8601, `messages.now_iso`)."""
    return {"host": this_host(), "pid": os.getpid(), "at": now}


def _seconds(at: object) -> float | None:
    if not isinstance(at, str):
        return None
    from datetime import datetime  # only a marked message pays for it

    try:
        return datetime.fromisoformat(at).timestamp()
    except ValueError:
        return None


def live_elsewhere(mark: object, now: float | None = None) -> bool:
    """Whether `mark` (a message's ``writing``) says another live process is writing it."""
    if not isinstance(mark, Mapping):
        return False
    host, pid = mark.get("host"), mark.get("pid")
    if not isinstance(host, str) or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    here = host == this_host()
    if here and pid == os.getpid():
        return False  # this process's own: it is not streaming it (else it would be pending)
    at = _seconds(mark.get("at"))
    now = time.time() if now is None else now
    if at is None or abs(now - at) > LIVE_FOR_S:
        return False
    return not here or pid_running(pid)


def marked(conv: Any) -> tuple[int, dict[str, Any]] | None:
    """The last assistant message of `conv` (a `Conversation`) and its mark, when it carries
    one of another process (live or not: ask `live_elsewhere`); else None."""
    for i in range(len(conv) - 1, -1, -1):
        message = conv[i]
        if message.role == "assistant":
            mark = message.meta.writing
            if not isinstance(mark, Mapping) or _own(mark):
                return None
            return i, dict(mark)
    return None


def _own(mark: Mapping[str, Any]) -> bool:
    return mark.get("pid") == os.getpid() and mark.get("host") == this_host()


def written_elsewhere(conv: Any, now: float | None = None) -> Writer | None:
    """The reply of `conv` (a `Conversation`) another live chatdesk is writing, or None."""
    found = marked(conv)
    if found is None or not live_elsewhere(found[1], now):
        return None
    index, mark = found
    return Writer(index, str(mark["host"]), int(mark["pid"]))


def refused_text(writer: Writer) -> str:
    """Why nothing is sent while `writer` writes the reply: where, so it can be checked."""
    where = "this computer" if writer.host == this_host() else writer.host
    return (
        f"The last reply is still being written in another chatdesk (process {writer.pid} "
        f"on {where}); a question sent now would follow half of it."
    )


def abandoned(conv: Any) -> int | None:
    """The index of the reply `conv` (a `Conversation`) ends in when it is one that never
    began: empty, unfinished, marked by a chatdesk that is gone (killed before the first word
    came). It holds nothing; a question sent again replaces it. Else None."""
    found = marked(conv)
    last = len(conv) - 1
    if found is None or found[0] != last or live_elsewhere(found[1]):
        return None
    reply = conv[last]
    if reply.content or reply.tool_calls or reply.has_parts or not reply.meta.incomplete:
        return None
    return last
