"""Keys chatdesk does not know inside the objects it owns — a file's `params`, `trimming` and
each message's `metadata` — are kept as they came and written back by every save, after
chatdesk's own, as the file's unknown top-level fields are (`messages.unknown_fields`). Before, a
save dropped them without a word: a newer chatdesk's file, a teammate's script's or one edited
by hand lost data on the first autosave."""

from __future__ import annotations

import json

import pytest

from chatdesk.core import alternatives
from chatdesk.core.conversation import GenerationParams, TrimSettings
from chatdesk.core.fileformat import ConversationFileError, dumps, loads
from chatdesk.core.messages import Message

# As a file written by someone else may hold it (kept exactly as reported, session 12).
FILE = """
    {"format": "chatdesk.conversation", "version": 2, "title": "t",
     "params": {"temperature": 0.5, "seed_note": "x", "future_param": 3},
     "trimming": {"policy": "tokens", "future_trim": 1},
     "messages": [{"role": "user", "content": "hi"},
                  {"role": "assistant", "content": "hello",
                   "metadata": {"finish_reason": "stop", "x_custom": {"a": 1}, "rating": 5}}]}
"""
REPLY_META = {"finish_reason": "stop", "x_custom": {"a": 1}, "rating": 5}


def saved(text: str) -> dict:
    return json.loads(dumps(loads(text).conversation))


def test_every_unknown_key_inside_params_trimming_and_metadata_is_written_back():
    doc = saved(FILE)
    assert doc["params"] == {"temperature": 0.5, "seed_note": "x", "future_param": 3}
    # chatdesk's own keys first, the kept one after them
    assert doc["trimming"] == {"policy": "tokens", "max_turns": 20, "whole_turns": True,
                               "future_trim": 1}  # fmt: skip
    assert list(doc["trimming"]) == ["policy", "max_turns", "whole_turns", "future_trim"]
    assert doc["messages"][1]["metadata"] == REPLY_META
    assert list(doc["messages"][1]["metadata"]) == list(REPLY_META)  # in their order
    assert "metadata" not in doc["messages"][0]
    assert saved(json.dumps(doc)) == doc  # and again on every later save
    # Nothing is held for metadata that has no unknown key (one MessageMeta per message).
    conv = loads(FILE).conversation
    assert conv[0].meta.kept is None
    known_only = {"role": "assistant", "content": "hello", "metadata": {"finish_reason": "stop"}}
    assert Message.from_raw(known_only).meta.kept is None
    # A known parameter is still checked beside the unknown ones, and named when refused.
    with pytest.raises(ConversationFileError, match='"temperature"'):
        loads(FILE.replace('"temperature": 0.5', '"temperature": 7'))


def test_a_changed_known_value_is_saved_not_the_kept_copy():
    conv = loads(FILE).conversation
    # As the parameters panel and the session do: new values replace the old ones whole.
    conv.params = GenerationParams(temperature=0.9, seed=4)
    conv.trimming = TrimSettings(policy="turns", max_turns=3)
    conv[1].meta.finish_reason = "length"
    doc = json.loads(dumps(conv))
    assert doc["params"] == {"temperature": 0.9, "seed": 4, "seed_note": "x", "future_param": 3}
    assert doc["trimming"] == {"policy": "turns", "max_turns": 3, "whole_turns": True,
                               "future_trim": 1}  # fmt: skip
    assert doc["messages"][1]["metadata"] == {**REPLY_META, "finish_reason": "length"}


def test_a_version_kept_in_alternatives_keeps_its_unknown_metadata():
    conv = loads(FILE).conversation
    old = conv.truncate(1)  # Regenerate: the first reply is kept as version 1
    again = Message("assistant", "hello again")
    again.meta.alternatives = alternatives.after_replacing(old)
    conv.append(again)
    reopened = loads(dumps(conv)).conversation
    shown = alternatives.flipped(reopened.messages(1), 0)  # back to the first reply
    assert shown[0].content == "hello"
    meta = shown[0].to_raw()["metadata"]
    assert {k: v for k, v in meta.items() if k != "alternatives"} == REPLY_META


def test_a_pinned_example_keeps_its_metadata():
    """An example's metadata was not saved at all: its unknown keys went with it."""
    doc = json.loads(FILE)
    example = {"role": "user", "content": "2+2?", "pinned": True, "metadata": {"source": "wiki"}}
    doc["messages"].insert(0, example)
    assert saved(json.dumps(doc))["messages"][0] == {
        "role": "user", "content": "2+2?", "metadata": {"source": "wiki"}, "pinned": True
    }  # fmt: skip
