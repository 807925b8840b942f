"""`chatdesk send FILE --tool-result ID=TEXT` (cli/tool_result_option.py): the model's tool call
answered from the command line, the request carrying the result right after the call; a file
ending in a call without a result is refused before anything is sent, naming it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest

from chatdesk.core.library import library_dir
from chatdesk.core.messages import Message
from tests.cli.test_send import ROOT, env_for, saved_messages, send, srv  # noqa: F401 (fixture)
from tests.support.fake_azure import Fail, Reply
from tests.support.netlab import dead_port
from tests.support.request_bodies import CALL_9, TOOL_ROUNDS_BODY, as_conversation


def rounds_with_call_9(tmp_path):
    doc = as_conversation(TOOL_ROUNDS_BODY)
    call = Message("assistant", "")
    call.set_tool_calls([CALL_9])
    doc["messages"].append(call.to_api())
    path = tmp_path / "rounds.json"
    path.write_text(json.dumps(doc))
    return path


def test_tool_result_is_sent_right_after_its_call_and_saved(srv, tmp_path):  # noqa: F811
    path = rounds_with_call_9(tmp_path)
    result = tmp_path / "berlin.json"
    result.write_text('{"temperature": 5}')
    srv.enqueue(Reply(text="Berlin is 5 °C."))
    done = send(str(path), "--tool-result", f"call_9=@{result}", env=env_for(srv))
    assert done.returncode == 0, done.stderr
    sent = srv.requests[0].json["messages"]
    assert sent[-2]["tool_calls"] == [CALL_9]
    assert sent[-1] == {"role": "tool", "content": '{"temperature": 5}', "tool_call_id": "call_9"}
    saved = saved_messages(path)
    assert [m["role"] for m in saved[-3:]] == ["assistant", "tool", "assistant"]
    assert saved[-2]["tool_call_id"] == "call_9"


def test_a_call_without_result_is_refused_before_sending(srv, tmp_path):  # noqa: F811
    path = rounds_with_call_9(tmp_path)
    before = path.read_text()
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 2
    assert "Tool calls without results: get_weather (call_9) has no result" in done.stderr
    assert "--tool-result ID=TEXT" in done.stderr
    wrong = send(str(path), "--tool-result", "call_8=5", env=env_for(srv))
    assert wrong.returncode == 2
    assert "call_8" in wrong.stderr
    assert "get_weather (call_9)" in wrong.stderr
    assert srv.requests == []
    assert path.read_text() == before


def test_the_testers_question_after_the_call_is_refused_before_it_leaves(srv, tmp_path):  # noqa: F811
    path = rounds_with_call_9(tmp_path)
    doc = json.loads(path.read_text())
    doc["messages"].append({"role": "user", "content": "Berlin is 5 C, go on"})
    path.write_text(json.dumps(doc))
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 1
    assert "Tool calls without results: get_weather (call_9) has no result" in done.stderr
    assert srv.requests == []  # refused here, not by the service's 400


def test_tokens_names_the_calls_without_results(tmp_path):
    path = rounds_with_call_9(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "tokens", str(path), "--json"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Tool calls without results: get_weather (call_9)" in done.stderr
    report = json.loads(done.stdout)
    assert report["tool_calls_without_results"] == [
        {"index": 6, "id": "call_9", "name": "get_weather"}
    ]


# -- the results given are kept when the request fails (the session-12 tester: they were lost,
#    and nothing said so) ---------------------------------------------------------------------
RESULT = '{"temperature": 5}'
ANSWER = {"role": "tool", "content": RESULT, "tool_call_id": "call_9"}
KEPT = (
    "The tool result of get_weather (call_9) was kept in {path}; `chatdesk send {path}` sends "
    "it (no --tool-result)."
)


def _sent_tool_messages(request) -> list[dict]:
    return [m for m in request.json["messages"] if m["role"] == "tool"]


def _answered_in(path) -> list[dict]:
    """The file's tool messages answering call_9, without their metadata."""
    return [
        {k: m[k] for k in ("role", "content", "tool_call_id")}
        for m in saved_messages(path) if m.get("tool_call_id") == "call_9"
    ]  # fmt: skip


SERVER_ERROR = Fail(500, "InternalServerError", "The server had an error while processing "
                    "your request.", headers={"retry-after-ms": "50"})  # fmt: skip


@pytest.mark.parametrize(
    ("failure", "tries"),
    [(Fail(400, "BadRequest", "Temperature must be at most 2."), 1), (Fail.unauthorized(), 1),
     (SERVER_ERROR, 4)],  # a 500 is tried 4 times (service/retry.py)
    ids=["400", "401", "500"],
)  # fmt: skip
def test_a_failed_request_keeps_the_results_and_the_next_send_sends_them(
    srv, tmp_path, failure, tries  # noqa: F811
):
    path = rounds_with_call_9(tmp_path)
    for _ in range(tries):
        srv.enqueue(failure)
    done = send(str(path), "--tool-result", f"call_9={RESULT}", env=env_for(srv))
    assert done.returncode == 1
    assert len(srv.requests) == tries
    assert _sent_tool_messages(srv.requests[-1])[-1] == ANSWER  # it went with the request
    assert _answered_in(path) == [ANSWER]  # and stayed in the file, right after its call
    assert saved_messages(path)[-2]["tool_calls"] == [CALL_9]
    assert KEPT.format(path=path) in done.stderr
    assert done.stderr.count("\n") == 1 + done.stderr.count("Retrying")

    srv.enqueue(Reply(text="Berlin is 5 °C."))
    again = send(str(path), env=env_for(srv))  # no --tool-result: the file holds it
    assert again.returncode == 0, again.stderr
    assert again.stdout == "Berlin is 5 °C.\n"
    assert _sent_tool_messages(srv.requests[-1])[-1] == ANSWER
    assert [m["role"] for m in saved_messages(path)[-3:]] == ["assistant", "tool", "assistant"]
    assert _answered_in(path) == [ANSWER]


def test_the_same_command_again_sends_the_results_it_kept(srv, tmp_path):  # noqa: F811
    # A script retries the command as it was: the result is there once, and is sent.
    path = rounds_with_call_9(tmp_path)
    before = path.read_text()
    argv = [str(path), "--tool-result", f"call_9={RESULT}"]
    assert send(*argv, "--dry-run", env=env_for(srv)).returncode == 0
    assert path.read_text() == before  # a dry run saves nothing, the results neither
    srv.enqueue(Fail.unauthorized())
    assert send(*argv, env=env_for(srv)).returncode == 1
    srv.enqueue(Reply(text="Berlin is 5 °C."))
    again = send(*argv, env=env_for(srv))
    assert again.returncode == 0, again.stderr
    assert f"note: {path} already holds the result given for call_9" in again.stderr
    assert _sent_tool_messages(srv.requests[-1]).count(ANSWER) == 1
    assert _answered_in(path) == [ANSWER]
    other = send(str(path), "--tool-result", "call_9=6", env=env_for(srv))  # another text
    assert other.returncode == 2
    assert "tool call call_9 already has another result in the file" in other.stderr
    (tmp_path / "b").mkdir()
    twice = send(str(rounds_with_call_9(tmp_path / "b")), "--tool-result", "call_9=1",
                 "--tool-result", "call_9=2", env=env_for(srv))  # fmt: skip
    assert twice.returncode == 2
    assert "--tool-result call_9 is given more than once" in twice.stderr
    assert len(srv.requests) == 2


def test_ctrl_c_at_a_closed_port_keeps_the_results(tmp_path):
    # Nothing listens: the send waits to retry, and Ctrl+C stops it before any reply.
    path = rounds_with_call_9(tmp_path)
    env = env_for(SimpleNamespace(azure_endpoint=f"http://127.0.0.1:{dead_port()}/"))
    process = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "send", str(path), "--tool-result", f"call_9={RESULT}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        assert "Cannot reach the server. Retrying in" in first
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, first + err
    assert _answered_in(path) == [ANSWER]
    assert ("chatdesk: stopped before any reply arrived; t" + KEPT.format(path=path)[1:]) in err


def test_a_bodys_results_stay_in_its_new_library_conversation(srv, tmp_path):  # noqa: F811
    # A bare body is never written; its new library conversation, removed when nothing came
    # back, is kept when it holds results the user typed, and named.
    body = {**TOOL_ROUNDS_BODY, "messages": [*TOOL_ROUNDS_BODY["messages"],
                                             {"role": "assistant", "tool_calls": [CALL_9]}]}
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(body))
    before = path.read_bytes()
    srv.enqueue(Fail.unauthorized())
    done = send(str(path), "--tool-result", f"call_9={RESULT}", env=env_for(srv))
    assert done.returncode == 1
    assert path.read_bytes() == before
    [kept] = sorted(library_dir().glob("*.chatdesk.json"))
    assert _answered_in(kept) == [ANSWER]
    new = f"{path} is a request body: it was saved as a new conversation in the library, {kept}"
    assert new in done.stderr
    assert KEPT.format(path=kept) in done.stderr
    assert "Nothing was saved" not in done.stderr
    srv.enqueue(Reply(text="Berlin is 5 °C."))
    again = send(str(kept), env=env_for(srv))
    assert again.returncode == 0, again.stderr
    assert _sent_tool_messages(srv.requests[-1])[-1] == ANSWER


def test_a_reply_calling_a_tool_says_the_command_that_answers_it(srv, tmp_path):  # noqa: F811
    # The hint said "add the tool's result to the file as a tool message", never naming
    # --tool-result, the call's id, or (for a body) the library file that holds the call.
    path = tmp_path / "rounds.json"
    path.write_text(json.dumps(as_conversation(TOOL_ROUNDS_BODY)))
    srv.enqueue(Reply("", finish_reason="tool_calls", tool_calls=[CALL_9]))
    done = send(str(path), env=env_for(srv))
    assert done.returncode == 0, done.stderr
    command = f"chatdesk send {path} --tool-result call_9=RESULT"
    assert (
        "chatdesk: the reply asks to call get_weather (call_9); chatdesk shows tool calls but "
        f"never runs them. Run it, then send its result: {command} (ID=@FILE reads a result "
        "from FILE).\n"
    ) in done.stderr
    srv.enqueue(Reply(text="Berlin is 5 °C."))
    answered = send(*command.split()[2:-1], f"call_9={RESULT}", env=env_for(srv))  # as said
    assert answered.returncode == 0, answered.stderr
    assert _sent_tool_messages(srv.requests[-1])[-1] == ANSWER

    body = tmp_path / "agent.json"
    body.write_text(json.dumps(TOOL_ROUNDS_BODY))
    srv.enqueue(Reply("", finish_reason="tool_calls", tool_calls=[CALL_9]))
    done = send(str(body), env=env_for(srv))
    [saved] = sorted(library_dir().glob("*.chatdesk.json"))  # the body's new conversation
    assert f"{saved} --tool-result call_9=RESULT" in done.stderr
