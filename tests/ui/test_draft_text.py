"""The composer's draft kept as a string edit by edit: always what toPlainText() says."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from chatdesk.ui.draft_text import DraftText

_BITS = ["word", " ", "\n", "\n\n", "é", "中文", "\u00a0", "\t", "x", "\u2028", "😀", "a\u0301"]


def test_every_edit_keeps_the_text_exact(qtbot):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    draft = DraftText(edit.document())
    rng = random.Random(5)
    for round_ in range(300):
        if round_ % 60 == 0:
            edit.setPlainText("".join(rng.choice(_BITS[:9]) for _ in range(200)))
        cursor = edit.textCursor()
        length = edit.document().characterCount() - 1
        a = rng.randint(0, length)
        b = min(length, a + rng.choice([0, 0, 1, 3, 20]))
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
        action = rng.random()
        if action < 0.6:
            cursor.insertText("".join(rng.choice(_BITS) for _ in range(rng.randint(0, 4))))
        elif action < 0.8:
            cursor.removeSelectedText()
        elif action < 0.9:
            edit.undo()
        else:
            edit.setTextCursor(cursor)
            qtbot.keyClick(edit, rng.choice([Qt.Key.Key_Backspace, Qt.Key.Key_Delete]))
        assert draft.text() == edit.toPlainText()


def test_a_keystroke_in_a_1_mb_draft_reads_only_the_typed_text(qtbot, monkeypatch):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    draft = DraftText(edit.document())
    edit.setPlainText("lorem ipsum\n" * 90_000)
    assert draft.text() == edit.toPlainText()
    reads = []
    monkeypatch.setattr(edit.document(), "toPlainText", lambda: reads.append(1) or "")
    edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(edit, "more")
    text = draft.text()
    monkeypatch.undo()  # while the document still exists
    assert text.endswith("lorem ipsum\nmore")
    assert reads == []
