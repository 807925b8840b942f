"""`chatdesk WORD ...`: a sub-command, a file for the window, or neither (said, not opened)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chatdesk import cli
from chatdesk.cli.exit_status import EXIT_ERROR, EXIT_USAGE
from chatdesk.core.conversation import Conversation
from chatdesk.core.library import Library, library_dir
from chatdesk.core.messages import Message


@pytest.fixture
def no_display(monkeypatch):
    """The window's path ends at once with "no display": what reaches it is seen, and no
    window opens."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["serach", "tax"], "chatdesk: 'serach' is not a command or a file. Did you mean "
         "'search'? (chatdesk --help)\n"),
        (["show", "3f2a"], "chatdesk: 'show' is not a command or a file. (chatdesk --help)\n"),
        (["lst"], "chatdesk: 'lst' is not a command or a file. Did you mean 'list'? "
         "(chatdesk --help)\n"),
        (["sned", "chat.json"], "chatdesk: 'sned' is not a command or a file. Did you mean "
         "'send'? (chatdesk --help)\n"),
    ],
)  # fmt: skip
def test_a_word_that_is_neither_a_command_nor_a_file_is_said(
    argv, said, no_display, tmp_path, monkeypatch, capsys
):
    # Was: the window opened on a file called "show" (here: the no-display error).
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == EXIT_USAGE
    assert capsys.readouterr() == ("", said)


@pytest.mark.parametrize("name", ["show", "missing.json", "sub/show", "-"])
def test_files_still_reach_the_window(name, no_display, tmp_path, monkeypatch, capsys):
    """An existing file of that name, and a would-be file (a suffix or a folder) that does not
    exist yet, go to the window as before (which says a missing one does not exist)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "show").write_text("{}")
    assert cli.main([name]) == EXIT_ERROR
    assert "no display" in capsys.readouterr().err


def test_a_library_id_opens_that_conversation(no_display, capsys):
    """The ids `chatdesk list` prints work for the window as for the sub-commands."""
    from chatdesk.core.fileformat import save_conversation
    from chatdesk.core.settings import load_settings

    library = Library(library_dir(load_settings().settings.library_folder))
    library.folder.mkdir(parents=True, exist_ok=True)
    save_conversation(Conversation(history=[Message("user", "Hi")]), library.path("3f2a"))
    assert cli.main(["3f2a"]) == EXIT_ERROR
    assert "no display" in capsys.readouterr().err
    assert cli.main(["3f2b"]) == EXIT_USAGE


def test_the_launcher_says_it_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "chatdesk", "exprot", "chat.json"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert done.returncode == EXIT_USAGE
    assert done.stdout == ""
    assert done.stderr == (
        "chatdesk: 'exprot' is not a command or a file. Did you mean 'export'? (chatdesk --help)\n"
    )
