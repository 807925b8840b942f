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
from tests.support.images import image_bytes
from tests.ui.conftest import KEY


def run(*args: object, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.update(extra)
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


def heron(qtbot, window, server):
    """The tester's "What is a heron?", written to the library and shown."""
    server.enqueue(Reply(text="A wading bird."))
    window.composer.set_text("What is a heron?")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.modified, timeout=10_000)
    window.library_link.start()
    return window.session


def cli_attach_and_send(server, tmp_path, path):
    """tester-93's steps: `chatdesk attach FILE s.png --text …`, then `chatdesk send FILE`."""
    picture = tmp_path / "s.png"
    picture.write_bytes(image_bytes(64, 64))
    azure = {"AZURE_OPENAI_ENDPOINT": server.azure_endpoint, "AZURE_OPENAI_API_KEY": KEY,
             "AZURE_OPENAI_DEPLOYMENT": "gpt-4o"}  # fmt: skip
    run("attach", path, picture, "--text", "CLI question about the picture", **azure)
    server.enqueue(Reply(text="The CLI's answer."))
    run("send", path, **azure)


def texts(session):
    return list(session.conversation.texts())


def test_an_open_conversation_follows_its_file_changed_by_the_command_line(
    qtbot, window, server, tmp_path
):
    session = heron(qtbot, window, server)
    path, place = session.path, window.sessions.index(session)
    cli_attach_and_send(server, tmp_path, path)
    # Nothing done in the window: it shows the CLI's question and reply (tester-93).
    qtbot.waitUntil(lambda: "The CLI's answer." in texts(window.session), timeout=10_000)
    followed = window.session
    assert followed.path == path
    assert window.sessions.index(followed) == place
    assert texts(followed)[:3] == ["What is a heron?", "A wading bird.",
                                   "CLI question about the picture"]  # fmt: skip
    qtbot.waitUntil(lambda: not followed.loading, timeout=10_000)
    # Sending from the window goes on in the same conversation: no fork (tester-94).
    server.enqueue(Reply(text="Herons eat fish."))
    window.composer.set_text("window question after CLI")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: not followed.busy, timeout=10_000)
    qtbot.waitUntil(lambda: not followed.modified, timeout=10_000)
    [entry] = window.context.library.entries()
    assert entry.title == "What is a heron?"
    assert entry.messages == 6


def test_a_draft_written_here_stays_when_the_file_changes_elsewhere(
    qtbot, window, server, tmp_path
):
    session = heron(qtbot, window, server)
    window.composer.set_text("half a thought")
    qtbot.waitUntil(lambda: session.revision and not session.modified and
                    window.context.library.load(session.library_id).conversation.draft
                    == "half a thought", timeout=10_000)  # fmt: skip
    cli_attach_and_send(server, tmp_path, session.path)
    qtbot.waitUntil(lambda: "The CLI's answer." in texts(window.session), timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.loading, timeout=10_000)
    assert window.composer.text() == "half a thought"


def test_when_both_changed_both_are_kept(qtbot, window, server, tmp_path):
    session = heron(qtbot, window, server)
    session.conversation.append(Message("user", "typed here, not written yet"))
    session.set_modified()
    window.library_saver.stop()  # what a slow disk would do: the window's write comes late
    cli_attach_and_send(server, tmp_path, session.path)
    window.sidebar.jobs.refresh()
    qtbot.wait(1500)
    assert window.session is session  # not replaced: it holds changes of its own
    window.library_saver.flush(session)
    titles_now = sorted(e.title for e in window.context.library.entries())
    assert titles_now == ["What is a heron?", "What is a heron? (changed in two places)"]


def test_a_conversation_read_up_the_page_stays_there_when_it_follows_its_file(
    qtbot, window, tmp_path
):
    conv = Conversation()
    for i in range(40):
        conv.append(Message("user" if i % 2 == 0 else "assistant", f"line {i}\n" * 6))
    id = window.context.library.create(conv).id
    window.library_link.start()
    session = window.library_link.open(id)
    qtbot.waitUntil(lambda: not session.loading, timeout=10_000)
    view = window.transcript
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0, timeout=5_000)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 3)
    before = view.scroll_anchor()
    assert not before.at_end
    picture = tmp_path / "s.png"
    picture.write_bytes(image_bytes(64, 64))
    run("attach", session.path, picture, "--text", "CLI question",
        AZURE_OPENAI_DEPLOYMENT="gpt-4o")  # fmt: skip
    qtbot.waitUntil(lambda: "CLI question" in texts(window.session), timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.loading, timeout=10_000)
    qtbot.waitUntil(lambda: view.scroll_anchor().index == before.index, timeout=5_000)
    assert not view.scroll_anchor().at_end
