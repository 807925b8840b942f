"""`chatdesk send` end to end: a real process, the real client, FakeAzure over loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from tests.support.fake_azure import Fail, FakeAzure, Reply
from tests.support.request_bodies import as_conversation

KEY = "5f2b9c0e7d1a4b3c8e6f0a9d2c4b7e1f"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.fixture
def chat_file(tmp_path) -> Path:
    path = tmp_path / "chat.json"
    path.write_text(
        json.dumps(as_conversation({"messages": [{"role": "system", "content": "Be brief."},
                                                 {"role": "user", "content": "Hello there"}]}))
    )  # fmt: skip
    return path


def env_for(srv: FakeAzure, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.update(
        AZURE_OPENAI_ENDPOINT=srv.azure_endpoint,
        AZURE_OPENAI_API_KEY=KEY,
        AZURE_OPENAI_DEPLOYMENT="gpt-4o",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.update(extra)
    return env


def send(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatdesk", "send", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def saved_messages(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    assert doc["format"] == "chatdesk.conversation"
    return doc["messages"]


def assert_key_in_no_file(*folders: Path) -> None:
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                assert KEY.encode() not in path.read_bytes(), path


def test_send_streams_and_saves_the_reply_with_metadata(srv, chat_file, tmp_path):
    srv.enqueue(Reply("Hi! How can I help?", chunk_size=3, flagged={"hate": "low"}))
    done = send(str(chat_file), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hi! How can I help?\n"
    request = srv.requests[-1]
    assert request.path == "/openai/v1/chat/completions"
    assert request.auth_kind == "bearer"
    messages = saved_messages(chat_file)
    assert (messages[1]["role"], messages[1]["content"]) == ("user", "Hello there")
    reply = messages[-1]
    assert reply["role"] == "assistant"
    assert reply["content"] == "Hi! How can I help?"
    meta = reply["metadata"]
    assert meta["finish_reason"] == "stop"
    assert meta["usage"]["completion_tokens"] == 7
    assert meta["model"] == "gpt-4o"
    assert meta["request_id"]
    assert meta["content_filter"]["hate"]["severity"] == "low"
    assert meta["prompt_filter"][0]["prompt_index"] == 0
    assert meta["latency_ms"] >= 0
    assert "incomplete" not in meta
    assert "error" not in meta
    assert_key_in_no_file(tmp_path, Path(os.environ["CHATDESK_HOME"]))


def use_env(monkeypatch, env: dict[str, str]) -> None:
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.setenv(name, value)


def test_send_with_flags_and_no_stream(srv, chat_file, monkeypatch, capsys):
    env = env_for(srv)
    del env["AZURE_OPENAI_ENDPOINT"]
    use_env(monkeypatch, env)
    args = ["--endpoint", srv.azure_endpoint, "--deployment", "gpt-4o", "--api-version",
            "2024-10-21", "--no-stream"]  # fmt: skip
    code = run_send([str(chat_file), *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == "You said: Hello there\n"
    request = srv.requests[-1]
    assert request.auth_kind == "api-key"
    assert "stream" not in request.json
    assert saved_messages(chat_file)[-1]["metadata"]["finish_reason"] == "stop"
    # The deployment that made the reply, for its cost (as the window records it).
    assert saved_messages(chat_file)[-1]["metadata"]["deployment"] == "gpt-4o"


def test_send_api_error_is_one_line_and_keeps_the_file(srv, chat_file, monkeypatch, capsys):
    use_env(monkeypatch, env_for(srv))
    before = chat_file.read_text()
    srv.enqueue(Fail.unauthorized())
    assert run_send([str(chat_file)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Wrong key or token" in err
    assert KEY not in err
    assert chat_file.read_text() == before  # nothing came back: the user's message stays


def test_send_saves_a_broken_stream_as_incomplete(srv, chat_file):
    srv.enqueue(Reply("abcdefghij", chunk_size=2, drop_after=2))
    done = send(str(chat_file), env=env_for(srv))
    assert done.returncode == 1
    assert done.stdout == "abcd\n"
    assert "The connection broke" in done.stderr
    assert "partial reply was saved" in done.stderr
    reply = saved_messages(chat_file)[-1]
    assert reply["content"] == "abcd"
    assert reply["metadata"]["incomplete"] is True
    assert "connection broke" in reply["metadata"]["error"]
    assert "finish_reason" not in reply["metadata"]


def test_ctrl_c_stops_and_saves_the_partial(srv, chat_file):
    srv.enqueue(Reply("z" * 50, chunk_size=1, delay=0.5))
    process = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "send", str(chat_file)],
        env=env_for(srv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.read(1) == "z"  # the reply is streaming
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert "stopped" in err
    reply = saved_messages(chat_file)[-1]
    assert reply["role"] == "assistant"
    assert reply["content"].startswith("z")
    assert len(reply["content"]) < 50
    assert reply["metadata"]["incomplete"] is True


def test_send_with_a_settings_profile(srv, chat_file):
    profile = ConnectionProfile("lab", "azure-v1", srv.v1_base_url, "gpt-4o")
    save_settings(Settings(profiles=[profile]))  # under the test's CHATDESK_HOME
    env = env_for(srv)
    del env["AZURE_OPENAI_ENDPOINT"]
    done = send(str(chat_file), "--profile", "lab", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "You said: Hello there\n"


# -- usage errors, in-process (no network) ---------------------------------------------------
def test_unknown_profile_is_a_usage_error(chat_file, capsys):
    save_settings(Settings(profiles=[ConnectionProfile("lab", "azure-v1", "https://x/", "d")]))
    assert run_send([str(chat_file), "--profile", "nope"]) == 2
    assert "no profile named 'nope' (profiles: lab)" in capsys.readouterr().err


def test_last_message_must_be_from_the_user(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "q"},
                                             {"role": "assistant", "content": "a"}]}))  # fmt: skip
    assert run_send([str(path)]) == 2
    assert "must be a user message" in capsys.readouterr().err


def test_unreadable_file_is_one_line(tmp_path, capsys):
    assert run_send([str(tmp_path / "missing.json")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not exist" in err


def test_no_connection_is_a_usage_error(chat_file, monkeypatch, capsys):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    assert run_send([str(chat_file)]) == 2
    assert "no connection given" in capsys.readouterr().err


def test_conflicting_options_are_a_usage_error(chat_file, capsys):
    args = [str(chat_file), "--profile", "x", "--base-url", "http://127.0.0.1:1/v1"]
    assert run_send([*args, "--model", "m"]) == 2
    assert "use one of" in capsys.readouterr().err


def test_openai_compatible_flags_in_process(srv, tmp_path, monkeypatch, capsys):
    path = tmp_path / "c.json"
    save_conversation_with_user(path, "ping me")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    code = run_send([str(path), "--base-url", srv.openai_base_url, "--model", "local-model"])
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out == "You said: ping me\n"
    assert srv.requests[-1].path == "/v1/chat/completions"
    assert srv.requests[-1].json["model"] == "local-model"


def save_conversation_with_user(path: Path, text: str) -> None:
    from chatdesk.core.conversation import Conversation

    save_conversation(Conversation(history=[Message("user", text)]), path)


def test_a_retry_wait_is_said_as_the_window_says_it(srv, chat_file, monkeypatch, capsys):
    # Tester-58's follow-up: one wording and rounding for a retry's wait. A 1.4 s wait is
    # "Retrying in 2 s…" in the window's card (rounded up); send said "1 s".
    use_env(monkeypatch, env_for(srv))
    srv.enqueue(Fail.rate_limited(retry_after_ms=1400), Reply("Back."))
    assert run_send([str(chat_file), "--no-stream"]) == 0
    err = capsys.readouterr().err
    assert "chatdesk: Rate limit reached (429). Retrying in 2 s…" in err.splitlines()
    assert len(srv.requests) == 2


def test_a_message_too_long_for_the_limit_says_what_the_window_says(srv, tmp_path, monkeypatch,
                                                                    capsys):
    # Reported: the advice twice, the second a trimming policy the file already has. One
    # text, from the plan (core/trimming.py), for the window's card and for `send`.
    from chatdesk.core.conversation import Conversation, TrimSettings

    use_env(monkeypatch, env_for(srv))
    prompt = "You are a helpful assistant."  # the window's: the same 157 tokens
    conv = Conversation(system_prompt=prompt, trimming=TrimSettings(limit=70))
    conv.params.max_tokens = 20
    conv.append(Message("user", " ".join(f"word{i}" for i in range(60))))
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    before = path.read_text()
    assert run_send([str(path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "chatdesk: Not sent: The system prompt and the newest message need "
        "157 tokens with 20 reserved for the reply, over the limit of 70 even with every "
        "earlier turn left out. Shorten the message or the system prompt, or raise the token "
        "limit above 157.\n"
    )
    assert srv.requests == []
    assert path.read_text() == before
