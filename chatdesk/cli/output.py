"""Standard output that may go away: a reader that closed its end of a pipe (`| head`,
`| true`) or a file that cannot take more (`> /dev/full`).

`ReplyOutput` is `chatdesk send`'s: the first write that fails stops the printing, never the
request, so a reply already paid for still reaches the file. `watched_stdout` lets the
dispatcher tell any other command's failed print from another OSError and end it in one line.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from chatdesk.service.events import ReasoningDelta

T = TypeVar("T")


def silence(stream: TextIO) -> None:
    """Point `stream`'s file descriptor at the null device, so that what is still buffered in it
    (flushed again as the interpreter exits) fails no more. A stream without a descriptor of its
    own (a test's capture) is left as it is."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class WatchedStdout:
    """sys.stdout for a command's run, remembering the OSError a write or flush raised (`error`),
    so that the dispatcher tells a failed print from any other OSError. Everything else is
    the stream's own."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        return self._watch(self.stream.write, text)

    def flush(self) -> None:
        self._watch(self.stream.flush)

    def _watch(self, call: Callable[..., T], *args: Any) -> T:
        try:
            return call(*args)
        except OSError as exc:
            self.error = exc
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def watched_stdout() -> Iterator[WatchedStdout]:
    """sys.stdout watched for the block (see `WatchedStdout`), then put back."""
    watched = WatchedStdout(sys.stdout)
    sys.stdout = watched  # a TextIO in all that print uses
    try:
        yield watched
    finally:
        sys.stdout = watched.stream


class ReplyOutput:
    """Writes a reply to stdout until a write fails; then it stops printing and keeps the error.

    `error`: the OSError of the first failed write (BrokenPipeError: the reader went away), or
    None. Each write is flushed, so a reader sees the reply as it streams.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.error: OSError | None = None

    def write(self, text: str) -> None:
        if self.error is not None or not text:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError as exc:
            self.error = exc
            silence(self.stream)

    @property
    def reader_gone(self) -> bool:
        """The reader closed the pipe (`| head -c 5`, `| true`)."""
        return isinstance(self.error, BrokenPipeError)

    def problem(self) -> str:
        """Why printing stopped, for a message ("" while it has not)."""
        if self.error is None:
            return ""
        if self.reader_gone:
            return "the reader of standard output went away"
        return f"standard output cannot be written ({self.error.strerror or self.error})"


class ReasoningOutput:
    """`chatdesk send`'s reasoning summary as it streams, on stderr (stdout holds the reply
    alone)."""

    def __init__(self) -> None:
        self.open = False
        self.out = ReplyOutput(sys.stderr)  # a stderr that goes away stops it, not the reply

    def show(self, delta: ReasoningDelta) -> None:
        if not self.open:
            self.out.write("chatdesk: reasoning: ")
            self.open = True
        self.out.write("\n\n" + delta.text if delta.new_part else delta.text)

    def end(self) -> None:
        if self.open:
            self.out.write("\n")
            self.open = False
