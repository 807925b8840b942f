"""Opening a conversation file in the real window: read off the GUI thread, newest rows first,
marked as opening meanwhile; a broken file said in words, nothing lost (ui/session_loader.py)."""

from __future__ import annotations

import itertools
import json
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from chatdesk.core.fileformat import FORMAT, VERSION
from chatdesk.ui.worker import wait_for_jobs
from tests.support.opening import open_and_wait, wait_loaded


def write_conversation(path, n: int, broken_at: int | None = None) -> None:
    """A conversation file of `n` messages as chatdesk writes it (indented, messages last);
    message `broken_at` (if any) has a role no API knows."""
    messages = [{"role": "system", "content": "You are terse."}]
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        messages.append({"role": "robot" if i == broken_at else role, "content": f"message {i}"})
    document = {"format": FORMAT, "version": VERSION, "title": "Big", "model": "gpt-4o",
                "draft": "the file's draft", "messages": messages}  # fmt: skip
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")


class Heartbeat:
    """A 5 ms timer on the GUI thread: the longest gap between its ticks is how long the
    window could not react."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def longest_gap(self, start: int = 0, stop: int | None = None) -> float:
        """The longest gap between the ticks `start` to `stop` (indexes into `times`)."""
        times = self.times[start:stop]
        return max(b - a for a, b in itertools.pairwise(times))


def test_a_big_file_opens_newest_rows_first_and_the_window_stays_responsive(
    qtbot, window, tmp_path
):
    small = tmp_path / "small.chatdesk.json"
    write_conversation(small, 10)
    open_and_wait(qtbot, window, [str(small)])  # first-use costs (imports) out of the way
    qtbot.wait(100)
    path = tmp_path / "big.chatdesk.json"
    write_conversation(path, 100_000)
    beat = Heartbeat()
    beat.timer.start()
    qtbot.wait(50)
    started = time.perf_counter()
    window.open_paths([str(path)])
    session = window.session
    assert session.path == path
    assert session.loading
    # While it is read: shown as opening, nothing to type into or send.
    assert window.composer.input.isReadOnly()
    assert not window.composer.button.isEnabled()
    assert not window.composer.attach_button.isEnabled()
    picture = QImage(40, 30, QImage.Format.Format_RGB32)
    picture.fill(0x3366AA)
    picture.save(str(tmp_path / "shot.png"))
    assert not window.side.isEnabled()
    assert "opening" in session.display_name()
    assert not session.send("hello")
    qtbot.waitUntil(lambda: session.model.rowCount() > 0, timeout=30_000)
    assert session.loading  # the newest rows came first, the rest is still being read
    model = session.model
    assert model.message(model.rowCount() - 1).content == "message 99999"
    wait_loaded(qtbot, window, timeout=60_000)
    took = time.perf_counter() - started
    loaded = len(beat.times)  # the heartbeat goes on while the messages are counted
    assert len(session.conversation) == 100_000
    assert session.conversation.system_prompt == "You are terse."
    assert window.system_editor.text() == "You are terse."
    assert window.composer.text() == "the file's draft"
    assert not window.composer.input.isReadOnly()
    assert window.composer.button.isEnabled()
    assert window.composer.attach_button.isEnabled()
    window.attach_flow.attach_files([str(tmp_path / "shot.png")])  # now it takes it
    qtbot.waitUntil(lambda: len(session.conversation.draft_images) == 1, timeout=10_000)
    assert model.message(model.rowCount() - 1).content == "message 99999"
    assert model.history_index(0) == 100_000 - model.rowCount()
    # Reading ~28 MB took a while; the window went on reacting all along (ticks came), and
    # never stopped for more than a fraction of it (the machine's load scales both).
    assert loaded > 20
    assert beat.longest_gap(0, loaded) < max(0.25, took / 2), (beat.longest_gap(0, loaded), took)
    # Counted (the attached image at detail auto makes the count an estimate).
    qtbot.waitUntil(lambda: window.meter.summary.endswith("tokens (estimate)"), timeout=60_000)
    counted = time.perf_counter() - started - took
    qtbot.wait(50)
    beat.timer.stop()
    # Nor while the 100,000 messages were built and counted on a worker, the image attached
    # and the recovery copy written: no garbage collection walked the ~200,000 objects they
    # became (core/collector.py), the copy's JSON was made in pieces (core/recovery.py), the
    # attach counted the history's images without building its messages, and the GUI thread
    # waits at most 1 ms for the interpreter a worker holds (ui/worker.py). Stops of 0.9-2.2 s
    # before; 30-110 ms now on 2 busy cores (230 ms at worst), the load scaling it as above.
    gap = beat.longest_gap(loaded - 1)
    assert gap < max(0.25, counted / 5), (gap, counted)


def test_a_file_broken_past_its_newest_messages_is_explained_and_nothing_is_lost(
    qtbot, window, tmp_path
):
    window.composer.set_text("my own draft")
    before = window.session
    path = tmp_path / "broken.chatdesk.json"
    write_conversation(path, 30_000, broken_at=10)
    content = path.read_bytes()
    window.open_paths([str(path)])
    wait_loaded(qtbot, window, timeout=30_000)
    box = window.message_box
    assert box.windowTitle() == "Cannot open this conversation"
    assert str(path) in box.text()
    assert "message 12 has role 'robot'" in box.text()  # numbered in the file, system first
    assert window.sessions == [before]
    assert window.session is before
    assert window.composer.text() == "my own draft"
    assert path.read_bytes() == content


def test_a_conversation_closed_while_it_opens_writes_nothing(qtbot, window, tmp_path):
    path = tmp_path / "big.chatdesk.json"
    write_conversation(path, 30_000)
    content = path.read_bytes()
    window.open_paths([str(path)])
    session = window.session
    assert session.loading
    window.close_action.trigger()  # nothing to ask: nothing of its own yet
    assert session not in window.sessions
    qtbot.wait(1500)  # the reader stops; no autosave or library write follows
    assert path.read_bytes() == content
    assert window.autosaver.store.entries(live=set()) == []


def test_the_library_opens_a_big_conversation_at_a_message(qtbot, window, tmp_path):
    library = window.context.library
    id = library.new_id()
    library.path(id).parent.mkdir(parents=True, exist_ok=True)
    write_conversation(library.path(id), 20_000)
    window.library_link.open(id, message_index=12)
    session = window.session
    assert session.loading
    wait_loaded(qtbot, window, timeout=30_000)
    model = session.model
    qtbot.waitUntil(lambda: window.transcript.currentIndex().isValid(), timeout=10_000)
    assert model.history_index(window.transcript.currentIndex().row()) == 12
    assert model.message(window.transcript.currentIndex().row()).content == "message 12"


def test_closing_the_window_cancels_the_conversations_still_being_read(
    qtbot, window, tmp_path
):
    """Closing the window while a file is read: the read stops, and when it would have ended
    nothing is done with the closed window (no recent file, no `then`, no binding)."""
    path = tmp_path / "big.chatdesk.json"
    write_conversation(path, 30_000)
    loaded = []
    session = window.open_file(path, then=loaded.append)
    assert session.loading
    recent_before = list(window.context.settings.recent_files)
    settings_file = window.context.settings_path
    window.close()
    assert not window.isVisible()
    written = settings_file.read_bytes()
    assert wait_for_jobs(30), "the reader did not stop"
    qtbot.wait(200)  # what its signals would have delivered
    assert loaded == []
    assert window.context.settings.recent_files == recent_before
    assert settings_file.read_bytes() == written
    assert len(session.conversation) < 30_000  # stopped, not read to the end



def test_a_file_of_large_images_is_counted_before_its_hash_and_saves_over_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    """The meter counts a file of large images as soon as its images are read, not after the
    hash of the whole file (70-200 ms for 54 MB, which it waited for); the hash still guards
    Save: a file another program changed before the hash was done is not written over."""
    import threading

    from PySide6.QtWidgets import QMessageBox

    from chatdesk.core import disk_state
    from tests.support.images import data_url, image_bytes

    gate = threading.Event()
    real = disk_state._digest
    hashed_on_gui_thread: list[bool] = []

    def held(data: bytes) -> bytes:  # the file's hash, held until the test lets it go
        hashed_on_gui_thread.append(threading.current_thread() is threading.main_thread())
        gate.wait(10)
        return real(data)

    monkeypatch.setattr(disk_state, "_digest", held)
    messages = [{"role": "system", "content": "You describe images."}]
    for n in range(3):
        url = data_url(image_bytes(300 + n, 200, noise=True))  # ~240 KB each, read after
        messages.append({"role": "user", "content": [
            {"type": "text", "text": f"What is picture {n}?"},
            {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
        ]})  # fmt: skip
    doc = {"format": FORMAT, "version": VERSION, "title": "Pictures", "model": "gpt-4o",
           "messages": messages}  # fmt: skip
    path = tmp_path / "pictures.chatdesk.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        window.open_paths([str(path)])
        session = window.session
        qtbot.waitUntil(
            lambda: not session.loading
            and session.budget is not None
            and window.meter.state != "counting",
            timeout=10_000,
        )
        assert window.meter.summary.endswith("tokens")
        assert hashed_on_gui_thread == [False]  # the reader's thread hashes, still held
        # Another program writes the file before the hash is done; Save must not overwrite it.
        doc["title"] = "Changed elsewhere"
        path.write_text(json.dumps(doc), encoding="utf-8")
        elsewhere = path.read_bytes()
        window.composer.set_text("mine")
        session.set_modified()
        threading.Timer(0.3, gate.set).start()  # Save waits for the hash it needs
        window.save_action.trigger()
        box = window.files.conflict
        assert box is not None
        assert box.isVisible()
        assert path.read_bytes() == elsewhere
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert path.read_bytes() == elsewhere
    finally:
        gate.set()
        wait_for_jobs(10)
