"""`chatdesk send` on a file whose profile was removed (tester's report, item 2): the error, or
the note when the environment gives a connection, names the missing profile."""

from __future__ import annotations

import os

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings


@pytest.fixture
def staging_file(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    # Work is what is left after Staging was removed; the file was made under Staging.
    work = ConnectionProfile("Work", "azure-v1", "https://work.openai.azure.com/", "gpt-4o")
    save_settings(Settings(profiles=[work], active_profile="Work"))
    path = tmp_path / "copy.chatdesk.json"
    save_conversation(Conversation(history=[Message("user", "Hello")], profile="Staging"), path)
    return path


def test_the_error_names_the_missing_profile(staging_file, capsys):
    assert run_send([str(staging_file), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "the file's profile 'Staging' is not set up here (profiles: Work)" in err
    assert "use --profile NAME" in err
    assert "no connection given" not in err


def test_the_environment_s_connection_is_used_with_a_note(staging_file, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://env.openai.azure.com/")
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o")
    assert run_send([str(staging_file), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "note: the file's profile 'Staging' is not set up here" in err
    assert "env.openai.azure.com" in out
