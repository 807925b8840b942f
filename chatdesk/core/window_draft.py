"""Whose draft a library file keeps when two windows have its conversation open.

A conversation file has one draft (`draft` and `draft_images`), and each window writes its
conversation, draft included, a second after each change. A window's draft is its own while
the conversation is open there: when the file changed in another window, the window shows the
file's messages but keeps the draft typed here, and never takes the other window's draft into
its message box (it would be sent from there, run into what is typed after it: tester session
13). The file keeps the draft of the window that typed last: a window with a draft of its own
writes it; one without writes back the draft another window left there (`other`), so an
empty message box never erases a draft typed elsewhere (the other window may have closed the
conversation, and the file is then the only place that draft is).

While this window's own draft is in no file (the other window's write replaced it), it is
`unwritten`, and the window keeps a crash-recovery copy of the conversation until its next
write puts the draft back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from chatdesk.core.conversation import Conversation


class Draft(msgspec.Struct, frozen=True):
    """The message being written: its text and the images attached to it."""

    text: str = ""
    images: tuple[Any, ...] = ()

    @classmethod
    def of(cls, conv: Conversation) -> Draft:
        return cls(conv.draft, tuple(conv.draft_images))

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.images)

    def put_in(self, conv: Conversation) -> None:
        conv.draft, conv.draft_images = self.text, list(self.images)


class WindowDraft:
    """One window's share of its conversation file's draft (see the module's docstring)."""

    def __init__(self) -> None:
        self.other: Draft | None = None  # another window's draft, left in the file
        self.unwritten = False  # this window's draft is in no file

    def followed(self, own: Draft, file: Draft) -> None:
        """The window showed the file as another window wrote it (`file`: the draft in it),
        keeping `own`, the draft typed here."""
        self.other = None if file == own or file.empty else file
        self.unwritten = not own.empty and own != file

    def gives_way(self, conv: Conversation) -> bool:
        """Whether the file keeps another window's draft in place of `conv`'s (it has none):
        the conversation opened again (the next launch too) shows the file's."""
        return self.other is not None and Draft.of(conv).empty

    def to_write(self, conv: Conversation) -> Conversation:
        """`conv` (a snapshot, about to be written to the file) with the draft the file keeps:
        its own when it has one, else the one another window left there."""
        self.unwritten = False
        if self.other is not None and self.gives_way(conv):
            self.other.put_in(conv)
        return conv
