"""Switching a turn's version under an open edit of its question, on the real window (tester,
session 13): the edit is never lost unasked. ‹ › and a sidebar search hit in another version
ask as Esc does (Keep editing the default); kept, the version shown stays and Resend sends the
edit; discarded, the other version shows. An edit left as it was simply closes. Resending an
edited question follows the reply, as sending from the message box does."""

from __future__ import annotations

from PySide6.QtCore import Qt

from chatdesk.core import alternatives
from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.ui.library_model import Roles
from tests.support.fake_azure import Reply
from tests.ui.test_edit_with_images import BLUE_PART, RED_PART, _ask
from tests.ui.test_inline_edit_kept import button, editing
from tests.ui.test_main_window import contents, type_and_send, wait_idle
from tests.ui.test_turn_cards import click_action

SECOND = " SECOND UNSENT EDIT"
IMPORTANT = " and IMPORTANT UNSENT EDIT TEXT"


def _two_versions(qtbot, window, server):
    """A first question showing 2/2, as the tester had it."""
    server.enqueue(Reply("a1"), Reply("a1 again"))
    type_and_send(qtbot, window, "first question")
    wait_idle(qtbot, window)
    window.session.edit_and_resend(0, "first question, asked again")
    wait_idle(qtbot, window)
    assert alternatives.position(window.session.conversation[0]) == (2, 2)
    return window.session


def test_a_flip_over_a_changed_edit_asks_and_keep_editing_leaves_the_version(qtbot, window, server):
    session = _two_versions(qtbot, window, server)
    requests = len(server.requests)
    editor = editing(window)
    qtbot.keyClicks(editor, SECOND)
    click_action(qtbot, window, 0, "version_prev")
    box = window.discard_question
    assert box is not None  # was: the card flipped under the editor, no question asked
    assert box.isVisible()
    assert box.text() == "Discard your changes to this question?"
    assert "another version" in box.informativeText()
    assert box.defaultButton() is button(box, "&Keep editing")
    assert alternatives.position(session.conversation[0]) == (2, 2)  # nothing yet

    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: Keep editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert alternatives.position(session.conversation[0]) == (2, 2)
    assert window.inline_edit.editor is editor
    assert editor.toPlainText() == f"first question, asked again{SECOND}"
    assert "Resend or Cancel the edit" in window.statusBar().currentMessage()

    # Resend then sends the edit (it did nothing, silently): a request and a third version.
    server.enqueue(Reply("a1 third"))
    qtbot.mouseClick(editor.resend_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert len(server.requests) == requests + 1
    assert contents(window) == [("user", f"first question, asked again{SECOND}"),
                                ("assistant", "a1 third")]  # fmt: skip
    assert alternatives.position(session.conversation[0]) == (3, 3)


def test_a_flip_over_a_changed_edit_discarded_shows_the_other_version(qtbot, window, server):
    session = _two_versions(qtbot, window, server)
    editor = editing(window)
    qtbot.keyClicks(editor, SECOND)
    click_action(qtbot, window, 0, "version_next")  # › goes round to 1/2
    button(window.discard_question, "&Discard").click()
    assert window.inline_edit.editor is None  # not left drawn over the other version
    assert alternatives.position(session.conversation[0]) == (1, 2)
    assert contents(window) == [("user", "first question"), ("assistant", "a1")]
    assert session.unfinished_edit() is None


def test_a_flip_over_an_unchanged_edit_closes_it(qtbot, window, server):
    session = _two_versions(qtbot, window, server)
    editing(window)
    click_action(qtbot, window, 0, "version_prev")
    assert window.discard_question is None
    assert window.inline_edit.editor is None
    assert alternatives.position(session.conversation[0]) == (1, 2)


def _hit(qtbot, window, query):
    sidebar = window.sidebar
    sidebar.search.setText(query)
    results = sidebar.search_model
    qtbot.waitUntil(lambda: sidebar.list.model() is results and results.query == query
                    and results.rowCount() == 1, timeout=10_000)  # fmt: skip
    assert results.index(0).data(Roles.Hit).other_version
    rect = sidebar.list.visualRect(results.index(0))
    qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_search_hit_in_another_version_asks_before_dropping_an_open_edit(qtbot, window):
    library = window.context.library
    conv = Conversation(title="Otters")
    question = Message("user", "Where do otters sleep?")
    answer = Message("assistant", "In holts, dens by the water, lined with grass.")
    second = [Message("user", "Where do otters sleep at night?"),
              Message("assistant", "Sea otters float, holding paws.")]  # fmt: skip
    question.meta.alternatives = alternatives.after_replacing(second)
    question.meta.alternatives["shown"] = 0  # the tester's showed 1/2 (version 2 kept)
    question.meta.alternatives["versions"].reverse()
    conv.append(question)
    conv.append(answer)
    id = library.create(conv).id
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: sidebar.jobs is not None, timeout=10_000)
    sidebar.jobs.refresh()
    qtbot.waitUntil(lambda: sidebar.library_model.rowCount() >= 1, timeout=10_000)
    window.library_link.open(id)
    qtbot.waitUntil(lambda: window.session.path == library.path(id)
                    and not window.session.loading, timeout=10_000)  # fmt: skip
    session = window.session
    assert alternatives.position(session.conversation[0]) == (1, 2)
    editor = editing(window)
    qtbot.keyClicks(editor, IMPORTANT)

    _hit(qtbot, window, "paws")  # only version 2 holds it
    box = window.discard_question
    assert box is not None  # was: version 2 shown, the editor closed, the text gone
    assert box.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Keep editing
    qtbot.waitUntil(lambda: not box.isVisible())
    assert alternatives.position(session.conversation[0]) == (1, 2)
    assert window.inline_edit.editor is editor
    assert editor.toPlainText() == f"Where do otters sleep?{IMPORTANT}"
    assert window.statusBar().currentMessage() == (
        "The words are in another version of this turn: ‹ › on its card shows it once your "
        "edit is resent or cancelled"
    )

    _hit(qtbot, window, "holding paws")
    button(window.discard_question, "&Discard").click()
    assert window.inline_edit.editor is None
    qtbot.waitUntil(lambda: alternatives.position(session.conversation[0]) == (2, 2),
                    timeout=5000)  # fmt: skip
    assert window.statusBar().currentMessage() == (
        "Showing version 2 of 2 of this turn, where the words are"
    )


def test_resending_an_edited_question_with_images_follows_the_reply(qtbot, window, server):
    window.resize(1200, 560)  # the question's card taller than the transcript, as in shots2/19
    _ask(qtbot, window, server, "Compare these two.", [RED_PART, BLUE_PART])
    click_action(qtbot, window, 0, "edit")
    editor = window.inline_edit.editor
    qtbot.keyClicks(editor, " Which is larger?")
    bar = window.transcript.verticalScrollBar()
    server.enqueue(Reply("\n\n".join(f"Paragraph {n} about the red one." for n in range(40))))
    qtbot.mouseClick(editor.resend_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    qtbot.wait(100)
    assert (
        window.transcript.viewport().height()
        < window.transcript.visualRect(window.transcript.model().index(0, 0)).height()
    )
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()  # was: still at the top of the question
