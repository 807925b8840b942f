"""How a reply ended, in words (core/endings.py): the badge, the export's note and Continue
follow this one rule."""

from __future__ import annotations

import pytest

from chatdesk.core.conversation import Conversation
from chatdesk.core.endings import (
    begin_continue,
    continuable,
    continued_text,
    ending_text,
    requests_text,
)
from chatdesk.core.export import to_markdown
from chatdesk.core.fileformat import ConversationFileError, dumps, loads
from chatdesk.core.messages import Message, MessageMeta


def reply(content: str = "Partial", **meta: object) -> Message:
    return Message("assistant", content, meta=MessageMeta(**meta))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("meta", "said"),
    [
        ({"stopped": True, "incomplete": True}, "Stopped by you"),
        ({"incomplete": True, "error": "Connection lost: …"},
         "Connection dropped — the reply is partial"),
        ({"incomplete": True, "error": "The service could not finish the reply: …",
          "service_failed": True}, "The service could not finish the reply — it is partial"),
        ({"incomplete": True}, "Incomplete — the reply was cut off"),
        ({"finish_reason": "stop"}, None),
    ],
)  # fmt: skip
def test_how_a_reply_broke_off_is_said_once(meta, said):
    message = reply(**meta)
    assert ending_text(message.meta) == said
    exported = to_markdown(Conversation(history=[Message("user", "q"), message]))
    assert (said[0].lower() + said[1:] in exported) if said else "> *" not in exported


def test_a_continued_reply_keeps_how_each_part_ended():
    message = reply("Half", stopped=True, incomplete=True, latency_ms=69_400.0)
    assert continuable(message)
    begin_continue(message.meta)
    meta = message.meta
    assert (meta.continued, meta.stopped, meta.incomplete, meta.pending) == (
        ["stopped"], False, True, True
    )
    meta.finish_reason, meta.incomplete, meta.pending = "length", False, False
    begin_continue(meta)
    assert meta.continued == ["stopped", "length"]
    meta.finish_reason, meta.incomplete = "stop", False
    assert continued_text(meta) == (
        "Stopped by you, then continued; cut at the length limit, then continued"
    )
    assert ending_text(meta) is None
    meta.usage = {"prompt_tokens": 9, "completion_tokens": 3}  # only the last part reported
    assert requests_text(meta) == "3 requests (2 without usage)"
    saved = loads(dumps(Conversation(history=[message]))).conversation[0]
    assert saved.meta.continued == ["stopped", "length"]


def test_continue_is_offered_on_a_stopped_reply_with_text_or_one_cut_at_the_limit():
    assert continuable(reply(finish_reason="length"))
    assert continuable(reply(stopped=True, incomplete=True))
    assert not continuable(reply("", stopped=True, incomplete=True))  # nothing to go on from
    assert not continuable(reply(incomplete=True, error="dropped"))
    assert not continuable(reply(finish_reason="stop"))
    assert requests_text(reply(finish_reason="stop").meta) is None


def test_a_file_whose_continued_is_not_texts_is_refused():
    raw = '{"messages": [{"role": "assistant", "content": "x", "metadata": {"continued": [1]}}]}'
    with pytest.raises(ConversationFileError, match='"continued" must be a list of texts'):
        loads(raw)
