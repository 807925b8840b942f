"""The composer's text as a Python string, kept up to date edit by edit.

`QPlainTextEdit.toPlainText()` converts the whole document on every call: ~12 ms for a 1 MB
draft, on every keystroke (the draft is counted on each). `DraftText` applies each
`QTextDocument.contentsChange(position, removed, added)` to the string it holds instead, reading
only the added characters. Document positions count UTF-16 units and Python indexes count code
points, so while the text holds a character outside the Basic Multilingual Plane (an emoji)
the whole text is read again on each change, as before; so it is whenever a change does not
fit the text held (a reset, the document's final paragraph separator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.core.text_tally import note_edit
from chatdesk.ui.qt.gui import QTextCursor

if TYPE_CHECKING:
    from chatdesk.ui.qt.gui import QTextDocument

_NOTED_FROM = 2048  # shorter texts are counted whole (TokenCounter.count_draft)

# What QTextDocument.toPlainText() turns into plain characters: paragraph and line separators,
# frame marks, and non-breaking spaces.
_PLAIN = str.maketrans({"\u2029": "\n", "\u2028": "\n", "\ufdd0": "\n", "\ufdd1": "\n",
                        "\u00a0": " "})  # fmt: skip


def _has_astral(text: str) -> bool:
    return not text.isascii() and len(text.encode("utf-16-le")) != 2 * len(text)


class DraftText:
    """The plain text of `document`, as `toPlainText()` returns it."""

    def __init__(self, document: QTextDocument) -> None:
        self._doc = document
        self._text: str | None = None  # None: read it again when asked
        document.contentsChange.connect(self._changed)

    def _changed(self, position: int, removed: int, added: int) -> None:
        text = self._text
        if text is None:
            return
        end = self._doc.characterCount() - 1  # without the final paragraph separator
        if position + removed > len(text) or position + added > end:
            self._text = None
            return
        inserted = ""
        if added:
            cursor = QTextCursor(self._doc)
            cursor.setPosition(position)
            cursor.setPosition(position + added, QTextCursor.MoveMode.KeepAnchor)
            inserted = cursor.selectedText().translate(_PLAIN)
            if _has_astral(inserted):
                self._text = None
                return
        self._text = text[:position] + inserted + text[position + removed :]
        if len(text) >= _NOTED_FROM:
            note_edit(text, self._text, position, removed)

    def text(self) -> str:
        text = self._text
        if text is None or len(text) != self._doc.characterCount() - 1:
            text = self._doc.toPlainText()
            self._text = None if _has_astral(text) else text
        return text
