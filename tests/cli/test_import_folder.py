"""`chatdesk import FOLDER`: each of the folder's `*.json` files imported as if named, each
outcome said as for one file; its subfolders are not looked in."""

from __future__ import annotations

import json

from chatdesk.cli import main
from chatdesk.core.library import Library, library_dir
from tests.cli.test_library_commands import BODY


def test_import_a_folder_imports_its_json_files_and_names_each_refused(tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "b-founders.json").write_text(json.dumps(BODY))
    second = {"messages": [{"role": "user", "content": "What is a haiku?"}]}
    (folder / "a-haiku.json").write_text(json.dumps(second))
    (folder / "c-bad.json").write_text("{oops")
    (folder / "notes.txt").write_text("not a conversation")
    (folder / "older").mkdir()
    (folder / "older" / "deep.json").write_text(json.dumps(BODY))

    status = main(["import", str(folder)])

    out, err = capsys.readouterr()
    assert status == 1  # c-bad.json could not be read; the others are in
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{folder / 'a-haiku.json'}: added as ")
    assert lines[0].endswith("(What is a haiku?)")
    assert lines[1].startswith(f"{folder / 'b-founders.json'}: added as ")
    assert "c-bad.json" in err
    assert "not valid JSON" in err
    assert f"note: {folder}: 1 file not ending in .json left out." in err
    assert "is a folder" not in err
    assert "deep.json" not in out + err  # subfolders are not looked in
    titles = sorted(e.title for e in Library(library_dir()).entries())
    assert titles == ["What is a haiku?", "Who founded Microsoft?"]


def test_import_a_folder_without_json_files_imports_nothing(tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "sub").mkdir()
    (folder / "sub" / "chat.json").write_text(json.dumps(BODY))

    assert main(["import", str(folder)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert f"{folder}: a folder without .json files (its subfolders are not looked in). " in err
    assert "Nothing was imported from it." in err
