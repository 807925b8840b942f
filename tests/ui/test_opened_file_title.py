"""A file of the user's that gives its conversation a `title` is named by it where
conversations are named (the sidebar's open files), and by its file where the file matters
(the sidebar entry's tooltip, the window's title after the title, Save's question) (session 13
tester). A file without a title keeps its file's name. The real window offscreen."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QMessageBox

from chatdesk.core.fileformat import FORMAT, VERSION
from tests.support.opening import open_and_wait


def write(path, title: str | None) -> None:
    question = {"role": "user", "content": "Which trains go to Bergen?"}
    document = {"format": FORMAT, "version": VERSION, "model": "gpt-4o", "messages": [question]}
    if title is not None:
        document["title"] = title
    path.write_text(json.dumps(document), encoding="utf-8")


def open_files(window) -> list[tuple[str, str]]:
    return window.library_link.sidebar.library_model.files


def test_an_opened_file_is_named_by_its_title_and_its_file_where_the_file_matters(
    qtbot, window, tmp_path
):
    path = tmp_path / "plan.chatdesk.json"
    write(path, "Trip to Bergen")
    open_and_wait(qtbot, window, [str(path)])
    qtbot.waitUntil(lambda: bool(open_files(window)))
    assert window.windowTitle() == "Trip to Bergen (plan.chatdesk.json)[*] — chatdesk"
    assert open_files(window) == [("Trip to Bergen", str(path))]  # the path as its tooltip

    window.composer.set_text("unsaved")
    window.session.set_modified()
    window.close_action.trigger()
    box = window.files.question
    assert box.text() == "Save the changes to “Trip to Bergen (plan.chatdesk.json)”?"
    box.button(QMessageBox.StandardButton.Cancel).click()
    window.session.set_modified(False)

    # A file that gives no title keeps its file's name, everywhere.
    untitled = tmp_path / "notes.json"
    write(untitled, None)
    open_and_wait(qtbot, window, [str(untitled)])
    qtbot.waitUntil(lambda: len(open_files(window)) == 2)
    assert window.windowTitle() == "notes.json[*] — chatdesk"
    assert open_files(window)[1] == ("notes.json", str(untitled))
