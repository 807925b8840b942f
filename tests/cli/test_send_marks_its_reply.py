"""`chatdesk send` marks the reply it is writing, as the window does (core/in_flight.py): from
before the request leaves until the reply ends, a second `send` (or a window) on the same file
is refused; the mark is kept fresh through a silence, and is gone when the reply ends, fails,
is stopped with Ctrl+C, or its writer is killed (a reply that never began is then asked
again). Real processes, FakeAzure over loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatdesk.core.in_flight import REFRESH_S
from tests.cli.test_send import ROOT, env_for, saved_messages, send, srv  # noqa: F401
from tests.support.fake_azure import Hang, Reply

POEM = " ".join(f"heron{i}" for i in range(40))


@pytest.fixture
def chat(tmp_path) -> Path:
    path = tmp_path / "poem.chatdesk.json"
    question = {"role": "user", "content": "Write a long poem about herons."}
    doc = {"format": "chatdesk.conversation", "version": 2, "messages": [question]}
    path.write_text(json.dumps(doc, indent=2))
    return path


def start(path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "send", str(path)], env=env, cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def mark(path: Path) -> dict | None:
    """The "writing" mark of the file's last message, when it is a reply."""
    try:
        last = json.loads(path.read_text())["messages"][-1]
    except (OSError, ValueError):
        return None  # never half a file (atomic writes); only a missing one
    return last.get("metadata", {}).get("writing") if last["role"] == "assistant" else None


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def refused(done: subprocess.CompletedProcess[str], pid: int) -> None:
    assert done.returncode == 1, done.stderr
    assert f"still being written in another chatdesk (process {pid} on this computer)" in (
        " ".join(done.stderr.split())
    )
    assert "Send once it has finished" in done.stderr


def test_a_second_send_is_refused_while_the_first_streams_its_reply(srv, chat):  # noqa: F811
    # About 17 s of streaming: a loaded machine may take a few seconds to start the second.
    srv.enqueue(Reply(POEM, chunk_size=20, delay=1.2))
    first = start(chat, env_for(srv))
    try:
        wait_for(lambda: (mark(chat) or {}).get("pid") == first.pid
                 and saved_messages(chat)[-1]["content"])  # fmt: skip
        refused(send(str(chat), env=env_for(srv)), first.pid)
        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert out.strip() == POEM
    messages = saved_messages(chat)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[-1]["content"] == POEM
    assert "writing" not in messages[-1]["metadata"]  # ended: nobody writes it any more
    assert len(srv.requests) == 1


def test_the_mark_is_there_before_the_first_word_kept_fresh_and_gone_after_ctrl_c(
    srv, chat  # noqa: F811
):
    before = chat.read_bytes()
    srv.enqueue(Hang(60))  # a reasoning model thinking, a retry waiting: nothing arrives
    first = start(chat, env_for(srv))
    try:
        wait_for(lambda: mark(chat) is not None)
        at = mark(chat)["at"]
        assert saved_messages(chat)[-1]["content"] == ""
        refused(send(str(chat), env=env_for(srv)), first.pid)
        wait_for(lambda: (mark(chat) or {}).get("at", at) != at, timeout=REFRESH_S + 5)
        first.send_signal(signal.SIGINT)
        _out, err = first.communicate(timeout=30)
    finally:
        first.kill()
    assert first.returncode == 130, err
    assert "stopped before any reply arrived; nothing was saved" in err
    assert chat.read_bytes() == before  # as it was, byte for byte: the question last
    srv.enqueue(Reply("Herons wait."))
    assert send(str(chat), env=env_for(srv)).returncode == 0


def test_a_reply_a_killed_send_never_began_is_asked_again(srv, chat):  # noqa: F811
    srv.enqueue(Hang(60))
    first = start(chat, env_for(srv))
    try:
        wait_for(lambda: mark(chat) is not None)
        srv.wait_for_requests(1, timeout=30)  # its request is out: the server hangs on it
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        first.kill()
    assert mark(chat) is not None  # left by the killed process: stale, since it is gone
    srv.enqueue(Reply("Herons wait."))
    done = send(str(chat), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    assert "its last reply was cut off before its first word" in done.stderr
    messages = saved_messages(chat)
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "Write a long poem about herons."),
        ("assistant", "Herons wait."),
    ]
    assert [m["role"] for m in srv.requests[-1].json["messages"]] == ["user"]
