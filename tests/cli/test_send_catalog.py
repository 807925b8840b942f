"""`chatdesk send` shapes its one request by the model catalog exactly as `--dry-run` shows it
(issue 11's tester: o1 was sent stream=true, o1-mini reasoning_effort, each answered with a 400
and sent again). FakeAzure's o1 / o1-mini answer a wrong request with Azure's 400s."""

from __future__ import annotations

import json

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from tests.cli.test_connections import KEY, chat_file, clean_env, srv  # noqa: F401
from tests.support.fake_azure import AzureModel
from tests.support.request_bodies import as_conversation

# The tester's simple.json, as it was.
SIMPLE = (
    '{"model":"chat-prod","temperature":0.7,"max_tokens":500,"messages":[{"role":"system",'
    '"content":"You are terse."},{"role":"user","content":"Hello"}]}'
)


def _dry_body(out: str) -> dict:
    return json.loads(out.split("Body:\n", 1)[1])


@pytest.mark.parametrize("how", ["deployment", "profile"])
def test_o1_is_sent_once_without_stream_as_the_dry_run_shows(
    srv, tmp_path, clean_env, monkeypatch, capsys, how  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    srv.models["o1"] = AzureModel.o1()
    srv.models["o1dep"] = AzureModel.o1()
    path = tmp_path / "simple.json"
    path.write_text(json.dumps(as_conversation(json.loads(SIMPLE))))  # send writes into it
    if how == "profile":
        profile = ConnectionProfile(
            "prod", "azure-v1", srv.v1_base_url, "o1dep", model="o1",
            key_env="AZURE_OPENAI_API_KEY",
        )  # fmt: skip
        save_settings(Settings(profiles=[profile]))
        args = [str(path), "--profile", "prod"]
    else:
        args = [str(path), "--endpoint", srv.v1_base_url, "--deployment", "o1"]
    assert run_send([*args, "--dry-run"]) == 0
    shown = _dry_body(capsys.readouterr().out)
    assert "stream" not in shown
    assert run_send(args) == 0, capsys.readouterr().err
    assert len(srv.requests) == 1
    sent = srv.requests[0].json
    assert "stream" not in sent
    assert sent == shown
    # The file records the connection it was sent with, as the window saves it.
    assert json.loads(path.read_text())["profile"] == ("prod" if how == "profile" else None)


@pytest.mark.parametrize("where", ["option", "body"])
def test_o1_mini_is_sent_once_without_reasoning_effort_and_says_so(
    srv, tmp_path, clean_env, monkeypatch, capsys, where  # noqa: F811
):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    srv.models["o1-mini"] = AzureModel.o1_mini()
    path = tmp_path / "simple.json"
    doc = json.loads(SIMPLE)
    if where == "body":
        doc["reasoning_effort"] = "low"
    path.write_text(json.dumps(doc))
    args = [str(path), "--endpoint", srv.v1_base_url, "--deployment", "o1-mini"]
    if where == "option":
        args += ["--reasoning-effort", "low"]
    assert run_send([*args, "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "reasoning_effort" not in _dry_body(captured.out)
    assert 'o1-mini takes no reasoning_effort: reasoning_effort "low" is not sent.' in captured.err
    assert run_send(args) == 0
    err = capsys.readouterr().err
    assert "is not sent" in err
    assert "does not take" not in err  # no 400 to learn from
    assert len(srv.requests) == 1
    assert "reasoning_effort" not in srv.requests[0].json
