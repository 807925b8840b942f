"""Deployments per conversation (issue 17, item 7): one profile, several deployments; each
conversation sends to the one it picked, and the file records it. Against the loopback server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.profile_deployments import Deployment
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from chatdesk.service.connections import Connections
from tests.cli.test_send import ROOT, env_for
from tests.support.fake_azure import AzureModel, FakeAzure

KEY = "5f2b9c0e7d1a4b3c8e6f0a9d2c4b7e1f"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY, deployments={"chat-prod", "fast", "reasoner"}) as server:
        server.models["reasoner"] = AzureModel.gpt5()  # refuses max_tokens and temperature
        yield server


@pytest.fixture
def env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)  # `send --profile`'s key when none is stored


def work(srv: FakeAzure) -> ConnectionProfile:
    return ConnectionProfile(
        "work", "azure-v1", srv.v1_base_url, "chat-prod",
        deployments=[Deployment("chat-prod", "gpt-4o"), Deployment("fast", "gpt-4.1-mini"),
                     Deployment("reasoner", "gpt-5")],
    )  # fmt: skip


def chat_file(tmp_path, **fields) -> str:
    path = tmp_path / "chat.chatdesk.json"
    conv = Conversation(history=[Message("user", "Hello there")], profile="work")
    conv.params.temperature = 0.7
    conv.params.max_tokens = 100
    for name, value in fields.items():
        setattr(conv, name, value)
    save_conversation(conv, path)
    return str(path)


def read(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_send_deployment_picks_one_of_the_profile_and_the_file_records_it(
    srv, env, tmp_path, capsys
):
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path)
    assert run_send([path, "--profile", "work", "--deployment", "reasoner"]) == 0
    (request,) = srv.requests
    # The deployment's model (gpt-5) shaped the first request: no temperature, and
    # max_completion_tokens — one request, no 400 to learn from.
    assert request.path == "/openai/v1/chat/completions"
    assert request.json["model"] == "reasoner"
    assert "temperature" not in request.json
    assert request.json["max_completion_tokens"] == 100
    saved = read(path)
    assert (saved["profile"], saved["deployment"]) == ("work", "reasoner")

    # The next send, without --deployment, goes where the file says.
    doc = read(path)
    doc["messages"].append({"role": "user", "content": "And again"})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    assert run_send([path, "--profile", "work"]) == 0
    assert [r.json["model"] for r in srv.requests] == ["reasoner", "reasoner"]


def test_without_a_pick_the_profile_default_is_used(srv, env, tmp_path):
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path)
    assert run_send([path, "--profile", "work"]) == 0
    (request,) = srv.requests
    assert request.json["model"] == "chat-prod"
    assert request.json["temperature"] == 0.7  # gpt-4o takes it
    assert "deployment" not in read(path)


def test_a_name_outside_the_list_is_sent_as_given_with_a_note(srv, env, tmp_path, capsys):
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path)
    assert run_send([path, "--profile", "work", "--deployment", "chat-prodd"]) == 1
    err = capsys.readouterr().err
    said = (
        "'chat-prodd' is not one of the deployments of profile 'work' (chat-prod, fast, reasoner)"
    )
    assert said in err
    assert [r.json["model"] for r in srv.requests] == ["chat-prodd"]  # Azure: not found (404)


def test_a_file_naming_a_saved_profile_is_sent_with_it_without_options(srv, env, tmp_path):
    """Found by a tester: after `send chat.json --profile work` the file says "profile":
    "work", yet `chatdesk send chat.json` (the README's own example) exited 2 with
    "no connection given". The file's profile is used, as the window opens it."""
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path)
    assert run_send([path]) == 0
    assert [r.json["model"] for r in srv.requests] == ["chat-prod"]
    assert read(path)["profile"] == "work"


def test_a_file_naming_a_profile_this_machine_lacks_still_needs_a_connection(
    srv, env, tmp_path, capsys
):
    path = chat_file(tmp_path)  # names "work", which no settings here hold
    assert run_send([path]) == 2
    err = capsys.readouterr().err
    assert "the file's profile 'work' is not set up here (profiles: none are set up)" in err
    assert srv.requests == []


def test_deployment_with_base_url_is_a_usage_error(env, tmp_path, capsys):
    path = chat_file(tmp_path)
    args = [path, "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--deployment", "d"]
    assert run_send(args) == 2
    assert "--deployment does not go with --base-url" in capsys.readouterr().err


def test_a_conversation_s_profile_sends_to_its_deployment_and_counts_with_its_model(srv, env):
    settings = Settings(profiles=[work(srv)])
    connections = Connections(settings, env={"AZURE_OPENAI_API_KEY": KEY})
    conv = Conversation(profile="work")
    assert connections.profile_for(conv).deployment == "chat-prod"
    conv.deployment = "reasoner"
    picked = connections.profile_for(conv)
    assert (picked.deployment, picked.model_info().key) == ("reasoner", "gpt-5")
    assert picked.model_info().context_window != work(srv).model_info().context_window
    conv.deployment = "removed-since"  # a deployment no longer in the profile: its default
    assert connections.profile_for(conv).deployment == "chat-prod"


def test_the_file_field_round_trips(tmp_path):
    path = chat_file(tmp_path, deployment="fast")
    assert load_conversation(path).conversation.deployment == "fast"


def test_tokens_counts_with_the_deployment_the_file_picked(srv, env, tmp_path, capsys):
    from chatdesk.cli.tokens import token_report

    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path, deployment="reasoner")
    assert token_report(path, None, None, None, None)["model"] == "gpt-5"
    path = chat_file(tmp_path, deployment="removed-since")  # not the profile's: its default
    assert token_report(path, None, None, None, None)["model"] == "gpt-4o"


def _cli(srv: FakeAzure, command: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`chatdesk COMMAND ARGS` in its own process, with no connection in the environment."""
    env = env_for(srv)
    del env["AZURE_OPENAI_ENDPOINT"], env["AZURE_OPENAI_DEPLOYMENT"]
    return subprocess.run([sys.executable, "-m", "chatdesk", command, *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)  # fmt: skip


def _ask(path: str, question: str) -> None:
    doc = read(path)
    doc["messages"].append({"role": "user", "content": question})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)


def test_send_without_options_goes_to_the_deployment_the_file_picked(srv, tmp_path):
    """Found by a tester: after `send FILE --profile work --deployment reasoner`, a plain
    `send FILE` went to the profile's default (gpt-4o's chat-prod) and recorded the reply as
    such while the file said reasoner and `chatdesk tokens` counted for reasoner's model."""
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path)
    done = _cli(srv, "send", path, "--profile", "work", "--deployment", "reasoner")
    assert done.returncode == 0, done.stderr
    _ask(path, "And again")
    done = _cli(srv, "send", path)
    assert done.returncode == 0, done.stderr
    assert [r.json["model"] for r in srv.requests] == ["reasoner", "reasoner"]
    saved = read(path)
    assert saved["deployment"] == "reasoner"
    assert saved["messages"][-1]["metadata"]["deployment"] == "reasoner"
    counted = _cli(srv, "tokens", path, "--json")
    assert json.loads(counted.stdout)["model"] == "gpt-5"  # reasoner's, the model sent to

    # A library file whose deployment was picked in the window's toolbar: the same.
    picked = chat_file(tmp_path, deployment="fast")
    assert _cli(srv, "send", picked).returncode == 0
    assert srv.requests[-1].json["model"] == "fast"


def test_send_deployment_without_profile_picks_one_of_the_file_s_profile(srv, tmp_path):
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path, deployment="reasoner")
    assert _cli(srv, "send", path, "--deployment", "fast").returncode == 0
    assert srv.requests[-1].json["model"] == "fast"
    assert read(path)["deployment"] == "fast"  # as with --profile: the next send goes there


def test_a_deployment_the_profile_lost_goes_to_its_default_with_a_note(srv, tmp_path):
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path, deployment="removed-since")
    done = _cli(srv, "send", path)
    assert done.returncode == 0, done.stderr
    assert [r.json["model"] for r in srv.requests] == ["chat-prod"]  # as the window and tokens
    said = ("the file's deployment 'removed-since' is not one of the deployments of profile "
            "'work' (chat-prod, fast, reasoner); sending to its default 'chat-prod'")  # fmt: skip
    assert said in done.stderr
    assert json.loads(_cli(srv, "tokens", path, "--json").stdout)["model"] == "gpt-4o"


def test_a_name_outside_the_list_is_for_this_run_only(srv, env, tmp_path, capsys):
    """The file does not record it: the next send, `tokens` and the window would not use it."""
    save_settings(Settings(profiles=[work(srv)]))
    path = chat_file(tmp_path, deployment="fast")
    run_send([path, "--profile", "work", "--deployment", "chat-prodd"])
    assert "for this run (the file does not record it)" in capsys.readouterr().err
    assert read(path)["deployment"] == "fast"


def test_send_takes_the_library_id_list_prints(srv, tmp_path):
    from chatdesk.core.library import Library, library_dir

    save_settings(Settings(profiles=[work(srv)]))
    conv = Conversation(history=[Message("user", "Hello there")], profile="work")
    conv.deployment = "fast"
    library = Library(library_dir())
    library.folder.mkdir(parents=True, exist_ok=True)
    conversation_id = library.new_id()
    save_conversation(conv, library.path(conversation_id))
    done = _cli(srv, "send", conversation_id)
    assert done.returncode == 0, done.stderr
    assert [r.json["model"] for r in srv.requests] == ["fast"]
    assert read(str(library.path(conversation_id)))["messages"][-1]["role"] == "assistant"
