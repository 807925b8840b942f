"""Save as and Export beside the library (tester-96/97/98/121): the dialogs start outside the
library folder with a name from the title, a copy saved into the library folder is a library
conversation (listed by the window and by `chatdesk list`), a conversation file put there under
another name is listed too, and a Markdown export there is refused with a word why."""

from __future__ import annotations

import json
import os
from pathlib import Path

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import FILE_SUFFIX, save_conversation
from chatdesk.core.messages import Message
from tests.support.opening import wait_loaded
from tests.ui.test_library_sync import heron, run, titles


def heron_in_the_library(qtbot, window, server):
    """The tester's conversation, opened from the sidebar (not a recent file: the list has it)."""
    id = heron(qtbot, window, server).library_id
    window.close_current()
    session = window.library_link.open(id)
    wait_loaded(qtbot, window)
    assert window.context.settings.recent_files == []
    return session


def test_save_as_and_export_start_outside_the_library(qtbot, window, server):
    heron_in_the_library(qtbot, window, server)
    library = window.context.library
    window.save_as_action.trigger()
    dialog = window.files.dialog
    assert not library.is_folder(dialog.directory().absolutePath())
    assert Path(dialog.selectedFiles()[0]).name == "What is a heron.chatdesk.json"
    dialog.reject()
    window.export_action.trigger()
    dialog = window.files.dialog
    assert not library.is_folder(dialog.directory().absolutePath())
    assert Path(dialog.selectedFiles()[0]).name == "What is a heron.md"  # not the id
    dialog.reject()


def test_the_folder_last_used_outside_the_library_is_offered(qtbot, window, server, tmp_path):
    heron_in_the_library(qtbot, window, server)
    mine = tmp_path / "mine"
    window.save_as_action.trigger()
    window.files.dialog.fileSelected.emit(str(mine / "heron.chatdesk.json"))
    assert (mine / "heron.chatdesk.json").exists()
    window.export_action.trigger()
    assert Path(window.files.dialog.directory().absolutePath()) == mine
    window.files.dialog.reject()


def test_save_as_into_the_library_folder_adds_a_library_conversation(qtbot, window, server):
    session = heron_in_the_library(qtbot, window, server)
    library = window.context.library
    before = set(library.stamps())
    name = "What is a heron (changed in two places).chatdesk.json"
    window.save_as_action.trigger()
    window.files.dialog.fileSelected.emit(str(library.folder / name))
    assert not (library.folder / name).exists()  # ids name library files
    [added] = set(library.stamps()) - before
    assert window.session is session
    assert session.library_id != added
    assert "added to the library" in window.notice.text()
    assert window.notice.text().endswith("as “What is a heron?”")  # not "?”." (tester's find)
    listed = json.loads(run("list", "--json").stdout)
    assert sorted(e["title"] for e in listed) == ["What is a heron?", "What is a heron?"]
    assert added in [e["id"] for e in listed]
    qtbot.waitUntil(lambda: window.sidebar.library_model.row_of(added) >= 0, timeout=5_000)


def test_a_conversation_file_named_by_hand_in_the_library_folder_is_listed(
    qtbot, window, tmp_path
):
    # What Save as wrote there before (tester-97/121): invisible to the list, even relaunched.
    library = window.context.library
    conv = Conversation()
    conv.title = "What is a heron? (changed in two places)"
    conv.append(Message("user", "What is a heron?"))
    name = "What is a heron (changed in two places).chatdesk.json"
    save_conversation(conv, tmp_path / name)
    stray = library.folder / name
    library.folder.mkdir(parents=True, exist_ok=True)
    os.replace(tmp_path / name, stray)  # moved in whole (the window may adopt it at once)
    [entry] = json.loads(run("list", "--json").stdout)
    assert entry["title"] == conv.title
    assert entry["path"].endswith(entry["id"] + FILE_SUFFIX)
    assert not stray.exists()  # renamed to its id, its content as it was
    window.library_link.start()
    qtbot.waitUntil(lambda: conv.title in titles(window), timeout=10_000)


def test_export_into_the_library_folder_is_refused(qtbot, window, server):
    heron_in_the_library(qtbot, window, server)
    library = window.context.library
    window.export_action.trigger()
    window.files.dialog.fileSelected.emit(str(library.folder / "heron.md"))
    assert not (library.folder / "heron.md").exists()
    box = window.message_box
    assert box.windowTitle() == "Not exported"
    assert "library folder" in box.text()
    box.accept()


def test_a_chatdesk_conversation_named_json_in_the_library_folder_is_listed_and_other_json_is_not(
    qtbot, window, tmp_path
):
    # Issue 14's leftover: a conversation saved as "….json" (or by a version before
    # ".chatdesk.json") and dropped into the folder stayed unlisted, by the window and by list.
    library = window.context.library
    window.library_link.start()
    qtbot.waitUntil(lambda: window.sidebar.jobs is not None and not window.sidebar.jobs.busy,
                    timeout=10_000)  # fmt: skip
    conv = Conversation()
    conv.append(Message("user", "Where do puffins nest?"))
    save_conversation(conv, tmp_path / "Puffins.json")
    notes = '{"shopping": ["eggs"]}'
    (tmp_path / "notes.json").write_text(notes)
    for name in ("Puffins.json", "notes.json"):
        os.replace(tmp_path / name, library.folder / name)  # moved in whole, as a drop does
    qtbot.waitUntil(lambda: "Where do puffins nest?" in titles(window), timeout=10_000)
    assert not (library.folder / "Puffins.json").exists()  # renamed to its id
    assert (library.folder / "notes.json").read_text() == notes  # left alone

    listed = run("list", "--json")
    assert listed.stderr == ""  # nothing said about notes.json
    [entry] = json.loads(listed.stdout)
    assert entry["title"] == "Where do puffins nest?"
    assert entry["path"].endswith(entry["id"] + FILE_SUFFIX)
    assert "notes" not in run("list").stdout
