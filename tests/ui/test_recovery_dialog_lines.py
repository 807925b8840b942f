"""The "Restore conversations" dialog shows each entry whole (tester, session 13: "… — 12
messages and a question bein…" was cut and needed a horizontal scroll): a long line wraps to
the list's width, and its tooltip has the whole line and the file."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics

from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library
from chatdesk.core.messages import Message
from chatdesk.core.paths import data_dir
from chatdesk.core.recovery import EditInPlace, RecoveryStore
from chatdesk.ui.recovery_dialog import RecoveryDialog


def test_a_long_entry_wraps_and_its_tooltip_has_it_whole(qtbot):
    library = Library(data_dir() / "library")
    path = library.path(Library.new_id())
    conv = Conversation()
    for i in range(6):
        conv.append(Message("user", "Explain the difference between a mutex and a semaphore"))
        conv.append(Message("assistant", f"answer {i}"))
    RecoveryStore().save("a", conv, path, EditInPlace(0, "Explain it again, with an example"))
    dialog = RecoveryDialog(RecoveryStore().entries(), in_library=library.contains)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    item = dialog.list.item(0)
    line = item.text()
    assert line.startswith("Explain the difference between a mutex and a… — 12 messages and a "
                           "question being edited, saved ")  # fmt: skip
    viewport = dialog.list.viewport()
    metrics = QFontMetrics(dialog.list.font())
    assert metrics.horizontalAdvance(line) > viewport.width()  # too long for one line
    assert dialog.list.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
    rect = dialog.list.visualItemRect(item)
    assert rect.width() <= viewport.width()
    assert rect.height() >= 2 * metrics.lineSpacing()  # wrapped, not cut
    assert item.toolTip() == f"{line}\n{path}"
