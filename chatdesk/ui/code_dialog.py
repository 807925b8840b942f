""" "View code": the conversation as a Python script, highlighted, with a Copy button."""

from __future__ import annotations

from typing import Any

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name

from chatdesk.ui.dialog_buttons import close_and_action, say_copied
from chatdesk.ui.palette import is_dark, tones
from chatdesk.ui.qt.gui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from chatdesk.ui.qt.widgets import QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

_NOTE = (
    "This conversation as a Python script using the openai package. It holds no key: the "
    "script reads it from an environment variable or signs in with Microsoft Entra ID."
)


class _PygmentsHighlighter(QSyntaxHighlighter):
    """Colours from one Pygments pass over the whole (read-only) text, applied per block."""

    def __init__(self, document: QTextDocument, dark: bool) -> None:
        super().__init__(document)
        self._style = get_style_by_name(tones(dark).code_style)
        self._formats: dict[Any, QTextCharFormat] = {}
        self._spans: list[list[tuple[int, int, QTextCharFormat]]] = []
        self._lex(document.toPlainText())

    def _format(self, token: Any) -> QTextCharFormat:
        fmt = self._formats.get(token)
        if fmt is None:
            style = self._style.style_for_token(token)
            fmt = QTextCharFormat()
            if style["color"]:
                fmt.setForeground(QColor("#" + style["color"]))
            if style["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if style["italic"]:
                fmt.setFontItalic(True)
            self._formats[token] = fmt
        return fmt

    def _lex(self, text: str) -> None:
        # Lexing the whole text once keeps multi-line constructs right, which a per-block
        # lexer cannot see.
        lines: list[list[tuple[int, int, QTextCharFormat]]] = [[]]
        column = 0
        lexer = PythonLexer(stripnl=False, ensurenl=False)
        for token, value in lexer.get_tokens(text):
            for i, piece in enumerate(value.split("\n")):
                if i:
                    lines.append([])
                    column = 0
                if piece:
                    lines[-1].append((column, len(piece), self._format(token)))
                    column += len(piece)
        self._spans = lines

    def highlightBlock(self, text: str) -> None:
        number = self.currentBlock().blockNumber()
        if 0 <= number < len(self._spans):
            for start, length, fmt in self._spans[number]:
                self.setFormat(start, length, fmt)


class CodeDialog(QDialog):
    """The snippet, read-only in a monospace font; Copy puts it on the clipboard.

    Open it with open(); Esc or Close dismisses it.
    """

    def __init__(self, snippet: str, parent: QWidget | None = None, *, note: str = _NOTE) -> None:
        super().__init__(parent)
        self.setWindowTitle("View code")
        self.setAccessibleName("View code")
        self.snippet = snippet

        self.note = QLabel(note, self)
        self.note.setWordWrap(True)
        self.note.setAccessibleName("About this code")

        self.editor = QPlainTextEdit(self)
        self.editor.setReadOnly(True)
        self.editor.setAccessibleName("Python code")
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setTabChangesFocus(True)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlainText(snippet)
        dark = is_dark(self.palette())
        self._highlighter = _PygmentsHighlighter(self.editor.document(), dark)
        self._highlighter.rehighlight()

        buttons, self.copy_button = close_and_action(
            self, "Copy", "Copy the script to the clipboard", self.copy
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.snippet)
        say_copied(self.copy_button)
