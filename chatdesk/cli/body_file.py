"""`chatdesk send` and `attach` on a bare request body, as the window opens one
(`core/opened_body.py`): the body becomes a new library conversation, which gets the reply or
the images, and the body file is never written. Each run on the body makes another new
conversation; going on is done from the library file the command names.

`send` makes that conversation before the request (a library that cannot be written sends
nothing, and a kill mid-reply keeps what streamed), names it once it holds a reply or part of
one, and removes it again when nothing came back (a failed request, a stop before the first
word): it held only what the body holds, so nothing is lost and no conversation without a
reply is left behind (`NewConversation`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from chatdesk.cli.command import STDIN, fail
from chatdesk.core.atomic import folder_lock
from chatdesk.core.disk_state import changed_since
from chatdesk.core.fileformat import MAX_FILE_BYTES, Opened
from chatdesk.core.opened_body import saved_body_text

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.disk_state import DiskState
    from chatdesk.core.reply_file import ReplyFile


def into_library(conv: Conversation, body_file: str | os.PathLike[str]) -> tuple[Opened, Path]:
    """Save `conv`, read from the request body `body_file`, as a new conversation in the
    library the settings name; returns it as written there (its `disk` is what later saves
    compare against) and its file. Raises OSError (nothing was saved then)."""
    from chatdesk.core.library import Library, library_dir
    from chatdesk.core.settings import load_settings

    library = Library(library_dir(load_settings().settings.library_folder))
    library.folder.mkdir(parents=True, exist_ok=True)
    saved = library.adopt(conv, body_file)
    return Opened(conv, imported=False, disk=saved.disk), library.path(saved.id)


def saved_line(body_file: str | os.PathLike[str], saved_to: Path) -> str:
    """The one line said on stderr: where the conversation went, and that the body did not."""
    if os.fspath(body_file) == STDIN:
        return (
            f"what standard input held was saved as a new conversation in the library, "
            f"{saved_to} (go on from that file)."
        )
    return saved_body_text(os.fspath(body_file), str(saved_to))


class NewConversation:
    """The library conversation `send` made from the request body `body_file`, at `path` as
    written then (`disk`): said where once it holds something, removed when nothing came."""

    def __init__(self, body_file: str, path: Path, disk: DiskState | None) -> None:
        self.body_file = body_file
        self.path = path
        self.disk = disk
        self._said = False

    def say(self) -> None:
        """The one line naming the conversation (once)."""
        if not self._said:
            self._said = True
            fail(saved_line(self.body_file, self.path))

    def tell(self, reply_file: ReplyFile) -> None:
        """Name the conversation once the reply, or part of it, is saved in it."""
        if reply_file.saved_to == self.path:
            self.say()

    def drop(self) -> str:
        """Nothing came back: remove the conversation (it holds only what the body holds)
        unless another program changed it meanwhile; what to say of what was kept."""
        try:
            with folder_lock(self.path.parent):
                if self.disk is None or changed_since(self.path, self.disk, MAX_FILE_BYTES):
                    raise FileExistsError(self.path)  # theirs now: kept
                self.path.unlink(missing_ok=True)
        except OSError:
            self.say()
            return f"nothing but the question was saved, in {self.path}"
        if self.body_file == STDIN:
            return "nothing was saved"
        return f"nothing was saved; {self.body_file} was left as it was"
