"""`chatdesk import --json`: one array, an object per file, imported or not (and why), with
the exit status of the plain lines."""

from __future__ import annotations

import json

from chatdesk.cli import main
from chatdesk.core.library import Library, library_dir
from tests.cli.test_library_commands import BODY


def test_import_json_says_each_file_s_outcome(tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a-haiku.json").write_text(json.dumps(
        {"messages": [{"role": "user", "content": "What is a haiku?"}]}
    ))  # fmt: skip
    (folder / "c-bad.json").write_text("{oops")
    founders = tmp_path / "founders.json"
    founders.write_text(json.dumps(BODY))
    empty = tmp_path / "empty"
    empty.mkdir()

    status = main(["import", "--json", str(folder), str(founders), str(founders), str(empty)])

    out, err = capsys.readouterr()
    assert status == 1  # one file and one folder gave nothing; the others are in
    rows = json.loads(out)
    library = Library(library_dir())
    [haiku] = [e.id for e in library.entries() if e.title == "What is a haiku?"]
    first, second = rows[2].get("id"), rows[3].get("id")  # the file imported twice
    assert sorted(e.id for e in library.entries()) == sorted([haiku, first, second])
    bad = rows[1]["reason"]
    assert bad.startswith(str(folder / "c-bad.json"))
    assert "not valid JSON" in bad
    assert bad.endswith("Nothing was imported from it.")
    assert rows == [
        {"file": str(folder / "a-haiku.json"), "imported": True, "id": haiku,
         "title": "What is a haiku?", "path": str(library.path(haiku)), "copy_of": None},
        {"file": str(folder / "c-bad.json"), "imported": False, "reason": bad},
        {"file": str(founders), "imported": True, "id": first,
         "title": "Who founded Microsoft?", "path": str(library.path(first)), "copy_of": None},
        {"file": str(founders), "imported": True, "id": second,
         "title": "Who founded Microsoft?", "path": str(library.path(second)),
         "copy_of": first},
        {"file": str(empty), "imported": False,
         "reason": f"{empty}: a folder without .json files (its subfolders are not looked "
                   "in). Nothing was imported from it."},
    ]  # fmt: skip
    assert "not valid JSON" in err  # stderr says what it always said
    assert f"was already in the library as {first}; {second} is a second copy." in err


def test_import_json_all_imported_exits_0(tmp_path, capsys):
    founders = tmp_path / "founders.json"
    founders.write_text(json.dumps(BODY))

    assert main(["import", str(founders), "--json"]) == 0

    [row] = json.loads(capsys.readouterr().out)
    assert (row["file"], row["imported"], row["copy_of"]) == (str(founders), True, None)
