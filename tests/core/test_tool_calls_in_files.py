"""Tool calls in a hand-written file (issue 11's tester): a "tool_calls" that is not a list is
refused at load naming the message and the field; "arguments" given as an object is shown,
exported and counted as JSON, never as a Python repr."""

from __future__ import annotations

import json

import pytest

from chatdesk import cli
from chatdesk.core.budget import Budget
from chatdesk.core.fileformat import ConversationFileError, load_conversation


def _body(calls) -> dict:
    return {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Weather in Boston?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 22}"},
        ],
    }


@pytest.mark.parametrize(
    ("calls", "said"),
    [
        ("oops", 'message 2 has "tool_calls" that is a JSON string, not a list.'),
        (["oops"], 'message 2: tool call 1 in "tool_calls" is not an object.'),
    ],
)
def test_tool_calls_that_are_not_a_list_of_objects_are_refused(tmp_path, capsys, calls, said):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_body(calls)))
    with pytest.raises(ConversationFileError) as caught:
        load_conversation(path)
    assert said in str(caught.value)
    assert cli.main(["tokens", str(path)]) == 1
    assert said in capsys.readouterr().err
    assert cli.main(["export", str(path)]) == 1


def test_arguments_given_as_an_object_are_exported_and_counted_as_json(tmp_path, capsys):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_body([call])))
    assert cli.main(["export", str(path)]) == 0
    out = capsys.readouterr().out
    assert "{'a': 1}" not in out
    assert '{\n  "a": 1\n}' in out
    conv = load_conversation(path).conversation
    budget = Budget(conv)
    as_string = dict(call, function={"name": "f", "arguments": '{"a": 1}'})
    path.write_text(json.dumps(_body([as_string])))
    same = Budget(load_conversation(path).conversation)
    assert budget.plan().prompt_tokens == same.plan().prompt_tokens
    budget.close()
    same.close()
