"""Selecting in a long reply on the real window (tester 14a, findings 1 and 2): a drag selects
the text under the pointer even when the transcript had not had the focus, nothing scrolls on
the press, and copied text holds the code of a code block, not its language and "Copy code"."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle


def long_reply(steps: int = 12) -> str:
    """Sections of prose, each with a code block: a card many viewports tall."""
    parts = ["# Migration plan\n"]
    for i in range(steps):
        parts.append(f"\n## Step {i}\n\nWe change `module_{i}.py`: " + f"word{i} " * 40 + "\n\n")
        lines = "".join(f"def func_{i}_{j}(x, y):\n    return x * {j} + y\n\n" for j in range(6))
        parts.append(f"```python\n{lines}```\n")
    return "".join(parts)


def where(view, index, text):
    """(piece, start) of `text` in the body of row `index`."""
    body = view.delegate.layout(view.visualRect(index), index).doc
    for piece in range(body.piece_count()):
        found = body.document(piece).find(text)
        if not found.isNull():
            return piece, found.selectionStart()
    raise AssertionError(text)


def long_reply_row(qtbot, window, server):
    reply = long_reply()
    server.enqueue(Reply(text=reply, chunk_size=400))
    type_and_send(qtbot, window, "the plan")
    wait_idle(qtbot, window)
    view = window.transcript
    index = view.model().index(1, 0)
    # The reply read a while: every piece laid out, the card at its exact height.
    view.delegate.layout(view.visualRect(index), index).doc.lay_out_all()
    view.delegate.measure(index, now=True)
    view.scheduleDelayedItemsLayout()
    view.executeDelayedItemsLayout()
    qtbot.wait(30)
    assert view.visualRect(index).height() > 5 * view.viewport().height()
    return view, index


def point_of(view, index, piece, position):
    """The viewport point of character `position` of body piece `piece` (in a code block
    too: its line's place in the document, not in the table's cell)."""
    lay = view.delegate.layout(view.visualRect(index), index)
    doc = lay.doc.document(piece)
    block = doc.findBlock(position)
    line = block.layout().lineForTextPosition(position - block.position())
    rect = doc.documentLayout().blockBoundingRect(block)
    x = rect.left() + line.cursorToX(position - block.position())[0]
    y = rect.top() + line.y() + line.height() / 2
    top = lay.doc.tops()[piece]
    return QPoint(round(lay.body.left() + x + 1), round(lay.body.top() + top + y))


def centre_on(qtbot, view, index, piece, position):
    """Scroll so that (piece, position) is in the middle of the viewport."""
    bar = view.verticalScrollBar()
    point = point_of(view, index, piece, position)
    bar.setValue(bar.value() + point.y() - view.viewport().height() // 2)
    qtbot.wait(30)


def drag_over(qtbot, window, view, index, text):
    """Centre `text` (a reply's lines) on screen with the message box focused and the reply's
    row not current, as after switching conversations, while streaming or from a search
    result; drag over it with the mouse and copy. The scroll bar's value must not change."""
    piece, start = where(view, index, text.split("\n")[0])
    view.setCurrentIndex(view.model().index(0, 0))
    centre_on(qtbot, view, index, piece, start)
    window.composer.input.setFocus()
    qtbot.waitUntil(lambda: window.composer.input.hasFocus())
    bar = view.verticalScrollBar()
    before = bar.value()
    first = point_of(view, index, piece, start)
    last = point_of(view, index, piece, start + len(text))
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=first)
    assert bar.value() == before  # nothing scrolls on a press
    qtbot.mouseMove(viewport, QPoint(first.x() + 5, (first.y() + last.y()) // 2))
    qtbot.mouseMove(viewport, last)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=last)
    assert bar.value() == before
    assert view.hasFocus()
    assert view.text_selection.text() == text
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(view.copied):
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == text
    assert window.statusBar().currentMessage() == "Copied"


def test_a_drag_in_a_long_reply_selects_what_is_under_it_without_scrolling(qtbot, window, server):
    view, index = long_reply_row(qtbot, window, server)
    drag_over(
        qtbot, window, view, index, "def func_7_2(x, y):\n    return x * 2 + y\n\ndef func_7_3"
    )


def test_a_drag_in_a_streaming_reply_selects_what_is_under_it(qtbot, window, server):
    server.enqueue(Reply(text=long_reply(steps=16), chunk_size=30, delay=0.01))
    type_and_send(qtbot, window, "the plan")
    session, view = window.session, window.transcript
    qtbot.waitUntil(lambda: "Step 9" in session.conversation[-1].content, timeout=5000)
    index = view.model().index(1, 0)
    drag_over(
        qtbot, window, view, index, "def func_3_2(x, y):\n    return x * 2 + y\n\ndef func_3_3"
    )
    assert session.busy  # all of it while the reply streamed
    wait_idle(qtbot, window)


def test_copied_text_across_a_code_block_has_no_language_or_copy_code(qtbot, window, server):
    view, index = long_reply_row(qtbot, window, server)
    end_piece, end = where(view, index, "def func_3_1")
    start_piece, start = where(view, index, "module_3.py")
    view.text_selection.select(1, (start_piece, start), (end_piece, end + len("def func_3_1")))
    text = view.text_selection.text()
    assert text.startswith("module_3.py: word3 word3")
    assert "python" not in text
    assert "Copy code" not in text
    assert "\ndef func_3_0(x, y):\n    return x * 0 + y\n" in text
    assert text.endswith("def func_3_1")
    # As Markdown: the paragraph, then the part of the code as a fence of its language.
    markdown = view.text_selection.text(markdown=True)
    assert markdown.startswith("`module_3.py`: word3 word3")
    assert markdown.endswith(
        "word3\n\n```python\ndef func_3_0(x, y):\n    return x * 0 + y\n\ndef func_3_1\n```"
    )
    # From inside the code to the paragraph after it: the code, then the heading.
    tail_piece, tail = where(view, index, "def func_3_5")
    tail += len("def func_3_5(x, y):\n    ")
    after_piece, after = where(view, index, "Step 4")
    view.text_selection.select(1, (tail_piece, tail), (after_piece, after + len("Step 4")))
    assert view.text_selection.text() == "return x * 5 + y\nStep 4"
    # "Copy code" still copies exactly the block.
    view.copy_code(1, 3)
    code = "".join(f"def func_3_{j}(x, y):\n    return x * {j} + y\n\n" for j in range(6))
    assert QGuiApplication.clipboard().text() == code


def test_a_drag_past_the_edge_scrolls_a_streaming_reply_that_was_held_in_place(
    qtbot, window, server
):
    server.enqueue(Reply(text=long_reply(steps=16), chunk_size=30, delay=0.01))
    type_and_send(qtbot, window, "the plan")
    session, view = window.session, window.transcript
    qtbot.waitUntil(lambda: "Step 6" in session.conversation[-1].content, timeout=5000)
    view.show_history_index(1)  # as going to a find's match does: the row is held in place
    qtbot.wait(30)
    bar, viewport = view.verticalScrollBar(), view.viewport()
    bottom = QPoint(100, viewport.height() - 3)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(100, viewport.height() // 2))
    before = bar.value()
    for _ in range(5):
        qtbot.mouseMove(viewport, bottom)
    scrolled = bar.value()
    assert scrolled > before
    qtbot.wait(300)  # chunks arrive, the list is laid out again
    assert session.busy
    assert bar.value() >= scrolled  # not scrolled back (the pointer held there scrolls on)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=bottom)
    assert view.text_selection.active
    wait_idle(qtbot, window)


def test_a_pointer_held_past_the_bottom_keeps_scrolling_and_selecting(qtbot, window, server):
    # Tester 14b: dragging past the transcript's edge scrolled only while the pointer moved, so
    # a drag could not select more than the screen showed.
    view, index = long_reply_row(qtbot, window, server)
    piece, start = where(view, index, "def func_2_0")
    centre_on(qtbot, view, index, piece, start)
    bar = view.verticalScrollBar()
    viewport = view.viewport()
    first = point_of(view, index, piece, start)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=first)
    before = bar.value()
    below = QPoint(first.x(), viewport.height() + 10)  # held there: no more moves
    qtbot.mouseMove(viewport, below)
    qtbot.wait(500)
    assert bar.value() > before + 300  # ~34 px every 30 ms
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=below)
    scrolled = bar.value()
    qtbot.wait(100)
    assert bar.value() == scrolled  # the release stops it
    text = view.text_selection.text()
    assert text.startswith("def func_2_0")
    assert "func_4_0" in text  # more than the screen held when the drag began
