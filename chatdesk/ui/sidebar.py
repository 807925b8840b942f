"""The list of open conversations, with a search across their text.

The search runs `SEARCH_DELAY_MS` after the last keystroke in the field, not on each: it reads
every open conversation's text, which grows with them, and typing must not wait for it.
"""

from __future__ import annotations

from itertools import chain

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from chatdesk.core.conversation import Conversation

SEARCH_DELAY_MS = 200


def conversation_matches(conv: Conversation, needle: str) -> bool:
    """Case-insensitive search over the title, system prompt, examples and messages."""
    needle = needle.casefold()
    texts = [conv.title, conv.system_prompt, *(m.content for m in conv.examples)]
    # texts(): a message not shown yet is not built just to be searched.
    return any(needle in text.casefold() for text in chain(texts, conv.texts()))


class ConversationList(QWidget):
    """Signals: activated(int) with the index of the chosen conversation."""

    activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search open conversations")
        self.search.setAccessibleName("Search open conversations")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Open conversations")
        self.status = QLabel(self)
        self.status.setAccessibleName("Search results")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        self._conversations: list[Conversation] = []
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(lambda: self.apply_search(self.search.text()))
        self.search.textChanged.connect(self._debounce.start)
        self.list.currentRowChanged.connect(self._row_changed)

    def set_items(self, titles: list[str], conversations: list[Conversation], current: int) -> None:
        self._conversations = conversations
        self.list.blockSignals(True)
        self.list.clear()
        for title in titles:
            item = QListWidgetItem(title)
            item.setToolTip(title)
            self.list.addItem(item)
        self.list.setCurrentRow(current)
        self.list.blockSignals(False)
        self.apply_search(self.search.text())

    def set_title(self, index: int, title: str) -> None:
        item = self.list.item(index)
        if item is not None and item.text() != title:
            item.setText(title)
            item.setToolTip(title)

    def apply_search(self, text: str) -> None:
        """Show only the conversations that contain `text` (all of them for "")."""
        self._debounce.stop()
        needle = text.strip()
        shown = 0
        for i, conv in enumerate(self._conversations):
            hit = not needle or conversation_matches(conv, needle)
            self.list.item(i).setHidden(not hit)
            shown += hit
        self.status.setText(f"{shown} of {len(self._conversations)} match" if needle else "")

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.activated.emit(row)

    def keyPressEvent(self, event) -> None:  # noqa: ANN001 - Qt's signature
        from PySide6.QtCore import Qt  # not at import: see ui/__init__.py

        if event.key() == Qt.Key.Key_Escape and self.search.text():
            self.search.clear()
            return
        super().keyPressEvent(event)
