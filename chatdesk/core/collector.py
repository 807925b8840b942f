"""Building a long conversation's messages without the cyclic collector's full passes.

A conversation of 100,000 messages is ~200,000 objects Python's cyclic garbage collector
tracks (each `Message` and its `MessageMeta`). While a worker builds them, every quarter the
heap grows by makes CPython walk the whole heap (a generation-2 collection), and a walk holds
the interpreter lock from start to end: 200-350 ms on the counting worker during which the GUI
thread could not run a line (2 cores, the window's heap; the heartbeat of
tests/ui/test_file_open.py stopped that long after the file had opened).

`building(...)` turns automatic collection off while a long conversation file is read, and
while its messages are built and counted, then freezes what exists (`gc.freeze`: later
collections skip it, so no pass walks those messages again). Frozen objects are still freed
when their last reference goes (a closed conversation's messages are: the window keeps no
cycle through them); only a reference cycle among them waits. `release(...)` gives them back to
the collector once no long conversation is open any more: while one is, a full pass would walk
its ~200,000 objects again (500-650 ms measured with two 100,000-message files open, one closed),
and every later pass too.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

__all__ = ["MANY_BYTES", "MANY_MESSAGES", "building", "release"]

# Below these, a full pass over the conversation's objects takes a few ms: nothing is paused.
MANY_MESSAGES = 10_000
MANY_BYTES = 2_000_000  # a conversation file this long holds ~7,000 short messages or more

_lock = threading.Lock()
_building = 0  # workers inside `building` (two long files may be opened at once)
_was_enabled = True  # automatic collection was on when the first of them began
_frozen = False


@contextmanager
def building(messages: int = 0, *, file_bytes: int = 0) -> Iterator[None]:
    """Around reading a conversation file of `file_bytes` bytes, or building and counting
    `messages` messages, on a worker (see the module's doc)."""
    if messages < MANY_MESSAGES and file_bytes < MANY_BYTES:
        yield
        return
    global _building, _was_enabled, _frozen
    with _lock:
        if _building == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _building += 1
    try:
        yield
    finally:
        with _lock:
            _building -= 1
            if _building == 0:
                gc.freeze()  # what was built (and everything older) is never walked again
                _frozen = True
                if _was_enabled:
                    gc.enable()


def release(open_lengths: Iterable[int]) -> None:
    """A conversation was closed; `open_lengths`: the message counts of those still open. What
    `building` froze is the collector's again unless one of them is long (see the module's
    doc)."""
    global _frozen
    if any(length >= MANY_MESSAGES for length in open_lengths):
        return
    with _lock:
        if _frozen and _building == 0:
            gc.unfreeze()
            _frozen = False
