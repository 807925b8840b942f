"""`chatdesk send` when its stdout goes away or cannot be written: a real process in a real
shell pipeline, the reply from FakeAzure over loopback. The reply is paid for; it is saved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from chatdesk.cli.send import _parser
from tests.support.fake_azure import FakeAzure, Reply
from tests.support.request_bodies import as_conversation

ROOT = Path(__file__).resolve().parents[2]
# The tester's file (tester-lab q.json), byte for byte.
# A conversation file: `send` writes the reply into it (never into a bare request body).
Q_JSON = json.dumps(
    as_conversation(
        {
            "model": "reasoner",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hello there"},
            ],
        }
    )
)
REPLY = "Here is a reply long enough to outlive the reader of the pipe. " * 3


@pytest.fixture
def srv():
    with FakeAzure(api_key="test-key") as server:
        # Streams for ~1 s: the reader is gone long before the reply ends.
        server.default = Reply(REPLY, chunk_size=5, delay=0.02)
        yield server


def shell(command: str, cwd: Path) -> tuple[int, str, str]:
    """`command` in bash, as the tester typed it: the first command's exit status, what
    reached stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.update(PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run(
        ["bash", "-c", command + '; echo "status=${PIPESTATUS[0]}"'],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    out, status = done.stdout.rsplit("status=", 1)
    return int(status), out, done.stderr


def send_line(srv: FakeAzure, tail: str) -> str:
    assert shutil.which("chatdesk"), "the chatdesk launcher of the test's venv"
    return (
        "cp q.json w5.json; AZURE_OPENAI_API_KEY=test-key chatdesk send w5.json "
        f"--endpoint {srv.url} --deployment gpt-4o {tail}"
    )


def last_message(path: Path) -> dict:
    return json.loads(path.read_text())["messages"][-1]


@pytest.mark.parametrize("reader", ["| true", "| head -c 5"])
def test_a_closed_pipe_stops_the_printing_and_keeps_the_whole_reply(srv, tmp_path, reader):
    # Tester: `... | true` exited 141 and w5.json had no assistant message.
    (tmp_path / "q.json").write_text(Q_JSON)
    status, out, err = shell(send_line(srv, reader), tmp_path)
    assert status == 141, err
    assert out == ("Here " if reader == "| head -c 5" else "")
    reply = last_message(tmp_path / "w5.json")
    assert reply["role"] == "assistant"
    assert reply["content"] == REPLY  # the whole reply, not what was printed
    assert reply["metadata"]["finish_reason"] == "stop"
    assert "incomplete" not in reply["metadata"]
    assert err.splitlines() == [
        "chatdesk: the reader of standard output went away, so the reply was not printed in "
        "full; it was saved in w5.json."
    ]
    assert len(srv.requests) == 1


def test_a_full_disk_on_stdout_is_one_line_and_keeps_the_reply(srv, tmp_path):
    # Tester: `> /dev/full` was a traceback (OSError: [Errno 28]), exit 1, nothing saved.
    (tmp_path / "q.json").write_text(Q_JSON)
    status, _out, err = shell(send_line(srv, "> /dev/full"), tmp_path)
    assert status == 1
    assert err.splitlines() == [
        "chatdesk: standard output cannot be written (No space left on device), so the reply "
        "was not printed in full; it was saved in w5.json."
    ]
    reply = last_message(tmp_path / "w5.json")
    assert (reply["role"], reply["content"]) == ("assistant", REPLY)


def test_a_closed_stderr_costs_the_messages_only(srv, tmp_path):
    # Both streams into one closed pipe: nothing to say anything on, the reply is still saved.
    (tmp_path / "q.json").write_text(Q_JSON)
    status, _out, _err = shell(send_line(srv, "2>&1 | true"), tmp_path)
    assert status == 141
    assert last_message(tmp_path / "w5.json")["content"] == REPLY


@pytest.mark.parametrize("command", ["export w5.json", "tokens w5.json"])
def test_other_commands_say_a_full_disk_in_one_line(tmp_path, command):
    (tmp_path / "w5.json").write_text(Q_JSON)
    status, _out, err = shell(f"chatdesk {command} > /dev/full", tmp_path)
    assert status == 1
    assert err.splitlines() == [
        "chatdesk: cannot write to standard output (No space left on device)."
    ]


def test_send_help_lists_the_closed_pipe_status():
    assert "141 the reader of stdout went away (the reply is saved)" in " ".join(
        _parser().format_help().split()
    )
