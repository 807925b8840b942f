"""Ctrl+F in the real window: count, next/previous, older messages brought in, marks, Esc."""

from __future__ import annotations

from PySide6.QtCore import Qt

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.ui.chat_session import TRANSCRIPT_WINDOW
from chatdesk.ui.find_marks import CURRENT_COLOR
from tests.support.opening import open_and_wait


def long_file(tmp_path, n=1000, needles=(3, 500, 998)):
    conv = Conversation(system_prompt="sys")
    for i in range(n):
        text = f"message {i}"
        if i in needles:
            text += " — the Zebra crossing"
        conv.append(Message("user" if i % 2 == 0 else "assistant", text))
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    return path


def open_find(qtbot, window, query):
    window.composer.input.setFocus()  # where the focus is while chatting
    qtbot.keyClick(window.composer.input, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.find_bar
    assert bar.isVisible()
    assert bar.field.hasFocus()
    bar.field.setText(query)
    qtbot.waitUntil(lambda: bar.count.text() not in ("",), timeout=5000)
    return bar


def current_row(window):
    return window.transcript.currentIndex().row()


def test_find_counts_moves_and_reaches_messages_not_shown_yet(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, [str(long_file(tmp_path))])
    model = window.session.model
    assert model.hidden == 1000 - TRANSCRIPT_WINDOW  # messages 3 and 500 are not rows yet
    bar = open_find(qtbot, window, "zebra")
    # The reader is at the end: the first hit at or after the screen is message 998.
    assert bar.count.text() == "3 of 3"
    assert model.history_index(current_row(window)) == 998
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # wraps to the first, far above
    assert bar.count.text() == "1 of 3"
    assert model.hidden <= 3  # older messages became rows to show it
    assert model.history_index(current_row(window)) == 3
    index = window.transcript.currentIndex()
    assert window.transcript.viewport().rect().intersects(window.transcript.visualRect(index))
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count.text() == "2 of 3"
    assert model.history_index(current_row(window)) == 500
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count.text() == "1 of 3"
    bar.previous_button.click()
    assert bar.count.text() == "3 of 3"


def test_no_matches_and_esc_closes_and_clears_the_marks(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, [str(long_file(tmp_path, n=20, needles=(5,)))])
    bar = open_find(qtbot, window, "okapi")
    assert bar.count.text() == "No matches"
    bar.field.setText("ZEBRA")
    qtbot.waitUntil(lambda: bar.count.text() == "1 of 1", timeout=5000)
    assert window.transcript.delegate.find_marks(window.session.conversation[5].uid) is not None
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.transcript.delegate.find_marks(window.session.conversation[5].uid) is None
    assert window.composer.input.hasFocus()


def test_the_current_match_is_painted_in_its_colour(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, [str(long_file(tmp_path, n=6, needles=(2,)))])
    bar = open_find(qtbot, window, "zebra")
    assert bar.count.text() == "1 of 1"
    view = window.transcript
    rect = view.visualRect(view.currentIndex())
    image = view.viewport().grab().toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(rect.left(), rect.right(), 2)
        for y in range(max(rect.top(), 0), min(rect.bottom(), image.height()), 2)
    }
    assert CURRENT_COLOR in colours


def test_a_new_reply_is_found_without_typing_again(qtbot, window, server, tmp_path):
    from tests.support.fake_azure import Reply
    from tests.ui.test_main_window import type_and_send, wait_idle

    bar = open_find(qtbot, window, "giraffe")
    assert bar.count.text() == "No matches"
    server.enqueue(Reply(text="A giraffe, and another giraffe."))
    type_and_send(qtbot, window, "name an animal")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: bar.count.text().endswith("of 2"), timeout=5000)


def test_switching_conversations_searches_the_new_one(qtbot, window, tmp_path):
    open_and_wait(qtbot, window, [str(long_file(tmp_path, n=10, needles=(1, 2)))])
    bar = open_find(qtbot, window, "zebra")
    qtbot.waitUntil(lambda: bar.count.text().endswith("of 2"), timeout=5000)
    window.activate(window.sessions[0])  # the empty one the window opened with
    qtbot.waitUntil(lambda: bar.count.text() == "No matches", timeout=5000)


def test_a_match_deep_in_a_long_message_is_scrolled_into_view(qtbot, window, tmp_path):
    lines = [f"line {i} of a long reply" for i in range(400)]
    lines[350] += " with the quokka in it"
    conv = Conversation()
    conv.append(Message("user", "write a lot"))
    conv.append(Message("assistant", "\n\n".join(lines)))
    conv.append(Message("user", "thanks"))
    path = tmp_path / "tall.json"
    save_conversation(conv, path)
    open_and_wait(qtbot, window, [str(path)])
    bar = open_find(qtbot, window, "quokka")
    assert bar.count.text() == "1 of 1"
    view = window.transcript
    assert view.visualRect(view.currentIndex()).height() > 3 * view.viewport().height()
    qtbot.waitUntil(lambda: CURRENT_COLOR in colours_on_screen(view), timeout=3000)


def colours_on_screen(view):
    image = view.viewport().grab().toImage()
    return {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    }


def test_trashing_the_conversation_searched_closes_its_find_bar(qtbot, window):
    # Reported: after trashing a conversation, the bar stayed open on the next one with the
    # old words and "No matches". Trashing another conversation leaves it as it is.
    import time

    from tests.support.opening import wait_loaded
    from tests.ui.test_library_sidebar import add, reload

    library = window.context.library
    other = add(library, "Other", time.time() - 200, texts=("a heron elsewhere", "ok"))
    shown = add(library, "Herons", time.time() - 100, texts=("a heron here", "ok"))
    reload(qtbot, window, "Herons")
    session = window.library_link.open(shown)
    wait_loaded(qtbot, window)
    bar = open_find(qtbot, window, "heron")
    window.sidebar.trash(other)
    qtbot.waitUntil(lambda: library.path(other, trashed=True).exists(), timeout=10_000)
    assert bar.isVisible()
    window.sidebar.trash(shown)
    qtbot.waitUntil(lambda: session not in window.sessions, timeout=10_000)
    assert not bar.isVisible()
    assert window.composer.input.hasFocus()
