"""`chatdesk send FILE --tool-result ID=TEXT` (cli/tool_result_option.py): the model's tool call
answered from the command line, the request carrying the result right after the call; a file
ending in a call without a result is refused before anything is sent, naming it."""

from __future__ import annotations

import json

from chatdesk.core.messages import Message
from tests.cli.test_send import env_for, saved_messages, send, srv  # noqa: F401 (fixture)
from tests.support.fake_azure import Reply
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
    import subprocess
    import sys

    from tests.cli.test_send import ROOT

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
