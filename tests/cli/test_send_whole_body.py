"""`chatdesk send` on pasted request bodies with tools, tool turns and reasoning fields: what
goes over the wire (FakeAzure's request log) and what the new library conversation keeps (the
body file itself is never written: tests/cli/test_send_body_file.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatdesk.core.library import library_dir
from tests.cli.test_send import env_for, send, srv  # noqa: F401 (fixture)
from tests.support.fake_azure import Reply
from tests.support.request_bodies import json_schema_body, tool_turns_body


def _saved() -> Path:
    """The library conversation the test's one send of a body made."""
    [path] = library_dir().glob("*.chatdesk.json")
    return path


def test_send_sends_tools_and_reasoning_effort_and_keeps_them_in_the_file(srv, tmp_path):  # noqa: F811
    body = tool_turns_body()
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(body))
    srv.enqueue(Reply("It is 22 °C and sunny in Boston.", chunk_size=5))
    done = send(str(path), env=env_for(srv, AZURE_OPENAI_DEPLOYMENT="gpt-5"))
    assert done.returncode == 0, done.stderr
    assert len(srv.requests) == 1
    sent = srv.requests[0].json
    for key in ("tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "user",
                "metadata", "seed"):  # fmt: skip
        assert sent[key] == body[key], key
    assert sent["max_completion_tokens"] == 800
    assert "temperature" not in sent
    assert sent["messages"] == body["messages"]  # gpt-5 takes developer and tool turns as they are
    saved = _saved()
    doc = json.loads(saved.read_text())
    assert doc["version"] == 2
    for key in ("tools", "tool_choice", "parallel_tool_calls", "user", "metadata"):
        assert doc["request"][key] == body[key], key
    assert doc["params"]["reasoning_effort"] == "high"  # a parameter of the panel
    assert doc["messages"][:4] == body["messages"]
    assert doc["messages"][4]["content"] == "It is 22 °C and sunny in Boston."
    # Sent again from the saved file: the same fields go out.
    doc["messages"].append({"role": "user", "content": "And tomorrow?"})
    saved.write_text(json.dumps(doc))
    srv.enqueue(Reply("Rain.", chunk_size=5))
    again = send(str(saved), env=env_for(srv, AZURE_OPENAI_DEPLOYMENT="gpt-5"))
    assert again.returncode == 0, again.stderr
    resent = srv.requests[1].json
    assert (resent["tools"], resent["reasoning_effort"]) == (body["tools"], "high")


def test_send_to_a_chat_model_sends_the_developer_prompt_as_system(srv, tmp_path):  # noqa: F811
    body = json_schema_body()
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(body))
    srv.enqueue(Reply('{"name": "Science fair", "date": "Friday", "participants": []}'))
    done = send(str(path), env=env_for(srv, AZURE_OPENAI_DEPLOYMENT="gpt-4o"))
    assert done.returncode == 0, done.stderr
    sent = srv.requests[0].json
    assert sent["messages"][0] == {"role": "system", "content": "Extract the event."}
    assert sent["response_format"] == body["response_format"]
    assert sent["max_tokens"] == 2000
    assert json.loads(_saved().read_text())["messages"][0]["role"] == "developer"


WEATHER_CALL = {
    "id": "call_9f",
    "type": "function",
    "function": {"name": "get_current_weather", "arguments": '{"location": "Paris, FR"}'},
}


@pytest.mark.parametrize("no_stream", [False, True])
def test_a_reply_that_calls_a_tool_is_saved_with_its_call_and_never_run(srv, tmp_path, no_stream):  # noqa: F811
    body = tool_turns_body()
    body["messages"].append({"role": "assistant", "content": "22 °C in Boston."})
    body["messages"].append({"role": "user", "content": "And in Paris?"})
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(body))
    srv.enqueue(Reply("", finish_reason="tool_calls", tool_calls=[WEATHER_CALL], chunk_size=4))
    args = [str(path)] + (["--no-stream"] if no_stream else [])
    done = send(*args, env=env_for(srv, AZURE_OPENAI_DEPLOYMENT="gpt-4.1"))
    assert done.returncode == 0, done.stderr
    assert len(srv.requests) == 1  # nothing was run and sent back
    assert "**Tool call** `get_current_weather`" in done.stdout
    assert "never runs them" in done.stderr
    reply = json.loads(_saved().read_text())["messages"][-1]
    assert reply["content"] is None
    assert reply["tool_calls"] == [WEATHER_CALL]
    assert reply["metadata"]["finish_reason"] == "tool_calls"


def test_unknown_fields_and_a_surrogate_key_are_sent_as_they_came(srv, tmp_path):  # noqa: F811
    # The tester's b1.json, cut to its point: a field this SDK's `create` does not name, and a
    # top-level key holding a lone surrogate (U+FFFD at load, like every string).
    text = (
        '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}],'
        ' "seed": 42, "some_future_field": {"x": 1}, "k\\udc00": 2}'
    )
    path = tmp_path / "b1.json"
    path.write_text(text)
    srv.enqueue(Reply("Hello."))
    done = send(str(path), env=env_for(srv, AZURE_OPENAI_DEPLOYMENT="gpt-4o"))
    assert done.returncode == 0, done.stderr
    assert "Unexpected error" not in done.stderr
    assert len(srv.requests) == 1
    sent = srv.requests[0].json
    assert sent["some_future_field"] == {"x": 1}
    assert sent["k\ufffd"] == 2
    assert sent["seed"] == 42
    assert "extra_body" not in sent
