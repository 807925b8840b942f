"""`chatdesk send` and friends as real processes: kill -9 mid-stream keeps the partial reply,
two writers on one file lose nothing, and the command line tells the truth (what was saved,
rate-limit waits, a reset settings file, a closed pipe)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.messages import Message
from tests.reliability.conftest import ROOT, clean_env, run_chatdesk
from tests.support.fake_azure import Fail, FakeAzure, Hang, Reply

KEY = "reliability-key-0123456789abcdef"
REPLY = " ".join(f"word{i}" for i in range(400))


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


@pytest.fixture
def env(srv, tmp_path):
    return clean_env(
        CHATDESK_HOME=str(tmp_path / "home"), AZURE_OPENAI_ENDPOINT=srv.azure_endpoint,
        AZURE_OPENAI_API_KEY=KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o",
    )  # fmt: skip


def question_file(path: Path, text: str = "Tell me a long story") -> Path:
    conv = Conversation(system_prompt="Be brief.")
    conv.append(Message("user", text))
    save_conversation(conv, path)
    return path


def start_send(path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "send", str(path)], env=env, cwd=ROOT, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for(condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def partial_saved(path: Path) -> bool:
    try:
        conv = load_conversation(path).conversation
    except ValueError:
        return False  # never: every state on disk must load (asserted below)
    last = conv[len(conv) - 1]
    return last.role == "assistant" and len(last.content) > 40


@pytest.mark.area("kill -9: chatdesk send")
def test_a_killed_send_keeps_the_streamed_partial_reply(srv, env, tmp_path, heavy,
                                                       record_property):
    rounds = 12 if heavy else 3
    record_property("cases", rounds)
    for round_ in range(rounds):
        path = question_file(tmp_path / f"chat-{round_}.json")
        srv.enqueue(Reply(REPLY, chunk_size=4, delay=0.02))
        proc = start_send(path, env)
        try:
            wait_for(lambda p=path: partial_saved(p), what="the partial reply on disk")
            time.sleep(0.05 * round_)  # kill at a different point each round
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        conv = load_conversation(path).conversation  # whole: every write is atomic
        reply = conv[len(conv) - 1]
        assert reply.role == "assistant"
        assert reply.meta.incomplete  # never passed off as complete
        assert REPLY.startswith(reply.content)
        assert conv[len(conv) - 2].content == "Tell me a long story"
    # A later save of the same file removes what a kill mid-write left beside it.
    save_conversation(load_conversation(path).conversation, path)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.area("kill -9: atomic save")
def test_kill_during_atomic_save_never_damages_and_leftovers_are_cleaned(
    tmp_path, heavy, record_property
):
    rounds = 40 if heavy else 8
    record_property("cases", rounds)
    path = tmp_path / "big.json"
    conv = Conversation(system_prompt="s")
    for i in range(400):
        conv.append(Message("user", f"q{i} " + "x" * 2000))
    save_conversation(conv, path)
    writer = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from chatdesk.core.fileformat import load_conversation, save_conversation\n"
        f"conv = load_conversation({str(path)!r}).conversation\n"
        "print('ready', flush=True)\n"
        f"while True:\n    save_conversation(conv, {str(path)!r})\n"
    )
    for round_ in range(rounds):
        proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.01 + 0.013 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        assert len(load_conversation(path).conversation) == 400  # the old or the new, whole
    save_conversation(load_conversation(path).conversation, path)
    assert not list(tmp_path.glob(".big.json.*"))


@pytest.mark.area("two writers: one file")
def test_two_sends_on_one_file_lose_nothing(srv, env, tmp_path):
    path = question_file(tmp_path / "shared.json")
    srv.enqueue(Hang(60, then=Reply("one reply")), Hang(60, then=Reply("another reply")))
    first, second = start_send(path, env), start_send(path, env)
    try:
        # The one that reads the file after the other marked its reply is refused (exits);
        # two that both read it before either marked it both send.
        wait_for(lambda: len(srv.requests) == 2 or (len(srv.requests) == 1
                 and (first.poll(), second.poll()) != (None, None)), what="both")  # fmt: skip
        srv.release()
        errors = [first.communicate(timeout=60)[1], second.communicate(timeout=60)[1]]
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    in_file = load_conversation(path).conversation
    if len(srv.requests) == 1:  # one refused: nothing sent, nothing written by it
        assert sorted((first.returncode, second.returncode)) == [0, 1], errors
        [refusal] = [e for e in errors if "still being written in another chatdesk" in e]
        assert "Send once it has finished" in refusal
        assert [m.role for m in in_file] == ["user", "assistant"]
        assert in_file[1].content == "one reply"
        assert not list(tmp_path.glob("shared.reply-*.json"))
        return
    assert (first.returncode, second.returncode) == (0, 0), errors
    [copy] = tmp_path.glob("shared.reply-*.json")
    in_copy = load_conversation(copy).conversation
    replies = {in_file[len(in_file) - 1].content, in_copy[len(in_copy) - 1].content}
    assert replies == {"one reply", "another reply"}  # nothing wiped
    told = [e for e in errors if "changed by another program" in e]
    assert len(told) == 1
    assert str(copy) in told[0]


@pytest.mark.area("two writers: one file")
def test_send_merges_a_settings_change_made_meanwhile(srv, env, tmp_path):
    path = question_file(tmp_path / "chat.json")
    srv.enqueue(Hang(60, then=Reply("the reply")))
    proc = start_send(path, env)
    srv.wait_for_requests(1, timeout=60)
    other = load_conversation(path).conversation  # another program renames it meanwhile
    other.title = "Renamed elsewhere"
    save_conversation(other, path)
    srv.release()
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 0, err
    conv = load_conversation(path).conversation
    assert conv.title == "Renamed elsewhere"
    assert conv[len(conv) - 1].content == "the reply"
    assert "keeping those changes" in err


@pytest.mark.area("honest command line")
def test_send_never_claims_saved_when_nothing_was(srv, env, tmp_path):
    path = question_file(tmp_path / "chat.json")
    before = path.read_bytes()
    srv.enqueue(Hang(seconds=30))
    proc = start_send(path, env)
    srv.wait_for_requests(1, timeout=60)
    proc.send_signal(signal.SIGINT)  # stopped before any text arrived
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert "nothing was saved" in err
    assert "was saved" not in err.replace("nothing was saved", "")
    assert path.read_bytes() == before


@pytest.mark.area("honest command line")
def test_send_says_it_is_waiting_on_a_rate_limit(srv, env, tmp_path):
    path = question_file(tmp_path / "chat.json")
    srv.enqueue(Fail.rate_limited(retry_after_ms=2000), Reply("after the wait"))
    proc = start_send(path, env)
    try:
        line = proc.stderr.readline()  # said before the wait is over, not after
        assert proc.poll() is None
        assert "retrying in 2 s" in line.lower(), line
        err = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert load_conversation(path).conversation[1].content == "after the wait"


@pytest.mark.area("honest command line")
def test_send_says_when_the_settings_were_reset(srv, env, tmp_path):
    settings = Path(env["CHATDESK_HOME"]) / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"schema_version": 1, "profiles": [')
    done = run_chatdesk("send", str(question_file(tmp_path / "c.json")), "--profile", "work",
                        env=env)  # fmt: skip
    assert done.returncode == 2
    assert "could not use its settings file" in done.stderr
    assert "settings.json.bad-" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.area("honest command line")
def test_tokens_into_a_closed_pipe_exits_quietly(tmp_path):
    conv = Conversation(system_prompt="s")
    for i in range(3000):
        conv.append(Message("user", f"message {i}"))
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    command = f"{sys.executable} -m chatdesk tokens {path} --json | head -c 20"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60,
                          env=clean_env(), cwd=ROOT)  # fmt: skip
    assert done.stdout.startswith("{")
    assert done.stderr == ""


@pytest.mark.area("text UTF-8 cannot hold")
def test_send_saves_a_reply_with_a_lone_surrogate(srv, env, tmp_path):
    path = question_file(tmp_path / "chat.json")
    srv.enqueue(Reply("half an emoji: \ud83d.", chunk_size=3))
    done = run_chatdesk("send", str(path), env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "\ufffd" in done.stdout
    said = "1 character of the reply that UTF-8 cannot hold (half of an emoji) was replaced"
    assert said in done.stderr
    saved = json.loads(path.read_text("utf-8"))
    assert saved["messages"][-1]["content"] == "half an emoji: \ufffd."
