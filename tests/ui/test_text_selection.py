"""Text in the transcript (issue 15 item 5) on the real window: part of a message selected with
the mouse or the keyboard and copied as text or Markdown, "Copied" for every copy, inline code
in a monospace face, a bar beside block quotes, a link's target shown before it opens."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QFontInfo, QGuiApplication, QImage, QPainter, QTextCursor
from PySide6.QtWidgets import QApplication

from chatdesk.ui.markdown import BREAK, LONG_RUN
from tests.support.fake_azure import Reply
from tests.ui.test_main_window import type_and_send, wait_idle

REPLY = "Use **sorted** for a new list.\n\nThe `key` argument picks the field.\n"


def reply_row(qtbot, window, server, text=REPLY):
    server.enqueue(Reply(text=text, chunk_size=64))
    type_and_send(qtbot, window, "how?")
    wait_idle(qtbot, window)
    view = window.transcript
    index = view.model().index(1, 0)
    view.scrollTo(index)
    qtbot.wait(30)
    return view, index


def point_of(view, index, piece, position):
    """The viewport point of character `position` of body piece `piece`."""
    lay = view.delegate.layout(view.visualRect(index), index)
    doc = lay.doc.document(piece)
    block = doc.findBlock(position)
    line = block.layout().lineForTextPosition(position - block.position())
    x = line.cursorToX(position - block.position())[0]
    top = lay.doc.tops()[piece] + block.layout().position().y() + line.y()
    return QPoint(round(lay.body.left() + x + 1), round(lay.body.top() + top + line.height() / 2))


def test_dragging_selects_part_of_a_reply_and_ctrl_c_copies_it(qtbot, window, server):
    view, index = reply_row(qtbot, window, server)
    viewport = view.viewport()
    start = point_of(view, index, 0, len("Use "))
    end = point_of(view, index, 0, len("Use sorted for a"))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert view.text_selection.text() == "sorted for a"
    assert view.text_selection.text(markdown=True) == "**sorted** for a"
    with qtbot.waitSignal(view.copied):
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "sorted for a"
    assert window.statusBar().currentMessage() == "Copied"
    # The selection is painted: the highlight colour appears in the row.
    image = QImage(viewport.size(), QImage.Format.Format_ARGB32)
    viewport.render(image)
    highlight = view.palette().highlight().color().rgb()
    assert any(image.pixel(x, start.y()) == highlight for x in range(start.x(), end.x()))


def test_the_keyboard_selects_and_copies_as_markdown(qtbot, window, server):
    view, index = reply_row(qtbot, window, server)
    view.setCurrentIndex(index)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert (
        view.text_selection.text()
        == "Use sorted for a new list.\nThe key argument picks the field."
    )
    view.text_selection.copy(markdown=True)
    assert QGuiApplication.clipboard().text() == REPLY  # the message's own Markdown
    # Shift+Home from the end, then Shift+Right a few times: from the start.
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.text_selection.active
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view.text_selection.text() == "Use"
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    assert view.text_selection.text().endswith("picks the field.")
    menu = view.context_menu(1)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels[:2] == ["Copy selection", "Copy selection as Markdown"]
    assert "Copy as text" in labels
    assert "Select all text" in labels
    menu.close()


def test_double_click_selects_a_word(qtbot, window, server):
    view, index = reply_row(qtbot, window, server)
    pos = point_of(view, index, 0, len("Use so"))
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert view.text_selection.text() == "sorted"


def test_copied_text_has_no_invisible_break_characters(qtbot, window, server):
    run = "x" * (LONG_RUN * 3)
    view, index = reply_row(qtbot, window, server, f"see {run} end")
    lay = view.delegate.layout(view.visualRect(index), index)
    assert BREAK in lay.doc.document(0).toPlainText()  # the rendering has them
    view.text_selection.select_all(1)
    assert view.text_selection.text() == f"see {run} end"
    view.copy_message_text(1)
    assert QGuiApplication.clipboard().text() == f"see {run} end"
    assert window.statusBar().currentMessage() == "Copied"


def test_every_copy_says_copied(qtbot, window, server):
    view, _index = reply_row(qtbot, window, server, "```\ncode\n```\n")
    window.statusBar().clearMessage()
    view.copy_code(1, 0)
    assert window.statusBar().currentMessage() == "Copied"
    window.statusBar().clearMessage()
    view.copy_message(1)
    assert window.statusBar().currentMessage() == "Copied"


def test_inline_code_is_monospace_and_quotes_have_a_bar(qtbot, window, server):
    view, index = reply_row(qtbot, window, server, "Call `sorted()` now.\n\n> quoted words\n")
    lay = view.delegate.layout(view.visualRect(index), index)
    doc = lay.doc.document(0)
    cursor = QTextCursor(doc)
    cursor.setPosition(len("Call s"))
    assert QFontInfo(cursor.charFormat().font()).fixedPitch()
    cursor.setPosition(2)
    assert not QFontInfo(cursor.charFormat().font()).fixedPitch()
    # The quote: a bar of its own colour left of the text.
    quote = lay.doc.document(1)
    image = QImage(int(lay.body.width()), int(quote.size().height()), QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    quote.drawContents(painter)
    painter.end()
    bar = [image.pixelColor(x, int(quote.size().height()) // 2).name() for x in range(6)]
    assert "#b8bec6" in bar


def test_a_link_shows_its_target_before_it_opens(qtbot, window, server):
    view, index = reply_row(qtbot, window, server, "Read [the docs](https://docs.python.org/3/).\n")
    lay = view.delegate.layout(view.visualRect(index), index)
    body = lay.body
    target = None
    for y in range(0, int(body.height()), 2):
        for x in range(0, int(body.width()), 3):
            if lay.doc.anchor_at(x, y):
                target = QPoint(int(body.left()) + x, int(body.top()) + y)
                break
        if target:
            break
    assert target is not None
    with qtbot.waitSignal(view.linkHovered) as hovered:
        qtbot.mouseMove(view.viewport(), target)
    assert hovered.args == ["https://docs.python.org/3/"]
    assert "https://docs.python.org/3/" in window.statusBar().currentMessage()
    assert view.delegate.hit_test(view.visualRect(index), index, target) == (
        "link", "https://docs.python.org/3/",
    )  # fmt: skip


def test_a_link_s_target_leaves_the_status_bar_with_the_pointer(qtbot, window, server):
    # Reported (session 13 tester): the pointer left the transcript straight from a link and
    # the link's target stayed in the status bar, over the status line, until the next move
    # over the transcript.
    view, index = reply_row(qtbot, window, server, "Read [the docs](https://docs.python.org/3/).\n")
    lay = view.delegate.layout(view.visualRect(index), index)
    body = lay.body
    target = next(
        QPoint(int(body.left()) + x, int(body.top()) + y)
        for y in range(0, int(body.height()), 2)
        for x in range(0, int(body.width()), 3)
        if lay.doc.anchor_at(x, y)
    )
    window.notice.setText("Ready")
    qtbot.mouseMove(view.viewport(), QPoint(1, 1))  # (the pointer may be there already)
    qtbot.mouseMove(view.viewport(), target)
    qtbot.waitUntil(lambda: bool(window.statusBar().currentMessage()))
    assert not window.notice.isVisible()  # (the status bar hides it under a message)
    QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))  # as the pointer leaves
    assert window.statusBar().currentMessage() == ""
    assert window.notice.isVisible()


def test_selecting_in_a_200_kb_reply_renders_only_what_is_on_screen(qtbot, window, server):
    paragraph = "A sentence of a very long reply, repeated to make it long. " * 8 + "\n\n"
    text = paragraph * (200_000 // len(paragraph))
    view, index = reply_row(qtbot, window, server, text)
    view.scrollToTop()
    qtbot.wait(30)
    delegate = view.delegate
    before = delegate.render_count
    start = point_of(view, index, 0, 2)
    end = point_of(view, index, 1, 10)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(10):
        qtbot.mouseMove(
            view.viewport(), QPoint(end.x(), start.y() + (end.y() - start.y()) * step // 9)
        )
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    pieces = view.delegate.layout(view.visualRect(index), index).doc.piece_count()
    assert pieces > 20
    assert delegate.render_count - before < 10  # the pieces on screen, not the reply's
    assert view.text_selection.text().startswith("sentence of a very long reply")
