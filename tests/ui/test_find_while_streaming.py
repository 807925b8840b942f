"""Find (Ctrl+F) while a long reply streams (tester 14a, finding 5): the count follows the text
as it arrives, and Enter or F3 go to the match in the streaming reply and mark it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle
from tests.ui.test_selection_in_long_reply import long_reply


def test_find_follows_a_streaming_reply_and_enter_goes_to_the_match(qtbot, window, server):
    reply = long_reply(steps=16)
    server.enqueue(Reply(text=reply, chunk_size=30, delay=0.01))  # ~450 chunks, 100 a second
    type_and_send(qtbot, window, "the plan")
    view, session = window.transcript, window.session
    qtbot.waitUntil(lambda: "Step 5" in session.conversation[-1].content, timeout=5000)
    # The reader goes back to the top of the reply while the rest arrives.
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + view.visualRect(view.model().index(1, 0)).top())
    assert bar.value() < bar.maximum()
    window.composer.input.setFocus()
    qtbot.keyClick(window.composer.input, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    find = window.find_bar
    find.field.setText("func_12_3")
    qtbot.waitUntil(lambda: find.count.text() == "No matches", timeout=3000)
    assert session.busy  # said while the reply streams, not once it has ended
    # The count follows the text as it arrives.
    qtbot.waitUntil(lambda: find.count.text() == "1 of 1", timeout=5000)
    assert session.busy
    before = bar.value()
    assert "func_12_3" not in view_text(view)  # found, not yet gone to
    qtbot.keyClick(find.field, Qt.Key.Key_Return)
    assert session.busy
    assert bar.value() != before
    assert "func_12_3" in view_text(view)  # the match's line is on screen
    uid = session.conversation[-1].uid
    marks = view.delegate.find_marks(uid)
    assert marks is not None
    assert marks.current == 0  # marked as the current match
    # F3 again, while the reply goes on: still there.
    qtbot.keyClick(find.field, Qt.Key.Key_F3)
    assert "func_12_3" in view_text(view)
    assert find.count.text() == "1 of 1"
    wait_idle(qtbot, window)


def view_text(view):
    """The reply's text on screen now: its body's lines that meet the viewport."""
    index = view.model().index(1, 0)
    lay = view.delegate.layout(view.visualRect(index), index)
    body = lay.doc
    top, bottom = -lay.body.top(), -lay.body.top() + view.viewport().height()
    tops = body.tops()
    shown = []
    for piece in range(body.piece_count()):
        if tops[piece + 1] < top or tops[piece] > bottom:
            continue
        doc = body.document(piece)
        block = doc.begin()
        while block.isValid():
            rect = doc.documentLayout().blockBoundingRect(block)
            layout = block.layout()
            for n in range(layout.lineCount()):
                line = layout.lineAt(n)
                y = tops[piece] + rect.top() + line.y()
                if top <= y and y + line.height() <= bottom:
                    shown.append(
                        block.text()[line.textStart() : line.textStart() + line.textLength()]
                    )
            block = block.next()
    return "\n".join(shown)
