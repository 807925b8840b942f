"""The keyboard shortcut list (F1), fitted to the screen it opens on.

One column while it fits in the screen's height, else two side by side (the tester's 860-px
screen cut the last rows off a one-column message box); a screen too small even for that
scrolls the list.

Signals: none of its own (a QDialog: `finished`).
"""

from __future__ import annotations

from chatdesk.ui.qt.core import Qt
from chatdesk.ui.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

FRAME = 120  # the dialog's title bar, margins and Close button, in device-independent pixels


def shortcut_table(rows: list[tuple[str, str]], columns: int) -> str:
    """`rows` (what, keys) as an HTML table of `columns` pairs of columns, filled top-down."""
    per = -(-len(rows) // columns)
    parts = [rows[i * per : (i + 1) * per] for i in range(columns)]
    lines = []
    for n in range(per):
        cells = []
        for part in parts:
            what, keys = part[n] if n < len(part) else ("", "")
            cells.append(f"<td>{what}</td><td><b>{keys}</b></td>")
        lines.append("<tr>" + "<td width='16'></td>".join(cells) + "</tr>")
    return f"<table cellpadding='4'>{''.join(lines)}</table>"


class ShortcutsDialog(QDialog):
    """The list of `rows` (what, keys), in as many columns as its screen's height needs."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setContentsMargins(8, 8, 8, 8)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.label)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setToolTip("Close (Esc)")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(buttons)
        self._fit(rows)

    def text(self) -> str:
        return self.label.text()

    def _fit(self, rows: list[tuple[str, str]]) -> None:
        screen = (self.parentWidget() or self).screen().availableGeometry()
        height, width = screen.height() - FRAME, screen.width() - 60
        for columns in (1, 2):
            self.label.setText(shortcut_table(rows, columns))
            hint = self.label.sizeHint()
            if hint.height() <= height:
                break
            if columns == 2 or 2 * hint.width() > width:
                break  # no room beside it: one column that scrolls
        hint = self.label.sizeHint()
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        self.resize(min(hint.width() + bar + 24, width), min(hint.height(), height) + FRAME // 2)
