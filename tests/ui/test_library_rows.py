"""A conversation written by the window updates its one row of the sidebar (replaced, moved,
or inserted with its group's heading), never the whole list: the rows are always what a full
listing would show. And a library conversation gets no recovery copy (its file is written
within about a second), unless the library cannot be written."""

from __future__ import annotations

import random
import time
from pathlib import Path

from chatdesk.core.library import LibraryEntry
from chatdesk.ui.library_model import LibraryModel, Roles

DAY = 86_400.0
NOW = 1_780_000_000.0  # a fixed moment: the groups do not move while the test runs


def entry(n: int, when: float, pinned: bool = False, title: str | None = None) -> LibraryEntry:
    id = f"20260101-000000-{n:06x}"
    return LibraryEntry(id, Path(f"/lib/{id}.chatdesk.json"), title or f"chat {n}", when, 2, pinned)


def shown(model: LibraryModel) -> list[tuple[str, str, str | None]]:
    indexes = [model.index(r) for r in range(model.rowCount())]
    return [(i.data(Roles.Kind).value, i.data(), i.data(Roles.Id)) for i in indexes]


def listed(entries: list[LibraryEntry], files: list[tuple[str, str]]) -> list:
    fresh = LibraryModel()
    fresh.set_files(files)
    fresh.set_entries(entries, NOW)
    return shown(fresh)


def test_put_entry_gives_the_rows_a_full_listing_would(qtmodeltester):
    rng = random.Random(14)
    ages = [0, 60, 3_600, DAY, 1.5 * DAY, 3 * DAY, 10 * DAY, 40 * DAY, 100 * DAY, 400 * DAY]
    for files in ([], [("notes.chatdesk.json", "/home/me/notes.chatdesk.json")]):
        entries = {n: entry(n, NOW - rng.choice(ages) - n) for n in range(12)}
        model = LibraryModel()
        model.set_files(files)
        model.set_entries(list(entries.values()), NOW)
        qtmodeltester.check(model, force_py=True)
        for step in range(300):
            n = rng.randrange(16)  # 12-15: new conversations, then updated again
            pinned = rng.random() < 0.15
            when = NOW - rng.choice(ages) - rng.random() * 100
            entries[n] = entry(n, when, pinned, title=f"chat {n} v{step}")
            model.put_entry(entries[n])
            assert shown(model) == listed(list(entries.values()), files), step
        qtmodeltester.check(model, force_py=True)


def test_a_reply_in_the_top_row_changes_that_row_only(qtbot):
    entries = [entry(n, NOW - n * 60) for n in range(10_000)]
    model = LibraryModel()
    model.set_entries(entries, NOW)
    resets, changed = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda top, bottom, _roles: changed.append((top.row(), bottom.row())))
    started = time.perf_counter()
    model.put_entry(entry(0, NOW, title="renamed by its first reply"))
    spent = time.perf_counter() - started
    assert resets == []
    assert changed == [(1, 1)]  # under "Today"
    assert model.index(1).data() == "renamed by its first reply"
    assert spent < 0.005  # one row, not 10,000 regrouped


def test_a_reply_written_by_the_window_updates_its_row_without_a_listing(qtbot, window, server):
    from tests.support.fake_azure import Reply

    qtbot.waitUntil(lambda: window.sidebar.jobs is not None, timeout=10_000)
    jobs = window.sidebar.jobs
    # The first launch's listings (a listing, then the new index's) are not this test's: under
    # load they were still on their way and counted here.
    qtbot.waitUntil(lambda: not jobs.busy, timeout=10_000)
    listings = []
    server.enqueue(Reply("Paris is the capital."))
    window.composer.set_text("What is the capital of France?")
    window.composer.input.submit.emit()
    session = window.session
    qtbot.waitUntil(lambda: not session.busy and session.library_id is not None
                    and not session.modified, timeout=10_000)  # fmt: skip
    model = window.sidebar.library_model
    qtbot.waitUntil(lambda: model.row_of(session.library_id) >= 0, timeout=5000)
    jobs.listed.connect(lambda *_lists: listings.append(1))  # from the row's update on
    row = model.row_of(session.library_id)
    assert model.index(row).data(Roles.Entry).messages == 2
    assert model.index(row - 1).data() == "Today"
    assert model.index(row).data(Roles.Open)  # bold: open in the window
    assert window.sidebar.list.currentIndex().row() == row  # and shown
    qtbot.wait(1200)  # past the refresh delay: the index is in line, nothing to list again
    assert listings == []
    # No recovery copy was written for it: its library file keeps it.
    assert window.autosaver.store.entries() == []


def test_a_library_conversation_gets_recovery_copies_while_the_library_cannot_be_written(
    qtbot, window, server, monkeypatch
):
    from tests.support.fake_azure import Reply

    saver = window.library_saver
    session = window.session

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(saver.library, "save", refuse)
    server.enqueue(Reply("kept somewhere"))
    window.composer.set_text("keep this")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: bool(saver.problem), timeout=10_000)
    qtbot.waitUntil(lambda: not session.busy, timeout=10_000)
    window.autosaver.save_changed()
    qtbot.waitUntil(lambda: [len(e.conversation_loader()) for e in
                             window.autosaver.store.entries()] == [2], timeout=5000)  # fmt: skip
    monkeypatch.undo()  # the library can be written again: the copy goes once it is
    qtbot.waitUntil(lambda: not saver.problem and not session.modified, timeout=5000)
    qtbot.waitUntil(lambda: window.autosaver.store.entries() == [], timeout=5000)
