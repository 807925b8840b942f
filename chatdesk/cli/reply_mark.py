"""`chatdesk send`'s reply in its file while it is on its way: marked as the window marks one.

A window (or another `send`) with the same conversation open must not send over a reply still
being written here (`core/in_flight.py`, `service/send_checks.check_not_in_flight`). So while
the request runs (`kept_marked`), the reply is saved `pending`, which saves it with this
process's "writing" mark: empty as the request leaves (`ReplyFile.begin`, beside the request,
as the window's saver writes its pending reply: a large conversation's whole-file write must
not delay the request), then again at least every `in_flight.REFRESH_S` while nothing else is
written (a reasoning model's silence, a retry's wait, a `--no-stream` request). The reply's
end writes it without the mark (or, when nothing came, `ReplyFile.withdraw` takes it out
again); a kill leaves the mark of a process that is gone, which every reader takes as stale
at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from chatdesk.cli.command import fail
from chatdesk.core.conversation import Conversation
from chatdesk.core.in_flight import abandoned
from chatdesk.core.messages import Message, MessageMeta, now_iso
from chatdesk.core.reply_file import ReplyFile
from chatdesk.service.blocking import THREADS

TICK_S = 1.0  # how often the refresh looks; it writes only after REFRESH_S without a write


def streaming(text: str) -> Message:
    """The reply so far, as a kill now would leave it in the file: incomplete, and `pending`
    (saved with this process's mark)."""
    meta = MessageMeta(created_at=now_iso(), incomplete=True, pending=True)
    return Message("assistant", text, meta=meta)


def cut_off(text: str) -> Message:
    """What streamed before the request failed without a reply of its own, as it stays in
    the file: incomplete, without the mark."""
    return Message("assistant", text, meta=MessageMeta(created_at=now_iso(), incomplete=True))


@contextlib.contextmanager
def kept_marked(reply_file: ReplyFile) -> Iterator[None]:
    """While the block runs, `reply_file` holds the pending reply, its mark kept fresh (on the
    one pool of threads; `ReplyFile` writes one at a time). When the block ends, nothing more
    is written from there: the reply's end is the caller's."""
    stop, done = threading.Event(), threading.Event()

    def keep() -> None:
        try:
            reply_file.begin(streaming(""))
            while not stop.wait(TICK_S):
                reply_file.refresh()
        finally:
            done.set()

    THREADS.run(keep)
    try:
        yield
    finally:
        stop.set()
        done.wait()


def drop_abandoned(conv: Conversation, path: str) -> None:
    """Take out a reply that never began, left by a chatdesk killed before its first word
    (`in_flight.abandoned`): the question it was to answer is sent again, and the new reply
    takes its place in the file. Said on stderr."""
    index = abandoned(conv)
    if index is None:
        return
    conv.remove(index)
    fail(f"note: {path}: its last reply was cut off before its first word (the chatdesk that "
         "was writing it is gone); the question is sent again.")  # fmt: skip
