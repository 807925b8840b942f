"""A reply being written: its file says who writes it, and whether that writer is still there
(core/in_flight.py; session 12's tester finding F3)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import dumps, loads
from chatdesk.core.in_flight import LIVE_FOR_S, live_elsewhere, written_elsewhere
from chatdesk.core.messages import Message
from chatdesk.service.events import ReplyResult

HOST = socket.gethostname()


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(seconds))


@pytest.fixture
def other_process():
    """A process of this host that runs: another chatdesk's pid."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc.pid
    proc.kill()
    proc.wait()


@pytest.fixture
def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: its pid runs nothing now
    return proc.pid


def streaming() -> Conversation:
    conv = Conversation()
    conv.append(Message.new("user", "Write a long poem."))
    reply = Message.new("assistant", "Roses are")
    reply.meta.incomplete = reply.meta.pending = True  # as the window streams it
    conv.append(reply)
    return conv


def test_a_reply_streaming_is_saved_with_its_writer_and_the_time():
    before = time.time()
    item = json.loads(dumps(streaming()))["messages"][1]
    mark = item["metadata"]["writing"]
    assert mark["host"] == HOST
    assert mark["pid"] == os.getpid()
    at = time.mktime(time.strptime(mark["at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert before - 1 <= at <= time.time() + 1
    assert item["metadata"]["incomplete"] is True  # an older chatdesk reads a partial reply


def test_the_mark_goes_when_the_reply_ends_done_stopped_or_failed():
    for result, stopped in ((ReplyResult(content="Roses are red.", finish_reason="stop"), False),
                            (ReplyResult(content="Roses are", incomplete=True), True)):  # fmt: skip
        conv = streaming()
        assert "writing" in json.loads(dumps(conv))["messages"][1]["metadata"]
        result.record(conv[1], stopped=stopped)
        assert "writing" not in json.loads(dumps(conv))["messages"][1].get("metadata", {})


def test_a_mark_read_from_a_file_is_kept_as_it_is(other_process):
    mark = {"host": HOST, "pid": other_process, "at": iso(time.time()), "by": "a newer chatdesk"}
    raw = {"format": "chatdesk.conversation", "version": 2, "messages": [
        {"role": "user", "content": "Write a long poem."},
        {"role": "assistant", "content": "Roses", "metadata": {"incomplete": True,
                                                                 "writing": mark}}]}  # fmt: skip
    conv = loads(json.dumps(raw)).conversation
    assert conv[1].meta.writing == mark
    assert json.loads(dumps(conv))["messages"][1]["metadata"]["writing"] == mark


def test_a_running_process_of_this_host_that_wrote_lately_is_writing(other_process):
    now = time.time()
    mark = {"host": HOST, "pid": other_process, "at": iso(now - 3)}
    assert live_elsewhere(mark, now)


def test_a_writer_that_is_gone_left_a_stale_mark(dead_pid):
    now = time.time()
    assert not live_elsewhere({"host": HOST, "pid": dead_pid, "at": iso(now)}, now)


def test_a_mark_not_refreshed_within_the_bound_is_stale(other_process):
    now = time.time()
    assert not live_elsewhere(
        {"host": HOST, "pid": other_process, "at": iso(now - LIVE_FOR_S - 2)}, now
    )
    # Another host's pid cannot be checked here: its time alone says.
    assert live_elsewhere({"host": "other-host", "pid": 1, "at": iso(now - 10)}, now)
    assert not live_elsewhere(
        {"host": "other-host", "pid": 1, "at": iso(now - LIVE_FOR_S - 2)}, now
    )


def test_this_process_and_malformed_marks_are_not_writing_elsewhere():
    now = time.time()
    assert not live_elsewhere({"host": HOST, "pid": os.getpid(), "at": iso(now)}, now)
    malformed = (
        "yes",
        {"host": HOST},
        {"host": HOST, "pid": "12", "at": iso(now)},
        {"host": HOST, "pid": os.getppid(), "at": "soon"},
        {"host": 3, "pid": 1},
    )
    for mark in malformed:
        assert not live_elsewhere(mark, now)


def test_the_conversation_s_last_reply_is_where_a_writer_is_looked_for(other_process):
    now = time.time()
    conv = Conversation()
    conv.append(Message.new("user", "Write a long poem."))
    conv.append(Message.new("assistant", "Roses"))
    assert written_elsewhere(conv, now) is None
    conv[1].meta.writing = {"host": HOST, "pid": other_process, "at": iso(now)}
    writer = written_elsewhere(conv, now)
    assert writer is not None
    assert (writer.message, writer.pid) == (1, other_process)
    conv.append(Message.new("user", "typed by hand after it"))  # still built on a half reply
    assert written_elsewhere(conv, now) is not None
