"""The window and `chatdesk send` turn a finished reply into the same saved message
(`ReplyResult.record`): the same metadata, the annotations and tool calls that came with it.
Before, each had its own copy and `chatdesk send` dropped the annotations."""

from __future__ import annotations

import json
import os

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation, to_document
from chatdesk.core.messages import Message
from chatdesk.service.events import ChatError, ReplyResult
from chatdesk.ui.card_layout import info_text
from tests.support.fake_azure import Reply
from tests.ui.conftest import KEY

CITATION = {
    "type": "url_citation",
    "url_citation": {"url": "https://example.org", "title": "Example", "start_index": 0,
                     "end_index": 4},
}  # fmt: skip
# Differ by run, or by request (the window's new conversation has its own system prompt).
VOLATILE = ("created_at", "latency_ms", "request_id", "usage")
# The window sends with its saved profile "test" (recorded: replies are priced at its prices);
# `chatdesk send` with the environment's, which is no saved profile (not recorded).
VOLATILE += ("profile",)


def _reply() -> Reply:
    return Reply("Text of the reply", chunk_size=4, flagged={"hate": "low"},
                 finish_delta={"annotations": [CITATION]})  # fmt: skip


def _saved(message: dict) -> dict:
    meta = {k: v for k, v in message["metadata"].items() if k not in VOLATILE}
    return {**message, "metadata": meta}


def test_window_and_command_line_save_a_reply_alike(qtbot, window, server, tmp_path, monkeypatch):
    server.enqueue(_reply(), _reply())
    window.composer.set_text("Hello there")
    window.composer.input.submit.emit()
    qtbot.waitUntil(lambda: len(server.requests) == 1 and not window.session.busy, timeout=10_000)
    shown = window.session.conversation[1]
    in_window = to_document(Conversation(history=[shown]))["messages"][0]

    path = tmp_path / "chat.json"
    save_conversation(Conversation(history=[Message("user", "Hello there")]), path)
    for name in [n for n in os.environ if n.startswith(("AZURE_OPENAI", "OPENAI"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT", "gpt-4o")
    assert run_send([str(path)]) == 0
    from_cli = json.loads(path.read_text())["messages"][-1]

    assert from_cli["metadata"]["usage"]["completion_tokens"] == 5
    assert from_cli["annotations"] == [CITATION]  # `chatdesk send` dropped these before
    assert _saved(from_cli) == _saved(in_window)
    assert in_window["metadata"]["latency_ms"] == round(in_window["metadata"]["latency_ms"], 1)


@pytest.mark.parametrize(
    ("error", "stopped", "incomplete", "expected"),
    [
        (None, True, True, True),  # Stop ended a reply that did not fail
        (None, True, False, False),  # the finish_reason came first: not stopped
        (ChatError("Connection dropped", "It dropped."), True, True, False),  # it failed
    ],
)
def test_stopped_is_said_only_of_an_incomplete_reply_that_did_not_fail(
    error, stopped, incomplete, expected
):
    reply = ReplyResult("partial", incomplete=incomplete, latency_ms=12.345).message(
        error, stopped=stopped
    )
    assert reply.meta.stopped is expected
    assert reply.meta.latency_ms == 12.3
    assert reply.meta.error == (error.text if error else None)


def test_a_continued_reply_keeps_every_requests_usage():
    """Continue's second request used to overwrite the first's `usage`: its billed tokens were
    lost from the file, the footer and "spent"."""
    reply = ReplyResult("Cut at the length limit", finish_reason="length",
                        usage={"prompt_tokens": 9, "completion_tokens": 6}).message()  # fmt: skip
    second = {"prompt_tokens": 29, "completion_tokens": 4,
              "prompt_tokens_details": {"cached_tokens": 0}}  # fmt: skip
    ReplyResult(" — continued.", finish_reason="stop", usage=second).record(reply)
    assert reply.meta.usage == {"prompt_tokens": 38, "completion_tokens": 10,
                                "prompt_tokens_details": {"cached_tokens": 0}}  # fmt: skip
    assert reply.meta.usage_parts == [{"prompt_tokens": 9, "completion_tokens": 6}, second]
    # A third part adds to the list; a part that reported no usage keeps what is there.
    ReplyResult("", usage={"prompt_tokens": 40, "completion_tokens": 1}).record(reply)
    ReplyResult("", incomplete=True).record(reply, ChatError("Connection dropped", "It dropped."))
    assert reply.meta.usage["prompt_tokens"] == 78
    assert len(reply.meta.usage_parts) == 3
    saved = to_document(Conversation(history=[reply]))["messages"][0]["metadata"]
    assert saved["usage_parts"][0] == {"prompt_tokens": 9, "completion_tokens": 6}


def test_a_continued_reply_shows_the_time_of_all_its_requests():
    """Tester: "2 requests · 6.4 s" after Continue was the last request's time alone."""
    usage = {"prompt_tokens": 9, "completion_tokens": 6}
    reply = ReplyResult("Cut", finish_reason="length", usage=usage, latency_ms=2500.0).message()
    ReplyResult(" — continued.", finish_reason="stop", usage=usage, latency_ms=3900.0).record(reply)
    assert reply.meta.latency_ms == 6400.0
    assert info_text(reply, 12).endswith("2 requests · 6.4 s")
    # A reply sent once keeps its own time.
    once = ReplyResult("Done", finish_reason="stop", usage=usage, latency_ms=2500.0).message()
    assert info_text(once, 3).endswith("completion 6 · 2.5 s")


def test_an_empty_reply_says_its_tokens_are_the_per_message_overhead():
    """Tester: an empty reply card showed a bare "4 tokens". Each message costs 3 tokens and
    its role even when empty (Microsoft's counting rule), so the count stays, explained."""
    empty = ReplyResult("", finish_reason="length", usage={"completion_tokens": 500}).message()
    assert info_text(empty, 4).startswith("empty · 4 tokens (per-message overhead) · ")
    waiting = Message("assistant", "")
    waiting.meta.pending = True  # asked, nothing came yet: no count to show
    assert info_text(waiting, 4) == ""
    assert info_text(Message("assistant", "Hi"), 5) == "5 tokens"
