"""`chatdesk send` with today's deployments (issue 11, items 4, 5 and 7): in process, the real
client, FakeAzure over loopback answering as Azure does in each case."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.conversation import Conversation, GenerationParams
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.settings import load_settings
from tests.support.fake_azure import AzureModel, FakeAzure, Reply

KEY = "5f2b9c0e7d1a4b3c8e6f0a9d2c4b7e1f"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.fixture
def env(srv, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def chat_file(tmp_path: Path, **params) -> Path:
    path = tmp_path / "chat.json"
    conv = Conversation(
        system_prompt="Be brief.",
        history=[Message("user", "Hello there")],
        params=GenerationParams(**params),
    )
    save_conversation(conv, path)
    return path


def messages(path: Path) -> list[dict]:
    return json.loads(path.read_text())["messages"]


def send(srv: FakeAzure, path: Path, deployment: str, *extra: str) -> int:
    return run_send([str(path), "--endpoint", srv.v1_base_url, "--deployment", deployment, *extra])


def test_gpt5_mini_reply_spent_on_reasoning_says_so_and_exits_non_zero(srv, env, tmp_path, capsys):
    srv.enqueue(Reply("", finish_reason="length", completion_tokens=800, reasoning_tokens=800))
    path = chat_file(tmp_path, max_tokens=800)
    assert send(srv, path, "gpt-5-mini") == 1
    err = capsys.readouterr().err
    assert "spent all 800 completion tokens on reasoning" in err
    assert "Raise the response limit" in err
    assert [m["role"] for m in messages(path)] == ["system", "user"]  # ready to send again
    assert srv.requests[0].json["max_completion_tokens"] == 800
    # Tester: "Raise the response limit (max_tokens in FILE)", a placeholder for the file.
    assert "FILE" not in err
    assert (
        f'Raise the response limit ("max_tokens" in the "params" of {path}, now 800, sent as '
        'max_completion_tokens; e.g. "params": {"max_tokens": 4000}) and send again.'
    ) in " ".join(err.split())


def test_a_file_without_a_limit_is_told_which_field_to_add(srv, env, tmp_path, capsys):
    srv.enqueue(Reply("", finish_reason="length", completion_tokens=1500, reasoning_tokens=1500))
    path = chat_file(tmp_path)
    assert send(srv, path, "gpt-5-mini") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f'Raise the response limit ("max_tokens" in the "params" of {path}, not set: the '
        """service's default; e.g. "params": {"max_tokens": 6000}) and send again."""
    ) in err


def test_no_stream_reply_spent_on_reasoning_prints_no_empty_line(srv, env, tmp_path, capsys):
    """A tester's finding: `send --no-stream` printed an empty line before the message."""
    srv.enqueue(Reply("", finish_reason="length", completion_tokens=800, reasoning_tokens=800))
    path = chat_file(tmp_path, max_tokens=800)
    assert send(srv, path, "gpt-5-mini", "--no-stream") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "spent all 800 completion tokens on reasoning" in err


def test_a_bad_max_completion_tokens_is_named_as_written(tmp_path, capsys):
    """A tester's finding: a request body's `"max_completion_tokens": true` was reported as
    `"max_tokens" must be a number, not true`, a field the file does not have."""
    from chatdesk.cli import main

    path = tmp_path / "body.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}],
                                "max_completion_tokens": True}))  # fmt: skip
    assert main(["tokens", str(path)]) == 1
    err = capsys.readouterr().err
    assert '"max_completion_tokens" must be a whole number, not true.' in err
    assert "max_tokens" not in err.replace("max_completion_tokens", "")


def test_a_plain_json_answer_to_a_stream_is_saved_complete(srv, env, tmp_path, capsys):
    srv.enqueue(Reply("All of it at once.", plain_json=True))
    path = chat_file(tmp_path)
    assert send(srv, path, "gpt-4o") == 0, capsys.readouterr().err
    assert capsys.readouterr().out == "All of it at once.\n"
    reply = messages(path)[-1]
    assert reply["content"] == "All of it at once."
    assert reply["metadata"]["finish_reason"] == "stop"
    assert "incomplete" not in reply["metadata"]


def test_nothing_saved_is_never_called_saved(srv, env, tmp_path, capsys):
    srv.enqueue(Reply("", finish_reason=None))  # a stream that ends with no text, no finish
    path = chat_file(tmp_path)
    assert send(srv, path, "gpt-4o") == 1
    err = capsys.readouterr().err
    assert "nothing was saved" in err
    assert "it was saved" not in err
    assert len(messages(path)) == 2


def test_o1_stream_refusal_is_said_remembered_and_right_next_time(srv, env, tmp_path, capsys):
    srv.models["deep-think"] = AzureModel.o1()  # o1 behind a name that does not say so
    path = chat_file(tmp_path)
    assert send(srv, path, "deep-think", "--reasoning-effort", "high") == 0
    out, err = capsys.readouterr()
    assert out == "You said: Hello there\n"
    assert err == (
        "chatdesk: deep-think does not stream replies: asked for the whole reply at once.\n"
    )
    first, second = (r.json for r in srv.requests)
    assert first["stream"] is True
    assert "stream" not in second
    assert first["reasoning_effort"] == second["reasoning_effort"] == "high"
    (note,) = load_settings().settings.deployments.to_json().values()
    assert note == {"stream": False}

    srv.clear_requests()
    path = chat_file(tmp_path)
    assert send(srv, path, "deep-think") == 0
    assert capsys.readouterr().err == ""
    (request,) = srv.requests
    assert "stream" not in request.json


def test_read_timeout_and_deadline_flags(srv, env, tmp_path, capsys):
    srv.enqueue(Reply("slow", first_byte_delay=1.5), Reply("unreached"))
    path = chat_file(tmp_path)
    assert send(srv, path, "gpt-4o", "--read-timeout", "1") == 1
    err = capsys.readouterr().err
    assert "sent nothing for 1 s" in err
    assert "Send it again to try once more" in err
    assert "Retry" not in err  # no such button in a terminal
    assert len(srv.requests) == 1
    with pytest.raises(SystemExit) as info:
        run_send([str(path), "--deadline", "0"])
    assert info.value.code == 2
    assert "give a number of seconds" in capsys.readouterr().err
