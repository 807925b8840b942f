"""A question being edited in place, as one record: which message, the text typed, and the
images taken out of it (their ✕). The window keeps it with its conversation while the editor
is open or set aside (another conversation shown), and the recovery copy carries it, so the
editor opens again after a switch or a crash as the user left it, removals included.

`changes` is the one rule for "this edit has changes": the text is not the question's, or an
image was taken out. Esc and Cancel ask by it, Quit and Close say what they would drop by it,
and a recovery copy keeps an edit by it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import msgspec
import msgspec.structs

if TYPE_CHECKING:
    from chatdesk.core.messages import Message


def changes(original: str, text: str, removed: Collection[int]) -> bool:
    """Whether an edit of a question whose text is `original` changes it: its text is now
    `text`, and the parts at the positions `removed` are taken out."""
    return text != original or bool(removed)


class EditInPlace(msgspec.Struct, frozen=True):
    """The question at `index` in the history, edited in place and not resent: the text typed
    in its editor, and the positions in its content (`Message.api_content()`) of the parts
    taken out of it (none: frozenset())."""

    index: int
    text: str
    removed: frozenset[int] = frozenset()

    def changes(self, question: Message) -> bool:
        """Whether resending would change `question` (the message at `index`)."""
        return changes(question.content, self.text, self.removed)

    def fitted_to(self, question: Message) -> EditInPlace:
        """This edit with only the removals that name a part of `question` other than its
        text (an image): a copy written by hand or against another version names no more."""
        removed = self.removed.intersection(question.other_parts())
        return self if removed == self.removed else msgspec.structs.replace(self, removed=removed)
