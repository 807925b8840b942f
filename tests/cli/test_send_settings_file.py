"""What `chatdesk send` learns from a deployment is kept in settings.json when some values of
that file fell back to their defaults (a tester's `"zoom": 110.5`), as the window keeps it; a
file none of which could be used is never written over. In process, the real client, FakeAzure
over loopback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chatdesk import cli
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.paths import settings_path
from chatdesk.core.settings import Settings, load_settings, settings_to_json
from tests.core.test_settings import backups
from tests.support.fake_azure import AzureModel, FakeAzure

KEY = "5f2b9c0e7d1a4b3c8e6f0a9d2c4b7e1f"
REFUSED = "chatdesk: chat-mini does not take temperature: sent without it."


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        # A deployment that refuses temperature, as o-series models do.
        server.models["chat-mini"] = AzureModel(unsupported={"temperature": None})
        yield server


@pytest.fixture
def env(srv, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def send(srv: FakeAzure, tmp_path: Path) -> int:
    path = tmp_path / "chat.json"
    conv = Conversation(history=[Message("user", "Hello there")],
                        params=GenerationParams(temperature=0.7))  # fmt: skip
    save_conversation(conv, path)
    return cli.main(["send", str(path), "--endpoint", srv.v1_base_url, "--deployment",
                     "chat-mini"])  # fmt: skip


def write_settings(**change) -> bytes:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps({**settings_to_json(Settings(theme="dark")), **change}).encode()
    path.write_bytes(raw)
    return raw


def test_one_bad_value_does_not_make_every_send_learn_again(srv, env, tmp_path, capsys):
    raw = write_settings(zoom=110.5)
    assert send(srv, tmp_path) == 0
    err = capsys.readouterr().err
    assert "zoom = 110.5: settings.zoom must be a whole number" in err
    assert REFUSED in err
    assert [("temperature" in r.json) for r in srv.requests] == [True, False]
    # Saved as the window saves it: the value that fell back is written as the one used, the
    # rest as it was; the file as it was is kept once.
    loaded = load_settings()
    assert loaded.warning is None
    assert (loaded.settings.zoom, loaded.settings.theme) == (100, "dark")
    assert list(loaded.settings.deployments.to_json().values()) == [{"dropped": ["temperature"]}]
    [copy] = backups(settings_path())
    assert copy.read_bytes() == raw

    srv.clear_requests()  # the next send knows: one request, and nothing to say
    assert send(srv, tmp_path) == 0
    assert capsys.readouterr().err == ""
    [request] = srv.requests
    assert "temperature" not in request.json


def test_a_file_none_of_which_could_be_used_is_never_written_over(srv, env, tmp_path, capsys):
    """A guard kept with the change above (it held before it): what is not a settings file
    at all stays as it is, and every send learns again rather than replace it."""
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().mkdir()  # not a regular file: used for nothing, never written over
    for _ in range(2):
        assert send(srv, tmp_path) == 0
        assert REFUSED in capsys.readouterr().err
    assert settings_path().is_dir()
    assert not any(settings_path().iterdir())
    assert [("temperature" in r.json) for r in srv.requests] == [True, False] * 2
