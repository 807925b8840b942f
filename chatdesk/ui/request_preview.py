""" "What will be sent": the exact messages of the next request, and those left out.

A model/view over the plan: the dialog opens in the same time for 20 messages as for 25,000,
since rows are built only when the table shows them (`PreviewRows`, `PreviewModel`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from chatdesk.core.preview import (
    TOOLS,
    PreviewRow,
    RequestRows,
    left_out_heading,
    role_label,
    row_number,
    sends_text,
    tool_rows,
)
from chatdesk.core.request_params import RequestParameters
from chatdesk.core.tokens import REPLY_PRIMING
from chatdesk.core.trimming import TrimPlan
from chatdesk.ui.dialog_buttons import close_and_action, say_copied
from chatdesk.ui.palette import status_color
from chatdesk.ui.qt.core import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from chatdesk.ui.qt.gui import QColor, QFont, QGuiApplication, QPalette
from chatdesk.ui.qt.widgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

_PREVIEW_CHARS = 200
_TIP_CHARS = 2000
_CONTENT_ROLE = Qt.ItemDataRole.UserRole  # a message row's full content


class PreviewRows(Sequence[PreviewRow]):
    """The rows of a request, built when shown: a 25,000-message conversation is not walked
    to open the dialog (the view asks only for the rows on screen).

    `head` (tool definitions, pinned messages) and `tail` (the draft) are sent; history row i
    comes from `history(i)` and is sent from `first_sent` on, but those in `left_out` (sorted
    history indexes the user or the rule for failed turns leaves out, core/sending.py).
    `sent_tokens` is their total.
    """

    def __init__(
        self,
        head: list[PreviewRow],
        history: Callable[[int], PreviewRow],
        history_len: int,
        first_sent: int,
        tail: list[PreviewRow],
        sent_tokens: int,
        left_out: tuple[int, ...] = (),
        heading: str | None = None,
    ) -> None:
        self.head, self.history, self.tail = head, history, tail
        self.history_len, self.first_sent, self.sent_tokens = history_len, first_sent, sent_tokens
        self.left_out = left_out
        # The line above the left-out rows (core's words: how many, and why).
        self.left_out_heading = heading or left_out_heading(first_sent + len(left_out), ())
        self.sent_rows = _Slice(self, self._sent_index, len(self) - first_sent - len(left_out))
        self.tool_rows = tool_rows(head)  # sent first, not messages
        self.left_out_rows = _Slice(self, self._left_out_index, first_sent + len(left_out))

    @classmethod
    def of_request(cls, rows: RequestRows) -> PreviewRows:
        """The rows core/preview.py gives for the next request."""
        heading = rows.left_out_heading() if rows.first_sent or rows.left_out else None
        return cls(rows.head, rows.history, rows.history_len, rows.first_sent, rows.tail,
                   rows.sent_tokens, rows.left_out, heading)  # fmt: skip

    @classmethod
    def of(cls, rows: list[PreviewRow]) -> PreviewRows:
        """From a plain list (sent rows and left-out rows in any order)."""
        left = [r for r in rows if not r[4]]
        sent = [r for r in rows if r[4]]
        return cls([], (left + sent).__getitem__, len(rows), len(left), [], sum(r[3] for r in sent))

    def __len__(self) -> int:
        return len(self.head) + self.history_len + len(self.tail)

    def __getitem__(self, i: int) -> PreviewRow:  # type: ignore[override]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i < len(self.head):
            return self.head[i]
        i -= len(self.head)
        if i < self.history_len:
            return self.history(i)
        return self.tail[i - self.history_len]

    def _sent_index(self, i: int) -> int:
        """The index in self of sent row i."""
        head = len(self.head)
        if i < head:
            return i
        j = i - head
        sent_history = self.history_len - self.first_sent - len(self.left_out)
        if j >= sent_history:  # the draft
            return head + self.history_len + j - sent_history
        index = self.first_sent + j  # a history index, then past each one left out
        for skipped in self.left_out:  # a handful: the turns the user or the rule left out
            if skipped > index:
                break
            index += 1
        return head + index

    def _left_out_index(self, i: int) -> int:
        """The index in self of left-out row i: trimmed ones first, then those left out."""
        return len(self.head) + (i if i < self.first_sent else self.left_out[i - self.first_sent])


class _Slice(Sequence[PreviewRow]):
    def __init__(self, rows: PreviewRows, index: Callable[[int], int], n: int) -> None:
        self._rows, self._index, self._n = rows, index, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> PreviewRow:  # type: ignore[override]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._rows[self._index(i)]


class PreviewModel(QAbstractTableModel):
    """The sent rows (numbered), a "Left out" row, then the left-out rows, greyed."""

    HEADERS = ("#", "Role", "Tokens", "Content")

    def __init__(self, rows: PreviewRows, grey: QColor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows, self._grey = rows, grey
        self._sent = len(rows.sent_rows)
        self._left = len(rows.left_out_rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._sent + (self._left + 1 if self._left else 0)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def separator_row(self) -> int | None:
        return self._sent if self._left else None

    def entry(self, row: int) -> tuple[int | None, PreviewRow] | None:
        """(position among the sent rows, or None for a left-out row; the row), or None for
        the separator."""
        if row < self._sent:
            return row, self.rows.sent_rows[row]
        if row == self._sent:
            return None
        return None, self.rows.left_out_rows[row - self._sent - 1]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if index.row() == self.separator_row():
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        entry = self.entry(index.row())
        column = index.column()
        if entry is None:  # the separator
            if role == Qt.ItemDataRole.DisplayRole and column == 0:
                return self.rows.left_out_heading
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        number, (role_name, name, content, tokens, _sent) = entry
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return "" if number is None else row_number(number, self.rows.tool_rows)
            if column == 1:
                return role_label(role_name, name)
            if column == 2:
                return f"{tokens:,}"
            single = " ".join(content[: _PREVIEW_CHARS * 4].split())
            if len(single) > _PREVIEW_CHARS or len(content) > _PREVIEW_CHARS * 4:
                single = single[:_PREVIEW_CHARS] + "…"
            return single or "(empty)"
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return content if len(content) <= _TIP_CHARS else content[:_TIP_CHARS] + "…"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and number is None:
            return self._grey
        if role == _CONTENT_ROLE:
            return content
        return None


class RequestPreviewDialog(QDialog):
    """The messages of the next request in order, with token counts and the total.

    Open it with open(); Esc or Close dismisses it. Messages the trimming leaves out are
    listed greyed below a separator row.
    """

    def __init__(
        self,
        rows: PreviewRows | list[PreviewRow],
        plan: TrimPlan | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("What will be sent")
        self.setAccessibleName("What will be sent")
        if not isinstance(rows, PreviewRows):
            rows = PreviewRows.of(list(rows))
        self.rows = rows
        self.plan = plan
        self.sent_rows = rows.sent_rows
        self.left_out_rows = rows.left_out_rows
        # The request's messages as the API takes them (tool calls, parts), for Copy as JSON;
        # None: built from the rows' texts.
        self.api_messages: Callable[[], list[dict[str, Any]]] | None = None

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
        self.parameters = QLabel(self)  # what the request carries besides its messages
        self.parameters.setWordWrap(True)
        self.parameters.setAccessibleName("Parameters")
        self.parameters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.parameters.hide()

        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        self.model = PreviewModel(rows, grey, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Messages")
        self.table.setToolTip("The messages in the order they are sent; select one to read it")
        self.table.verticalHeader().setVisible(False)
        # Rows of one height, and columns sized from what is on screen: nothing walks the model.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        header = self.table.horizontalHeader()
        # Widths from the widest text a column can hold, not from its rows: sizing a column to
        # its contents asks the model for every row.
        fm = self.table.fontMetrics()
        pad = 3 * fm.horizontalAdvance("0")
        widths = [f"{len(rows):,}", "assistant (a name)", f"{max(plan.limit, 99_999):,}"
                  if plan is not None else "999,999"]  # fmt: skip
        for column, text in enumerate(widths):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, fm.horizontalAdvance(text) + pad)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        separator = self.model.separator_row()
        if separator is not None:
            self.table.setSpan(separator, 0, 1, 4)

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
        layout.addWidget(self.parameters)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.total)
        layout.addWidget(self.detail, 1)
        layout.addWidget(buttons)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.resize(780, 540)

    def copy_json(self) -> None:
        if self.api_messages is not None:
            text = json.dumps(self.api_messages(), indent=2, ensure_ascii=False)
            QGuiApplication.clipboard().setText(text)
            say_copied(self.copy_button)
            return
        messages = []
        for role, name, content, _tokens, _sent in self.sent_rows:
            if role == TOOLS:  # the tool definitions' row: not a message
                continue
            message = {"role": role, "content": content}
            if name:
                message["name"] = name
            messages.append(message)
        QGuiApplication.clipboard().setText(json.dumps(messages, indent=2, ensure_ascii=False))
        say_copied(self.copy_button)

    def set_parameters(self, parameters: RequestParameters) -> None:
        """Show the parameters the request sends, and those it leaves out with why
        (core/request_params.py: the request's own rule)."""
        lines = ["Parameters sent: " + ("; ".join(parameters.sent) or "none (the defaults)")]
        lines += [f"Not sent: {why}" for why in parameters.left_out]
        self.parameters.setText("\n".join(lines))
        self.parameters.show()

    # -- internals ---------------------------------------------------------------------------
    def _header_text(self) -> str:
        tools = self.rows.tool_rows
        plan = self.plan
        text = sends_text(len(self.sent_rows) - tools, tools)
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
        listed = self.rows.sent_tokens
        prompt = listed + REPLY_PRIMING if self.sent_rows else 0
        text = f"Total: {listed:,} + {REPLY_PRIMING} priming the reply = {prompt:,} prompt tokens"
        if self.plan is not None:
            text += f"; {prompt + self.plan.reserve:,} with the reply reserved"
        return text

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        content = self.model.data(current, _CONTENT_ROLE) if current.isValid() else None
        self.detail.setPlainText(content if isinstance(content, str) else "")
