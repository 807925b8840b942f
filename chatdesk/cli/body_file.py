"""`chatdesk send` and `attach` on a bare request body, as the window opens one
(`core/opened_body.py`): the body becomes a new library conversation, which gets the reply or
the images, and the body file is never written. Each run on the body makes another new
conversation; going on is done from the library file the command names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from chatdesk.core.fileformat import Opened
from chatdesk.core.opened_body import saved_body_text

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation


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
    return saved_body_text(os.fspath(body_file), str(saved_to))
