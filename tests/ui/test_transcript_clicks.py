"""Clicking and copying in the transcript view: action links, body links, code blocks, Ctrl+C,
the context menu, accessibility and the scroll bars."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from chatdesk.core.messages import Message, MessageMeta
from chatdesk.ui.transcript_view import TranscriptView
from tests.support.transcript import REPLY, settle

# -- clicks --------------------------------------------------------------------------------------
# The offscreen platform cannot raise, grab or size popups; real platforms can.
offscreen_popups = pytest.mark.qt_log_ignore("This plugin does not support")


def _click_action(qtbot, view: TranscriptView, row: int, action: str) -> None:
    index = view.model().index(row, 0)
    view.scrollTo(index)
    settle()
    rects = view.delegate.action_rects(view.visualRect(index), index)
    assert action in rects, sorted(rects)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rects[action].center())


@pytest.mark.parametrize(
    ("row", "action", "signal"),
    [
        (0, "edit", "editRequested"),
        (0, "delete", "deleteRequested"),
        (3, "regenerate", "regenerateRequested"),
        (1, "continue", "continueRequested"),
        (2, "retry", "retryRequested"),
    ],
)
def test_clicking_an_action_link_emits_its_signal(qtbot, make_view, row, action, signal):
    view = make_view(
        [
            Message("user", "question"),
            Message("assistant", "cut", meta=MessageMeta(finish_reason="length")),
            Message("assistant", "failed", meta=MessageMeta(error="Network error")),
            Message("assistant", "last reply", meta=MessageMeta(finish_reason="stop")),
        ]
    )
    with qtbot.waitSignal(getattr(view, signal), timeout=1000) as blocker:
        _click_action(qtbot, view, row, action)
    assert blocker.args == [row]


def test_copy_and_copy_code_links_copy_to_the_clipboard(qtbot, make_view):
    view = make_view([Message("user", "plain text"), Message("assistant", REPLY)])
    with qtbot.waitSignal(view.copyRequested, timeout=1000) as blocker:
        _click_action(qtbot, view, 0, "copy")
    assert blocker.args == [0]
    assert QGuiApplication.clipboard().text() == "plain text"
    with qtbot.waitSignal(view.copyCodeRequested, timeout=1000) as blocker:
        _click_action(qtbot, view, 1, "copy_code")
    assert blocker.args == [1, 0]
    assert QGuiApplication.clipboard().text() == "def top(xs):\n    return sorted(xs)[:3]\n"


@offscreen_popups
def test_copy_code_with_several_blocks_offers_a_menu(qtbot, make_view):
    view = make_view([Message("assistant", "```\nfirst\n```\n\n```\nsecond\n```\n")])
    _click_action(qtbot, view, 0, "copy_code")
    assert view.menu is not None
    labels = [a.text() for a in view.menu.actions()]
    assert labels == ["Copy code 1: first", "Copy code 2: second"]
    with qtbot.waitSignal(view.copyCodeRequested, timeout=1000) as blocker:
        view.menu.actions()[1].trigger()
    assert blocker.args == [0, 1]
    assert QGuiApplication.clipboard().text() == "second\n"
    view.menu.close()


def _anchor_pos(view: TranscriptView, row: int, href: str) -> QPoint:
    """A viewport point over the link `href` in a row's body."""
    index = view.model().index(row, 0)
    layout = view.delegate.layout(view.visualRect(index), index)
    body = layout.body
    for y in range(0, int(body.height()), 3):
        for x in range(0, int(body.width()), 3):
            if layout.doc.anchor_at(x, y) == href:
                return QPoint(int(body.left()) + x, int(body.top()) + y)
    raise AssertionError(f"no link {href!r} in row {row}")


def test_clicking_a_body_link_emits_link_activated(qtbot, make_view):
    view = make_view([Message("assistant", REPLY)])
    pos = _anchor_pos(view, 0, "https://docs.python.org/3/")
    with qtbot.waitSignal(view.linkActivated, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["https://docs.python.org/3/"]


def test_the_copy_link_on_a_code_block_copies_that_block(qtbot, make_view):
    view = make_view([Message("assistant", "```\nfirst\n```\n\n```\nsecond\n```\n")])
    pos = _anchor_pos(view, 0, "chatdesk-code:1")
    with qtbot.waitSignal(view.copyCodeRequested, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [0, 1]
    assert QGuiApplication.clipboard().text() == "second\n"


def test_ctrl_c_copies_the_current_message(qtbot, make_view):
    view = make_view([Message("user", "one"), Message("assistant", "two")])
    view.setCurrentIndex(view.model().index(1, 0))
    view.setFocus()
    with qtbot.waitSignal(view.copyRequested, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "two"


@offscreen_popups
def test_context_menu_and_select_all_text(qtbot, make_view):
    view = make_view([Message("user", "question"), Message("assistant", REPLY)])
    menu = view.context_menu(1)
    labels = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert labels == ["Copy", "Copy as text", "Copy code", "Delete", "Regenerate",
                      "Leave out", "Select all text"]  # fmt: skip
    assert [a.text() for a in view.context_menu(0).actions() if a.text()] == [
        "Copy",
        "Copy as text",
        "Edit",
        "Delete",
        "Leave out",
        "Select all text",
    ]
    select = next(a for a in view.context_menu(1).actions() if a.text() == "Select all text")
    select.trigger()
    assert view.text_selection.active
    assert "Sorting" in view.text_selection.text()
    view.menu.close()


def test_view_accessibility(make_view):
    view = make_view([Message("user", "hi")])
    assert view.accessibleName() == "Conversation transcript"
    assert view.accessibleDescription()
    assert view.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_view_scrolls_only_vertically_with_its_bar_always_shown(make_view):
    """Always shown: a bar that came and went with the content would change the width the
    rows are laid out in. No horizontal bar: the cards wrap to the width."""
    view = make_view([Message("user", "hi")])
    assert view.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOn
    assert view.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert view.focusPolicy() == Qt.FocusPolicy.StrongFocus  # keys reach it: Ctrl+C, arrows
