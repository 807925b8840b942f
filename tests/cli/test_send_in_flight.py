"""`chatdesk send` on a conversation whose last reply another chatdesk is still writing: refused,
as the window refuses it (core/in_flight.py, service/send_checks.py), with exit status 1 and
the file left as it is; a mark whose writer is gone does not hold anything back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from chatdesk.core.messages import now_iso
from tests.cli.test_send import env_for, saved_messages, send, srv  # noqa: F401
from tests.support.fake_azure import Reply


def conversation(path, writer_pid: int, question_after: bool) -> bytes:
    """A library-like file as another chatdesk leaves it mid-stream: its reply marked."""
    mark = {"host": socket.gethostname(), "pid": writer_pid, "at": now_iso()}
    messages = [
        {"role": "user", "content": "Write a long poem about herons."},
        {"role": "assistant", "content": "Grey herons stand",
         "metadata": {"incomplete": True, "writing": mark}},
    ]  # fmt: skip
    if question_after:  # typed into the file by hand (or by an older chatdesk) after it
        messages.append({"role": "user", "content": "Shorter, please."})
    doc = {"format": "chatdesk.conversation", "version": 2, "messages": messages}
    path.write_text(json.dumps(doc))
    return path.read_bytes()


def test_send_refuses_while_another_process_writes_the_reply(srv, tmp_path):  # noqa: F811
    # This test process is the other chatdesk: it runs, and it wrote the mark just now.
    for question_after in (False, True):
        path = tmp_path / f"poem-{question_after}.chatdesk.json"
        before = conversation(path, os.getpid(), question_after)
        done = send(str(path), env=env_for(srv))
        assert done.returncode == 1, done.stderr
        assert "still being written in another chatdesk" in done.stderr
        assert f"process {os.getpid()} on this computer" in done.stderr
        assert "Send once it has finished" in done.stderr
        assert path.read_bytes() == before
    assert srv.requests == []
    # Once the writer is gone (it crashed), its reply is what it is, cut off: sent as it is.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = tmp_path / "poem.chatdesk.json"
    conversation(path, gone.pid, question_after=True)
    srv.enqueue(Reply("Herons wait."))
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    assert [m["content"] for m in saved_messages(path)][-1] == "Herons wait."
    assert [m["content"] for m in srv.requests[0].json["messages"]][-2:] == [
        "Grey herons stand",
        "Shorter, please.",
    ]
