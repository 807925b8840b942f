"""Plain `.json` files put into the library folder that chatdesk cannot open as its own
conversations (tester's finding 8: an unreadable one was renamed to an id): the real window
leaves each exactly as it is, name and bytes, does not list it, and says once in the status
line which file was skipped and why."""

from __future__ import annotations

import json

from chatdesk.core.fileformat import FILE_SUFFIX, dumps
from chatdesk.ui.main_window import MainWindow
from tests.core.conftest import chat
from tests.ui.test_library_sync import titles

THEIRS = {
    "broken.json": '{"format": "chatdesk.conversation", "version": 2, "messages": [',
    "body.json": json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    "newer.json": json.dumps({"format": "chatdesk.conversation", "version": 99, "messages": []}),
}


def listing_done(window):
    jobs = window.sidebar.jobs
    return jobs is not None and not jobs.busy


def test_json_chatdesk_cannot_open_is_left_as_it_is_and_said_once(qtbot, context):
    # The files are there before the window starts: the window watches the folder from its
    # first paint on, and files arriving one by one are rightly said one by one (CI once
    # listed the folder between two of these writes and said twice).
    folder = context.library.folder
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in THEIRS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "herons.json").write_text(dumps(chat("What is a heron?", "A wading bird.")))
    window = MainWindow(context)
    qtbot.addWidget(window)
    said: list[str] = []
    window.sidebar.notice.connect(said.append)
    window.open_paths([])
    window.show()
    qtbot.waitUntil(lambda: "What is a heron?" in titles(window), timeout=10_000)
    qtbot.waitUntil(lambda: listing_done(window), timeout=10_000)

    assert [t for t in titles(window) if t != "Today"] == ["What is a heron?"]
    for name, text in THEIRS.items():
        assert (folder / name).read_text(encoding="utf-8") == text
    assert sorted(p.name for p in folder.glob("*.json") if not p.name.endswith(FILE_SUFFIX)) == (
        sorted(THEIRS)
    )
    [text] = [line for line in said if "left as it is" in line]
    assert window.notice.text() == text
    for name in THEIRS:
        assert name in text
    for why in ("not valid JSON", "request body", "newer chatdesk"):
        assert why in text

    window.sidebar.jobs.refresh()  # the folder looked at again: nothing said again
    qtbot.waitUntil(lambda: listing_done(window), timeout=10_000)
    assert [line for line in said if "left as it is" in line] == [text]
