"""The window's library follows changes made elsewhere: a real `chatdesk` command line process
imports or changes a conversation while the window is open, and the sidebar lists it without
anything being done in the window (tester findings: an import stayed unlisted for minutes
while search found it; a conversation changed by `chatdesk attach`/`send` showed its old
messages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.ui import roles
from chatdesk.ui.library_model import Roles
from chatdesk.ui.library_view import PAD_X
from chatdesk.ui.qt.gui import QFontMetrics
from tests.support.fake_azure import Reply


def run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-m", "chatdesk", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def titles(window) -> list[str]:
    model = window.sidebar.library_model
    return [model.index(r).data() for r in range(model.rowCount())]


def test_a_conversation_imported_by_the_command_line_is_listed(qtbot, window, tmp_path):
    window.library_link.start()
    qtbot.waitUntil(lambda: window.sidebar.jobs is not None and not window.sidebar.jobs.busy,
                    timeout=10_000)  # fmt: skip
    body = tmp_path / "flamingos.json"
    body.write_text(json.dumps({"messages": [
        {"role": "user", "content": "Where do flamingos live?"},
        {"role": "assistant", "content": "In warm, watery places."},
    ]}))  # fmt: skip
    run("import", body)  # indexes what it adds: the window's index finds nothing to read
    qtbot.waitUntil(lambda: "Where do flamingos live?" in titles(window), timeout=5_000)
    # Search found it too (it always did): the list and the search agree.
    window.sidebar.search.setText("flamingos")
    window.sidebar.run_search()
    model = window.sidebar.search_model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5_000)
    assert model.index(0).data(Roles.Id) in window.context.library_index.stamps()


def _row_image(view, row):
    index = view.model().index(row, 0)
    return view.viewport().grab(view.visualRect(index)).toImage()


def test_a_conversation_and_its_conflict_copy_read_differently_in_a_narrow_list(qtbot, window):
    # tester-128/137: both read "What is a her…" in a sidebar about 140 pixels wide.
    library = window.context.library
    conv = Conversation()
    conv.append(Message("user", "What is a heron?"))
    first = library.create(conv)
    other = library.load(first.id)
    other.conversation.append(Message("assistant", "A wading bird."))
    library.save(first.id, other.conversation, other.disk)  # another chatdesk wrote it
    conv.append(Message("assistant", "A long-legged bird."))
    copy = library.save(first.id, conv, first.disk)  # this one's write: kept as a copy
    assert copy.conflict == first.id
    window.library_link.start()
    qtbot.waitUntil(lambda: copy.title in titles(window), timeout=10_000)
    model, view = window.sidebar.library_model, window.sidebar.list
    # Narrower than the shorter title, as the tester's list was at their font size.
    metrics = QFontMetrics(view.font())
    wanted = int(metrics.horizontalAdvance("What is a heron?") * 0.9) + 2 * PAD_X
    sizes = window.splitter.sizes()
    grow = window.sidebar.width() - view.viewport().width()
    window.splitter.setSizes([wanted + grow, sum(sizes[:2]) - wanted - grow, sizes[2]])
    qtbot.waitUntil(lambda: view.viewport().width() <= wanted, timeout=5_000)
    rows = [model.row_of(first.id), model.row_of(copy.id)]
    images = [_row_image(view, row) for row in rows]
    assert images[0] != images[1]
    tips = [model.index(row).data(roles.TOOLTIP) for row in rows]
    assert tips[0].startswith("What is a heron?\n")
    assert tips[1].startswith("What is a heron? (changed in two places)\n")


def test_closing_a_conversation_while_its_first_write_runs_keeps_one(qtbot, window, server):
    # Found reproducing tester-94: Close right after a reply wrote the conversation a second
    # time as "… (changed in two places)", its own background write taken for another's.
    server.enqueue(Reply(text="A wading bird."))
    window.composer.set_text("What is a heron?")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    qtbot.waitUntil(lambda: window.session.library_id is not None, timeout=10_000)
    window.close_current()
    library = window.context.library
    assert [e.title for e in library.entries()] == ["What is a heron?"]
