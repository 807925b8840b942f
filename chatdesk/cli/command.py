"""What every `chatdesk` sub-command shares: the argument parser, exit statuses, number
arguments and the one way a message reaches the terminal (stderr, prefixed `chatdesk:`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation

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


def fail(message: str) -> None:
    """Say `message` on stderr as one line, prefixed `chatdesk:`. A stderr that cannot be
    written (a closed pipe, a full disk) loses the message, never the command's work."""
    try:
        print(f"chatdesk: {' '.join(message.split())}", file=sys.stderr, flush=True)
    except OSError:
        silence(sys.stderr)


FILE_HELP = "a conversation file, or the id `chatdesk list` prints for one of the library"


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


def read_conversation(path: str) -> Conversation:
    """The conversation in `path`; what was replaced while reading is said on stderr.
    Raises ConversationFileError for a file that cannot be read as a conversation."""
    from chatdesk.core.fileformat import load_conversation

    opened = load_conversation(path)
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
    "Parser",
    "exit_statuses",
    "fail",
    "non_negative",
    "positive",
    "read_conversation",
]
