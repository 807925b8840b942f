""" "What will be sent": the exact messages of the next request, and those left out."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chatdesk.core.tokens import REPLY_PRIMING
from chatdesk.core.trimming import TrimPlan
from chatdesk.ui.dialog_buttons import close_and_action
from chatdesk.ui.token_meter import status_color

# role, name, content, tokens, sent
PreviewRow = tuple[str, str | None, str, int, bool]
_PREVIEW_CHARS = 200
_TIP_CHARS = 2000
_CONTENT_ROLE = Qt.ItemDataRole.UserRole  # the full content, on a message row's first cell


class RequestPreviewDialog(QDialog):
    """The messages of the next request in order, with token counts and the total.

    Open it with open(); Esc or Close dismisses it. Messages the trimming leaves out are
    listed greyed below a separator row.
    """

    def __init__(
        self, rows: list[PreviewRow], plan: TrimPlan | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("What will be sent")
        self.setAccessibleName("What will be sent")
        self.rows = list(rows)
        self.plan = plan
        self.sent_rows = [r for r in self.rows if r[4]]
        self.left_out_rows = [r for r in self.rows if not r[4]]

        self.header = QLabel(self._header_text(), self)
        self.header.setWordWrap(True)
        self.header.setAccessibleName("Request summary")
        self.error = QLabel(plan.error if plan is not None and plan.error else "", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Request error")
        pal = self.error.palette()
        pal.setColor(QPalette.ColorRole.WindowText, status_color("error", pal))
        self.error.setPalette(pal)
        self.error.setVisible(bool(self.error.text()))

        self.table = QTableWidget(0, 4, self)
        self.table.setAccessibleName("Messages")
        self.table.setToolTip("The messages in the order they are sent; select one to read it")
        self.table.setHorizontalHeaderLabels(["#", "Role", "Tokens", "Content"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._fill()

        self.total = QLabel(self._total_text(), self)
        self.total.setAccessibleName("Total")
        self.detail = QPlainTextEdit(self)
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Selected message")
        self.detail.setToolTip("The full text of the selected message")
        self.detail.setPlaceholderText("Select a message to read all of it.")
        self.detail.setTabChangesFocus(True)

        buttons, self.copy_button = close_and_action(
            self, "Copy as JSON", "Copy the messages that are sent, as the API receives them",
            self.copy_json,
        )  # fmt: skip

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.total)
        layout.addWidget(self.detail, 1)
        layout.addWidget(buttons)
        self.table.currentCellChanged.connect(self._show_detail)
        self.resize(780, 540)

    def copy_json(self) -> None:
        messages = []
        for role, name, content, _tokens, _sent in self.sent_rows:
            if role == "tools":  # the tool definitions' row: not a message
                continue
            message = {"role": role, "content": content}
            if name:
                message["name"] = name
            messages.append(message)
        QGuiApplication.clipboard().setText(json.dumps(messages, indent=2, ensure_ascii=False))

    # -- internals ---------------------------------------------------------------------------
    def _header_text(self) -> str:
        n = len(self.sent_rows)
        plan = self.plan
        text = f"The next request sends {n:,} message{'' if n == 1 else 's'}"
        if plan is None:
            return text + "."
        approx = "≈" if plan.estimate else ""
        text += (
            f": {approx}{plan.prompt_tokens:,} prompt tokens + {plan.reserve:,} reserved for the "
            f"reply, of a {plan.limit:,}-token limit."
        )
        if plan.estimate:
            text += f" Counts are estimates: {plan.estimate_why}."
        return text

    def _total_text(self) -> str:
        listed = sum(r[3] for r in self.sent_rows)
        prompt = listed + REPLY_PRIMING if self.sent_rows else 0
        text = f"Total: {listed:,} + {REPLY_PRIMING} priming the reply = {prompt:,} prompt tokens"
        if self.plan is not None:
            text += f"; {prompt + self.plan.reserve:,} with the reply reserved"
        return text

    def _fill(self) -> None:
        table = self.table
        for number, row in enumerate(self.sent_rows, 1):
            self._add_row(number, row, greyed=False)
        if self.left_out_rows:
            at = table.rowCount()
            table.insertRow(at)
            n = len(self.left_out_rows)
            item = QTableWidgetItem(
                f"Left out: {n:,} older message{'' if n == 1 else 's'}, not sent"
            )
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            table.setItem(at, 0, item)
            table.setSpan(at, 0, 1, 4)
            for row in self.left_out_rows:
                self._add_row(None, row, greyed=True)

    def _add_row(self, number: int | None, row: PreviewRow, greyed: bool) -> None:
        role, name, content, tokens, _sent = row
        at = self.table.rowCount()
        self.table.insertRow(at)
        single = " ".join(content.split())
        if len(single) > _PREVIEW_CHARS:
            single = single[:_PREVIEW_CHARS] + "…"
        tip = content if len(content) <= _TIP_CHARS else content[:_TIP_CHARS] + "…"
        cells = [
            QTableWidgetItem("" if number is None else str(number)),
            QTableWidgetItem(f"{role} ({name})" if name else role),
            QTableWidgetItem(f"{tokens:,}"),
            QTableWidgetItem(single or "(empty)"),
        ]
        cells[2].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cells[3].setToolTip(tip)
        cells[0].setData(_CONTENT_ROLE, content)
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for column, cell in enumerate(cells):
            if greyed:
                cell.setForeground(grey)
            self.table.setItem(at, column, cell)

    def _show_detail(self, row: int, *_: int) -> None:
        item = self.table.item(row, 0)
        content = item.data(_CONTENT_ROLE) if item is not None else None
        self.detail.setPlainText(content if isinstance(content, str) else "")
