"""Open recent's rule (`core/recent_files.py`): the user's files, not the library's."""

from __future__ import annotations

import os

from chatdesk.core.library import Library
from chatdesk.core.recent_files import add_recent, recent_files
from chatdesk.core.settings import MAX_RECENT, Settings


def test_the_library_folder_and_its_trash_are_left_out_by_any_name_and_through_links(tmp_path):
    library = Library(tmp_path / "library")
    library.trash_folder.mkdir(parents=True)
    os.symlink(library.folder, tmp_path / "link")
    mine = [str(tmp_path / "docs" / "a.json"), str(tmp_path / "library-notes" / "b.json")]
    settings = Settings(recent_files=[
        str(library.path("20260101-000000-aaaaaa")), mine[0],
        str(library.path("20260101-000000-bbbbbb", trashed=True)),
        str(tmp_path / "link" / "by hand.chatdesk.json"), mine[1],
    ])  # fmt: skip
    before = list(settings.recent_files)
    assert recent_files(settings, library) == mine
    assert settings.recent_files == before  # read, not rewritten

    assert not add_recent(settings, library, library.path("20260101-000000-cccccc"))
    assert settings.recent_files == before
    assert add_recent(settings, library, tmp_path / "c.json")
    assert settings.recent_files == [str(tmp_path / "c.json"), *mine]


def test_the_users_files_fill_the_ten_places(tmp_path):
    library = Library(tmp_path / "library")
    theirs = [str(library.path(f"20260101-00000{n}-aaaaaa")) for n in range(5)]
    mine = [str(tmp_path / f"{n}.json") for n in range(5)]
    settings = Settings(recent_files=[p for pair in zip(theirs, mine, strict=True) for p in pair])
    for n in range(5, 10):
        add_recent(settings, library, tmp_path / f"{n}.json")
    assert len(settings.recent_files) == MAX_RECENT
    assert sorted(settings.recent_files) == sorted(str(tmp_path / f"{n}.json") for n in range(10))


def test_a_moved_library_gives_its_old_folders_files_back(tmp_path):
    old = Library(tmp_path / "old")
    path = str(old.path("20260101-000000-aaaaaa"))
    settings = Settings(recent_files=[path])
    assert recent_files(settings, old) == []
    assert recent_files(settings, Library(tmp_path / "new")) == [path]
