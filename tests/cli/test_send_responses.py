"""`chatdesk send --api responses`: a real process, the real client's `responses` resource,
FakeAzure's Responses wire format over loopback, the request log asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_send import KEY, env_for, send
from tests.support.fake_azure import FakeAzure, Reply


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY) as server:
        yield server


def write(path: Path, messages: list[dict], **fields) -> Path:
    doc = {"format": "chatdesk.conversation", "version": 2, "messages": messages, **fields}
    path.write_text(json.dumps(doc))
    return path


def add_question(path: Path, text: str) -> None:
    doc = json.loads(path.read_text())
    doc["messages"].append({"role": "user", "content": text})
    path.write_text(json.dumps(doc))


def test_send_keeps_the_chain_on_the_service_and_falls_back_when_it_is_gone(srv, tmp_path):
    chat = write(tmp_path / "chat.chatdesk.json", [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello there"},
    ])  # fmt: skip
    env = env_for(srv)
    connection = ["--endpoint", srv.v1_base_url, "--deployment", "o4-mini"]
    srv.enqueue(Reply("Hi!", summary=["The user greets me.", "Greet back."], reasoning_tokens=9))
    done = send(str(chat), *connection, "--api", "responses", "--history", "service",
                "--reasoning-summary", "auto", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hi!\n"
    assert "chatdesk: reasoning: The user greets me.\n\nGreet back.\n" in done.stderr
    doc = json.loads(chat.read_text())
    assert (doc["api"], doc["history"]) == ("responses", "service")
    reply = doc["messages"][-1]
    meta = reply["metadata"]
    assert reply["content"] == "Hi!"
    assert meta["reasoning_summary"] == ["The user greets me.", "Greet back."]
    assert meta["store"] is True
    assert meta["usage"]["output_tokens_details"]["reasoning_tokens"] == 9
    (first,) = srv.requests
    assert first.path == "/openai/v1/responses"
    assert first.json == {
        "model": "o4-mini",
        "instructions": "Be brief.",
        "input": [{"role": "user", "content": "Hello there"}],
        "reasoning": {"summary": "auto"},
        "store": True,
        "truncation": "auto",
        "stream": True,
    }

    add_question(chat, "Thanks")  # the file's own choices now: no --api needed
    done = send(str(chat), *connection, env=env)
    assert done.returncode == 0, done.stderr
    second = srv.requests[-1].json
    assert second["previous_response_id"] == meta["response_id"]
    assert second["input"] == [{"role": "user", "content": "Thanks"}]

    add_question(chat, "Still there?")
    srv.stored_responses.clear()  # the service's copies expired
    done = send(str(chat), *connection, "--no-stream", env=env)
    assert done.returncode == 0, done.stderr
    gone, resent = srv.requests[-2:]
    said = [line for line in done.stderr.splitlines() if "no longer has" in line]
    assert said == [
        f"chatdesk: The service no longer has the stored response "
        f"{gone.json['previous_response_id']}: sent the conversation's history instead."
    ]
    assert [item["content"] for item in resent.json["input"]] == [
        "Hello there", "Hi!", "Thanks", "You said: Thanks", "Still there?"
    ]
    assert done.stdout == "You said: Still there?\n"


def test_dry_run_shows_the_responses_url_and_body(srv, tmp_path):
    chat = write(tmp_path / "c.json", [{"role": "user", "content": "Hi"}],
                 params={"stop": ["END"], "max_tokens": 50})  # fmt: skip
    done = send(str(chat), "--endpoint", srv.v1_base_url, "--deployment", "gpt-4o",
                "--api", "responses", "--dry-run", env=env_for(srv))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"POST {srv.v1_base_url}responses\n")
    body = json.loads(done.stdout.split("Body:\n", 1)[1])
    assert body == {
        "model": "gpt-4o",
        "input": [{"role": "user", "content": "Hi"}],
        "max_output_tokens": 50,
        "store": False,
        "stream": True,
    }
    assert "chatdesk: The Responses API has no stop: not sent." in done.stderr
    assert srv.requests == []
    assert KEY not in done.stdout
