"""`chatdesk send` and `attach` on a bare request body, as an agent saves it: as in the window,
the body becomes a new library conversation with the reply (or the images), and the body file
is never written (the tester's agent.json was rewritten in chatdesk's own format)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatdesk.core.library import library_dir
from tests.cli.test_send import ROOT, env_for, send, srv  # noqa: F401 (fixture)
from tests.support.fake_azure import Fail, Reply
from tests.support.images import image_bytes


def _call(id: str, city: str) -> dict:
    arguments = json.dumps({"location": city})
    return {"id": id, "type": "function",
            "function": {"name": "get_current_weather", "arguments": arguments}}  # fmt: skip


# The tester's agent.json: system, user, an assistant asking for two tools, both results.
AGENT_BODY = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a weather assistant. Use the tools."},
        {"role": "user", "content": "Weather in Boston and in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [_call("call_A1", "Boston, MA"), _call("call_B2", "Paris, FR")],
        },
        {"role": "tool", "tool_call_id": "call_A1", "content": '{"temperature": 22}'},
        {"role": "tool", "tool_call_id": "call_B2", "content": '{"temperature": 17}'},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "description": "The current weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"location": {"type": "string"}},
                    "required": ["location"],
                },
            },
        }
    ],
    "tool_choice": "auto",
    "temperature": 0.2,
}


def _agent_json(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(AGENT_BODY, indent=2))
    return path, path.read_bytes()


def _library() -> list[Path]:
    return sorted(library_dir().glob("*.chatdesk.json"))


def _said(stderr: str, body: Path, saved: Path) -> None:
    """One line on stderr names the new conversation's file and says the body stayed."""
    lines = [line for line in stderr.splitlines() if "is a request body" in line]
    assert len(lines) == 1, stderr
    assert str(saved) in lines[0]
    assert f"{body} was left as it was" in lines[0]


def _send_body(srv, path: Path) -> subprocess.CompletedProcess[str]:  # noqa: F811
    # As the tester ran it: the key from the environment, the endpoint and deployment given.
    env = env_for(srv)
    del env["AZURE_OPENAI_ENDPOINT"], env["AZURE_OPENAI_DEPLOYMENT"]
    return send(str(path), "--endpoint", srv.azure_endpoint, "--deployment", "gpt-4o", env=env)


def test_send_on_a_request_body_saves_a_new_library_conversation_and_leaves_the_body(
    srv, tmp_path  # noqa: F811
):
    path, before = _agent_json(tmp_path)
    srv.enqueue(Reply("Boston: 22 °C. Paris: 17 °C.", chunk_size=4))
    done = _send_body(srv, path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Boston: 22 °C. Paris: 17 °C.\n"
    assert path.read_bytes() == before  # not rewritten in chatdesk's format
    [saved] = _library()
    _said(done.stderr, path, saved)
    doc = json.loads(saved.read_text())
    assert doc["format"] == "chatdesk.conversation"
    assert doc["messages"][:5] == AGENT_BODY["messages"]
    assert (doc["messages"][5]["role"], doc["messages"][5]["content"]) == (
        "assistant", "Boston: 22 °C. Paris: 17 °C.",
    )  # fmt: skip
    assert doc["request"]["tools"] == AGENT_BODY["tools"]
    assert doc["request"]["tool_choice"] == "auto"
    assert doc["params"]["temperature"] == 0.2
    sent = srv.requests[-1].json
    assert (sent["tools"], sent["messages"]) == (AGENT_BODY["tools"], AGENT_BODY["messages"])

    # Sent again, the body makes a second new conversation; the first keeps its one reply.
    srv.enqueue(Reply("Still 22 and 17."))
    again = _send_body(srv, path)
    assert again.returncode == 0, again.stderr
    assert path.read_bytes() == before
    assert len(_library()) == 2
    [second] = [p for p in _library() if p != saved]
    _said(again.stderr, path, second)
    assert json.loads(second.read_text())["messages"][5]["content"] == "Still 22 and 17."
    assert json.loads(saved.read_text()) == doc


def test_attach_on_a_request_body_saves_a_new_library_conversation_and_leaves_the_body(
    srv, tmp_path  # noqa: F811
):
    path, before = _agent_json(tmp_path)
    image = tmp_path / "small.jpg"
    image.write_bytes(image_bytes(64, 48, kind="JPEG"))
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "attach", str(path), str(image)],
        env=env_for(srv), capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert path.read_bytes() == before
    [saved] = _library()
    _said(done.stderr, path, saved)
    assert f"{saved}: 1 image added as a new question at its end." in done.stdout
    doc = json.loads(saved.read_text())
    assert doc["messages"][:5] == AGENT_BODY["messages"]
    question = doc["messages"][5]
    assert question["role"] == "user"
    assert [part["type"] for part in question["content"]] == ["image_url"]
    assert question["content"][0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert doc["request"]["tools"] == AGENT_BODY["tools"]

    # Going on from the file it named: the reply goes there, and no third file appears.
    srv.enqueue(Reply("A small picture."))
    sent = send(str(saved), env=env_for(srv))
    assert sent.returncode == 0, sent.stderr
    assert "is a request body" not in sent.stderr
    assert _library() == [saved]
    assert json.loads(saved.read_text())["messages"][6]["content"] == "A small picture."
    assert srv.requests[-1].json["tools"] == AGENT_BODY["tools"]


def test_a_library_that_cannot_be_written_sends_nothing_and_a_dry_run_saves_nothing(
    srv, tmp_path  # noqa: F811
):
    path, before = _agent_json(tmp_path)
    dry = send(str(path), "--dry-run", env=env_for(srv))
    assert dry.returncode == 0, dry.stderr
    assert "is a request body" not in dry.stderr
    assert (path.read_bytes(), _library(), srv.requests) == (before, [], [])

    library_dir().parent.mkdir(parents=True, exist_ok=True)
    library_dir().write_text("not a folder")  # the library cannot be made
    done = _send_body(srv, path)
    assert done.returncode == 1
    assert "the library cannot be written" in done.stderr
    assert "nothing was sent" in done.stderr
    assert (path.read_bytes(), srv.requests) == (before, [])


@pytest.mark.parametrize("failure", [Fail.unauthorized(), Fail.server_error(500)],
                         ids=["401", "500"])  # fmt: skip
def test_a_body_whose_request_fails_keeps_nothing_and_says_so(srv, tmp_path, failure):  # noqa: F811
    # Reported: the failed send left a new library conversation without a reply, while the
    # words said "nothing was saved". Nothing came back: nothing is kept, the body untouched.
    path, before = _agent_json(tmp_path)
    for _ in range(10):  # every retry fails the same way
        srv.enqueue(failure)
    done = _send_body(srv, path)
    assert done.returncode == 1
    assert srv.requests
    assert path.read_bytes() == before
    assert _library() == []
    assert "is a request body" not in done.stderr  # no new conversation to go on from
    assert f"Nothing was saved; {path} was left as it was." in done.stderr
