"""Building a long conversation: no garbage collection walks the heap meanwhile, nor after."""

from __future__ import annotations

import gc

from chatdesk.core import collector


def test_building_many_messages_runs_no_collection_and_freezes_them_until_the_last_close():
    started: list[int] = []

    def note(phase, info):
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(note)
    try:
        with collector.building(collector.MANY_MESSAGES):
            built = [[n] for n in range(300_000)]  # tracked objects, as messages are
            assert started == []  # a collection here held the interpreter 200-350 ms
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(built)  # no later collection walks them
        collector.release([12, collector.MANY_MESSAGES])  # closed; a long one is still open
        assert gc.get_freeze_count() >= len(built)  # a pass would walk that one again
        collector.release([12])  # the long ones closed: a cycle in them can be reclaimed
        assert gc.get_freeze_count() == 0
    finally:
        gc.callbacks.remove(note)
        collector.release([])


def test_a_long_file_is_read_with_collection_paused_too():
    with collector.building(file_bytes=collector.MANY_BYTES):
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    collector.release([])
    assert gc.get_freeze_count() == 0


def test_a_short_conversation_changes_nothing():
    with collector.building(collector.MANY_MESSAGES - 1, file_bytes=collector.MANY_BYTES - 1):
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0
