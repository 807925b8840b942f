"""`chatdesk send` on a file naming a profile since renamed in Connections (tester's report):
it was "the file's profile 'work' is not set up here"; the file now goes to the profile `work`
became, with that profile's endpoint and headers, and is saved naming the new name. A profile
created again with the old name wins over the remembered rename."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec.structs

from chatdesk.cli.tokens import run as run_tokens
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, load_settings, save_settings
from chatdesk.service.profile_edits import ProfileEdit, commit
from tests.cli.test_send import env_for, send, srv  # noqa: F401 (fixture)
from tests.support.fake_azure import Reply

UNREACHABLE = "http://127.0.0.1:9/openai/v1/"  # the default profile: never to be used here


def _rename_work(srv) -> None:  # noqa: F811
    """Settings as Connections leaves them after renaming `work` to `work2` and Save."""
    work = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "chat4", model="gpt-4",
                             headers={"X-Route": "prod"})  # fmt: skip
    other = ConnectionProfile("other", "azure-v1", UNREACHABLE, "other")
    settings = Settings(profiles=[other, work], active_profile="other")
    edits = [
        ProfileEdit(other, "other", "other"),
        ProfileEdit(msgspec.structs.replace(work, name="work2"), "work", "work"),
    ]
    commit(settings, edits, [], "other", lambda: save_settings(settings))


def _file_of_work(tmp_path: Path) -> Path:
    path = tmp_path / "chat.chatdesk.json"
    save_conversation(Conversation(history=[Message("user", "Hello there")], profile="work"),
                      path)  # fmt: skip
    return path


def _env(srv) -> dict[str, str]:  # noqa: F811
    # The key as a key profile with no keyring entry reads it; no endpoint in the environment.
    env = env_for(srv)
    del env["AZURE_OPENAI_ENDPOINT"], env["AZURE_OPENAI_DEPLOYMENT"]
    return env


def test_a_file_naming_the_old_name_goes_to_the_renamed_profile(srv, tmp_path):  # noqa: F811
    _rename_work(srv)
    path = _file_of_work(tmp_path)
    srv.enqueue(Reply("Hi."))
    done = send(str(path), env=_env(srv))
    assert done.returncode == 0, done.stderr
    assert "not set up here" not in done.stderr
    (request,) = srv.requests
    assert request.path == "/openai/v1/chat/completions"
    assert request.json["model"] == "chat4"
    assert request.headers["x-route"] == "prod"
    assert request.authorized
    assert json.loads(path.read_text())["profile"] == "work2"  # saved under its new name


def test_the_renamed_profile_comes_before_the_environment_s(srv, tmp_path):  # noqa: F811
    # With AZURE_OPENAI_ENDPOINT set, the file still goes where its (renamed) profile points.
    _rename_work(srv)
    path = _file_of_work(tmp_path)
    srv.enqueue(Reply("Hi."))
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    assert "note:" not in done.stderr
    (request,) = srv.requests
    assert request.json["model"] == "chat4"  # the profile's deployment, not the environment's
    assert request.headers["x-route"] == "prod"


def test_tokens_counts_for_the_renamed_profile_s_model(srv, tmp_path, monkeypatch, capsys):  # noqa: F811
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    _rename_work(srv)
    path = _file_of_work(tmp_path)
    assert run_tokens([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["encoding"] == "cl100k_base"  # gpt-4's


def test_a_profile_made_again_with_the_old_name_wins(srv, tmp_path):  # noqa: F811
    _rename_work(srv)
    settings = load_settings().settings
    assert settings.renamed_profiles == {"work": "work2"}
    again = ConnectionProfile("work", "azure-v1", srv.v1_base_url, "again",
                              headers={"X-Route": "again"})  # fmt: skip
    edits = [ProfileEdit(p, p.name, p.name) for p in settings.profiles]
    commit(settings, [*edits, ProfileEdit(again, None, "work")], [], "other",
           lambda: save_settings(settings))  # fmt: skip
    assert load_settings().settings.renamed_profiles == {}
    path = _file_of_work(tmp_path)
    srv.enqueue(Reply("Hi."))
    done = send(str(path), env=_env(srv))
    assert done.returncode == 0, done.stderr
    (request,) = srv.requests
    assert request.json["model"] == "again"
    assert request.headers["x-route"] == "again"
    assert json.loads(path.read_text())["profile"] == "work"
