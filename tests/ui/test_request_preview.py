"""The request preview dialog (ui/request_preview.py): sent and left-out rows, copy, escape,
the error."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from chatdesk.ui.request_preview import RequestPreviewDialog
from tests.support.accessibility import assert_accessible
from tests.support.trim_plans import make_plan

# The offscreen platform says this whenever a top-level widget is shown; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# -- request preview -------------------------------------------------------------------------
ROWS = [
    ("system", None, "Be brief.", 7, True),
    ("user", "example_user", "Example?", 8, True),
    ("user", None, "old question", 5, False),
    ("assistant", None, "old answer\nover lines", 9, False),
    ("user", None, "When are my taxes due?", 12, True),
    ("user", None, "and the draft", 6, True),
]


@pytest.fixture
def preview(qtbot):
    dialog = RequestPreviewDialog(
        ROWS, make_plan(pinned_tokens=15, history_tokens=12, draft_tokens=6, first_sent=2)
    )
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_preview_lists_sent_then_left_out(preview):
    table, model = preview.table, preview.table.model()

    def text(r: int, c: int) -> str:
        return model.index(r, c).data()

    assert model.rowCount() == 4 + 1 + 2
    cells = [[text(r, c) for c in range(4)] for r in range(4)]
    assert cells == [
        ["1", "system", "7", "Be brief."],
        ["2", "user (example_user)", "8", "Example?"],
        ["3", "user", "12", "When are my taxes due?"],
        ["4", "user", "6", "and the draft"],
    ]
    assert text(4, 0) == "Left out: 2 older messages, not sent"
    assert table.columnSpan(4, 0) == 4
    assert text(6, 3) == "old answer over lines"
    assert model.index(6, 3).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed
    assert model.index(0, 3).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "sends 4 messages: 36 prompt tokens + 250 reserved" in preview.header.text()
    assert preview.total.text() == (
        "Total: 33 + 3 priming the reply = 36 prompt tokens; 286 with the reply reserved"
    )
    table.setCurrentIndex(model.index(6, 3))
    assert preview.detail.toPlainText() == "old answer\nover lines"


def test_preview_copies_the_sent_messages(preview):
    preview.copy_json()
    messages = json.loads(QGuiApplication.clipboard().text())
    assert messages[1] == {"role": "user", "content": "Example?", "name": "example_user"}
    assert [m["content"] for m in messages][-1] == "and the draft"
    assert len(messages) == 4
    assert preview.copy_button.text() == "Copied"  # every copy says so
    assert preview.copy_button.accessibleName() == "Copy as JSON"


def test_preview_closes_with_escape(preview, qtbot):
    assert preview.isVisible()
    assert preview.error.isHidden()
    with qtbot.waitSignal(preview.finished):
        qtbot.keyClick(preview, Qt.Key.Key_Escape)
    assert not preview.isVisible()


def test_preview_shows_the_error(qtbot):
    plan = make_plan(fits=False, error="Too big.")
    dialog = RequestPreviewDialog([("user", None, "x", 5, True)], plan)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.error.text() == "Too big."
    assert dialog.error.isVisible()
    assert "sends 1 message:" in dialog.header.text()
    assert_accessible(dialog)
