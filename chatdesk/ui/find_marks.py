"""How a find's matches look in a rendered message body: every occurrence marked, the current
one in a stronger colour.

The count and the order come from the core's rule (`core/find.py`) over each piece's source
text; the marks are placed by the same literal, case-insensitive search in the piece's rendered
document. The two agree for words in prose and code; a query that spans Markdown syntax
(`**`) is counted in the source but has nothing to mark in the rendering.

Cost: one search of each piece drawn; nothing for the pieces off screen but a count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chatdesk.core.find import pattern
from chatdesk.ui.palette import CURRENT_MATCH, MATCH, ON_MARK
from chatdesk.ui.qt.gui import QAbstractTextDocumentLayout, QColor, QTextCharFormat

if TYPE_CHECKING:
    from chatdesk.ui.qt.gui import QAbstractTextDocumentLayout, QTextCursor, QTextDocument

MATCH_COLOR = MATCH  # every occurrence
CURRENT_COLOR = CURRENT_MATCH  # the one the find bar is on


class FindMarks:
    """The query's occurrences in one message; `current` numbers the one to stand out (in
    the message, from 0), or None."""

    def __init__(self, query: str, current: int | None = None) -> None:
        self.query = query.strip()
        self.current = current
        self._rule = pattern(query)

    def count_in(self, texts: Iterable[str]) -> int:
        rule = self._rule
        return 0 if rule is None else sum(len(rule.findall(text)) for text in texts)

    def cursors(self, doc: QTextDocument) -> list[QTextCursor]:
        """Every occurrence in `doc`, in order (QTextDocument.find is case-insensitive unless
        told otherwise, as the core's rule)."""
        found = []
        if not self.query:
            return found
        cursor = doc.find(self.query, 0)
        while not cursor.isNull():
            found.append(cursor)
            cursor = doc.find(self.query, cursor)
        return found

    def selections(
        self, doc: QTextDocument, before: int
    ) -> list[QAbstractTextDocumentLayout.Selection]:
        """Paint selections for `doc`, whose first occurrence is number `before` in the message."""
        out = []
        for n, cursor in enumerate(self.cursors(doc), start=before):
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(CURRENT_COLOR if n == self.current else MATCH_COLOR))
            fmt.setForeground(QColor(ON_MARK))
            selection = QAbstractTextDocumentLayout.Selection()
            selection.cursor, selection.format = cursor, fmt
            out.append(selection)
        return out

    @staticmethod
    def line_top(doc: QTextDocument, cursor: QTextCursor) -> float:
        """The y, in `doc`, of the top of the line where `cursor`'s match starts."""
        block = cursor.block()
        top = doc.documentLayout().blockBoundingRect(block).top()
        layout = block.layout()
        if layout is not None:
            line = layout.lineForTextPosition(cursor.selectionStart() - block.position())
            if line.isValid():
                top += line.y()
        return top
