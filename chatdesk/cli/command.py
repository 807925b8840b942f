"""What every `chatdesk` sub-command shares: the argument parser, exit statuses, number
arguments and the one way a message reaches the terminal (stderr, prefixed `chatdesk:`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.fileformat import Opened

from chatdesk.cli.exit_status import (  # the commands import them from here (`__all__`)
    EXIT_BROKEN_PIPE,
    EXIT_DOES_NOT_FIT,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from chatdesk.cli.output import silence


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and exit status 2. `doc`: the command
    module's docstring, whose "Exit status:" paragraph ends the --help text (one source)."""

    def __init__(self, *args: Any, doc: str | None = None, **kwargs: Any) -> None:
        statuses = exit_statuses(doc)
        if statuses:
            epilog = kwargs.get("epilog")
            kwargs["epilog"] = f"{epilog} {statuses}" if epilog else statuses
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def exit_statuses(doc: str | None) -> str:
    """The "Exit status: ..." paragraph of a command module's docstring, on one line ("" when
    it has none)."""
    text = doc or ""
    at = text.find("Exit status:")
    return " ".join(text[at:].split("\n\n", 1)[0].split()) if at >= 0 else ""


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def non_negative(text: str) -> int:
    """An argparse type: a whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text}")
    return value


def seconds(text: str) -> float:
    """An argparse type: a number of seconds a request may wait, from 1 to 86400."""
    from chatdesk.core.deployments import valid_seconds

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not valid_seconds(value):
        raise argparse.ArgumentTypeError("give a number of seconds from 1 to 86400")
    return value


def fail(message: str) -> None:
    """Say `message` on stderr as one line, prefixed `chatdesk:`. A stderr that cannot be
    written (a closed pipe, a full disk) loses the message, never the command's work."""
    try:
        print(f"chatdesk: {' '.join(message.split())}", file=sys.stderr, flush=True)
    except OSError:
        silence(sys.stderr)


FILE_HELP = "a conversation file, or the id `chatdesk list` prints for one of the library"
STDIN_HELP = FILE_HELP + ", or - to read it from standard input"


def conversation_file(text: str) -> str:
    """An argparse type for FILE: the path as given, or, when no such file exists and `text`
    is a library id (as `chatdesk list` prints them), that conversation's file in the library
    of the settings, so the ids `list` and `search` print work wherever a FILE does."""
    import os

    from chatdesk.core.library import Library, library_dir

    if os.path.exists(text) or not Library.is_id(text):
        return text
    from chatdesk.core.settings import load_settings

    path = Library(library_dir(load_settings().settings.library_folder)).path(text)
    return str(path) if path.exists() else text


# FILE `-`: standard input, as Unix tools take it (`git show HEAD:chat.json | chatdesk tokens -`).
# `tokens`, `export`, `import` and `send` take it; `send` has no file to write the reply back
# into, so what it reads there becomes a new library conversation, as a request body does
# (`cli/body_file.py`). `attach`, which writes into its FILE, does not. A terminal on standard
# input is not read silently: stderr says what is read and how to end it, so a `-` typed by
# mistake does not look like a hang.
STDIN = "-"
STDIN_NAME = "standard input"  # how messages name it


def read_stdin(what: str) -> bytes:
    """All of standard input, at most the file size limit (else ConversationFileError);
    `what` names it in the line said when standard input is a terminal."""
    from chatdesk.core.fileformat import MAX_FILE_BYTES, ConversationFileError

    stream = sys.stdin
    if stream is None:  # no console at all (a Windows GUI launcher): nothing to read
        return b""
    if stream.isatty():
        end = "Ctrl+Z, then Enter" if sys.platform == "win32" else "Ctrl+D"  # the console's EOF
        fail(f"reading {what} from standard input (end with {end})")
    data = stream.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConversationFileError(STDIN_NAME, "is too large to open (the limit is 64 MB).")
    return data


def load_given(path: str) -> Opened:
    """The conversation in FILE `path`, or read from standard input for `-` (then with no
    `disk` state: there is no file). Raises ConversationFileError."""
    from chatdesk.core.fileformat import load_conversation, loads

    if path != STDIN:
        return load_conversation(path)
    return loads(read_stdin("the conversation"), STDIN_NAME)


def read_conversation(path: str) -> Conversation:
    """The conversation in `path`; what was replaced while reading is said on stderr.
    Raises ConversationFileError for a file that cannot be read as a conversation."""
    opened = load_given(path)
    if opened.notice():
        print(f"chatdesk: note: {path}: {opened.notice()}", file=sys.stderr)
    return opened.conversation


__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_DOES_NOT_FIT",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "STDIN",
    "STDIN_HELP",
    "STDIN_NAME",
    "Parser",
    "exit_statuses",
    "fail",
    "load_given",
    "non_negative",
    "positive",
    "read_conversation",
    "read_stdin",
    "seconds",
]
