"""A Responses stream is read as its events' JSON (service/responses_reader.py), not as the
SDK's pydantic models, whose schemas the SDK built on the first stream: 3-7 s with the reply's
text already shown and still "Writing…" (tester, session 13; 10.5 s here under load, 7.2 s of
it after the last text)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx2

from chatdesk.service.responses_reader import server_sent_events

ROOT = Path(__file__).resolve().parents[2]


def events(body: bytes) -> list[dict]:
    return list(server_sent_events(httpx2.Response(200, content=body)))


def test_the_event_stream_format():
    body = (
        b": a comment, as a keep-alive\n\n"
        b"event: response.created\ndata: {\"type\": \"response.created\",\n"
        b"data:  \"n\": 1}\n\n"  # one event's data on two lines, joined by a newline
        b"event: response.output_text.delta\r\ndata:{\"type\":\"d\",\"delta\":\"a:b\"}\r\n\r\n"
        b"data: [1, 2]\n\n"  # not an object: skipped
        b"data: {\"type\": \"last\"}"  # the server closed without the blank line
    )
    assert events(body) == [
        {"type": "response.created", "n": 1},
        {"type": "d", "delta": "a:b"},
        {"type": "last"},
    ]
    assert events(b"data: {\"type\": \"x\"}\n\ndata: [DONE]\n\ndata: {\"type\": \"y\"}\n\n") == [
        {"type": "x"}
    ]


def test_the_first_streamed_reply_builds_none_of_the_sdks_event_models(tmp_path):
    code = (
        "import sys\n"
        "from tests.service.test_responses import conversation, profile_for\n"
        "from tests.service.conftest import KEY\n"
        "from tests.support.fake_azure import FakeAzure, Reply\n"
        "from chatdesk.service.chat import ChatService\n"
        "from chatdesk.service.client import Credentials\n"
        "from chatdesk.service.secrets import MemorySecretStore, Secret\n"
        "from chatdesk.service.events import ReplyResult\n"
        "import openai.types.responses as r\n"
        "store = MemorySecretStore(); store.set('work', Secret(KEY))\n"
        "service = ChatService(Credentials(store, env={}))\n"
        "with FakeAzure(api_key=KEY) as srv:\n"
        "    srv.enqueue(Reply('Hi! How can I help?', summary=['Greeting.']))\n"
        "    *_, result = service.stream(service.prepare(conversation(), profile_for(srv)))\n"
        "assert isinstance(result, ReplyResult) and result.content == 'Hi! How can I help?'\n"
        "print(r.ResponseCompletedEvent.__pydantic_complete__,"
        " r.ResponseTextDeltaEvent.__pydantic_complete__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["False", "False"]
