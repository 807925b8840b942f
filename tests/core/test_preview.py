"""The rows of the next request (core/preview.py): what "What will be sent" and
`chatdesk tokens` both show, counted as the meter counts them."""

from __future__ import annotations

from chatdesk.core.budget import Budget
from chatdesk.core.conversation import Conversation, TrimSettings
from chatdesk.core.messages import Message
from chatdesk.core.preview import request_rows
from chatdesk.core.tokens import REPLY_PRIMING

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]


def conversation() -> Conversation:
    conv = Conversation(system_prompt="Be brief.", model="gpt-4o")
    for i in range(5):
        conv.append(Message("user", f"question {i} " + "words " * 30))
        conv.append(Message("assistant", f"answer {i} " + "text " * 60))
    return conv


def test_the_sent_rows_add_up_to_the_plan():
    conv = conversation()
    conv.request_extra["tools"] = TOOLS
    conv.set_include(2, False)  # "Leave out" on a question: its answer goes with it
    budget = Budget(conv)
    draft = "And now?"
    plan = budget.plan(draft)
    rows = request_rows(budget, plan, draft)
    sent = list(rows.sent_rows())
    assert [r[0] for r in sent[:2]] == ["tools", "system"]
    assert sent[-1][:3] == ("user", None, draft)
    assert sum(r[3] for r in sent) == rows.sent_tokens
    assert rows.sent_tokens + REPLY_PRIMING == plan.prompt_tokens
    assert all(r[4] for r in sent)
    left = list(rows.left_out_rows())
    assert [r[2].split()[:2] for r in left] == [["question", "1"], ["answer", "1"]]
    assert not any(r[4] for r in left)
    assert len(sent) + len(left) == len(rows.head) + len(conv) + 1


def test_trimmed_rows_are_left_out_oldest_first():
    conv = conversation()
    conv.trimming = TrimSettings(policy="turns", max_turns=2)
    budget = Budget(conv)
    plan = budget.plan()
    rows = request_rows(budget, plan)
    assert rows.first_sent == 6
    assert [r[2].split()[1] for r in rows.left_out_rows()] == ["0", "0", "1", "1", "2", "2"]
    assert rows.counted(0) == ("user", budget.ledger.count(0), False)
    assert rows.counted(9)[2]


def test_the_api_messages_are_the_request_s():
    conv = conversation()
    budget = Budget(conv)
    rows = request_rows(budget, budget.plan("hi"), "hi")
    messages = rows.api_messages()
    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert messages[-1] == {"role": "user", "content": "hi"}
    assert len(messages) == 1 + len(conv) + 1


def test_a_tool_result_reads_alike_whatever_its_shape():
    call = {"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Boston"}'}}  # fmt: skip
    results = [
        '{"temp": 22}',
        [{"type": "text", "text": '{"temp": 22}'}],
        [{"type": "text", "text": '{"temp"'}, {"type": "text", "text": ": 22}"}],  # one text
    ]
    texts = []
    for content in results:
        conv = Conversation(model="gpt-4o")
        conv.append(Message("user", "Weather?"))
        conv.append(Message.from_raw({"role": "assistant", "content": None, "tool_calls": [call]}))
        result = {"role": "tool", "tool_call_id": "call_1", "content": content}
        conv.append(Message.from_raw(result))
        budget = Budget(conv)
        rows = list(request_rows(budget, budget.plan()).sent_rows())
        assert rows[1][2] == 'Tool call: get_weather (call_1)\n{\n  "city": "Boston"\n}'
        texts.append(rows[2][2])
    assert texts == ['Result of get_weather {"city": "Boston"} (call_1)\n{\n  "temp": 22\n}'] * 3
