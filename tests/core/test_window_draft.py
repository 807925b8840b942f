"""Whose draft a library file keeps when two windows have its conversation open
(core/window_draft.py; the windows themselves: tests/ui/test_two_windows.py)."""

from __future__ import annotations

from chatdesk.core.conversation import Conversation
from chatdesk.core.window_draft import Draft, WindowDraft

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


def written(keeper: WindowDraft, own: Draft) -> Draft:
    conv = Conversation()
    own.put_in(conv)
    return Draft.of(keeper.to_write(conv.snapshot()))


def test_a_window_without_a_draft_writes_back_the_one_another_window_left():
    keeper = WindowDraft()
    keeper.followed(own=Draft(), file=Draft("Draft in window one, not sent yet"))
    assert not keeper.unwritten  # nothing of this window's own to lose
    assert written(keeper, Draft()) == Draft("Draft in window one, not sent yet")
    # Its own draft, when it has one, is what the file keeps (the window that typed last).
    assert written(keeper, Draft("mine")) == Draft("mine")


def test_a_draft_that_is_no_longer_in_the_file_is_unwritten_until_the_next_write():
    keeper = WindowDraft()
    keeper.followed(own=Draft("mine", (IMAGE,)), file=Draft("theirs"))
    assert keeper.unwritten
    assert written(keeper, Draft("mine", (IMAGE,))) == Draft("mine", (IMAGE,))
    assert not keeper.unwritten


def test_a_file_holding_this_windows_own_draft_leaves_no_other_draft():
    # The other window had none and wrote this one's back: erasing it here erases it.
    keeper = WindowDraft()
    keeper.followed(own=Draft("mine"), file=Draft("mine"))
    assert not keeper.unwritten
    assert written(keeper, Draft()) == Draft()


def test_the_live_conversation_keeps_its_own_draft_when_a_snapshot_is_written():
    keeper = WindowDraft()
    keeper.followed(own=Draft(), file=Draft("theirs", (IMAGE,)))
    conv = Conversation()
    assert Draft.of(keeper.to_write(conv.snapshot())) == Draft("theirs", (IMAGE,))
    assert Draft.of(conv) == Draft()
