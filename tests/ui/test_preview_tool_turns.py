"""Tester: "What will be sent" (Ctrl+I) showed a tool call as raw Markdown (stars, backticks,
a json fence), and a tool result given as a string and one given as content parts looked
different. Its rows (core/preview.py, shared with `chatdesk tokens --rows`) say what each is,
in plain words: the function called and its arguments, the result and the call it answers."""

from __future__ import annotations

import pytest

from chatdesk import cli
from tests.support.request_bodies import tool_turns_body
from tests.ui.test_tool_turns import open_body

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

CALL_DETAIL = 'Tool call: get_current_weather (call_abc123)\n{\n  "location": "Boston, MA",'
RESULT_DETAIL = (
    'Result of get_current_weather {"location": "Boston, MA", "unit": "celsius"} (call_abc123)'
    '\n{\n  "temperature": 22,\n  "unit": "celsius",\n  "description": "Sunny"\n}'
)


def with_parts_result():
    """The same exchange, its tool result as content parts (as some agents send it)."""
    body = tool_turns_body()
    result = body["messages"][-1]
    result["content"] = [{"type": "text", "text": result["content"]}]
    return body


def preview_rows(qtbot, window, tmp_path, body, name):
    open_body(qtbot, window, tmp_path, body, name)
    window.show_preview()
    preview = window.preview
    model = preview.table.model()
    shown = [model.data(model.index(r, 3)) for r in range(model.rowCount())]
    details = []
    for r in range(model.rowCount()):
        preview.table.setCurrentIndex(model.index(r, 3))
        details.append(preview.detail.toPlainText())
    preview.close()
    return shown, details


@pytest.mark.parametrize("body", [tool_turns_body, with_parts_result], ids=["string", "parts"])
def test_a_tool_call_and_its_result_read_as_what_they_are(qtbot, window, tmp_path, body):
    shown, details = preview_rows(qtbot, window, tmp_path, body(), "body.json")
    call, result = shown[-2:]
    assert call == (
        'Tool call: get_current_weather (call_abc123) { "location": "Boston, MA", '
        '"unit": "celsius" }'
    )
    assert details[-2].startswith(CALL_DETAIL)
    assert details[-1] == RESULT_DETAIL
    for text in (call, result, *details[-2:]):
        assert not any(mark in text for mark in ("**", "`", "*For*"))


def test_a_string_result_and_a_parts_result_show_alike(qtbot, window, tmp_path, capsys):
    as_string = preview_rows(qtbot, window, tmp_path, tool_turns_body(), "string.json")
    as_parts = preview_rows(qtbot, window, tmp_path, with_parts_result(), "parts.json")
    assert as_string[0][-1] == as_parts[0][-1]
    assert as_string[1][-1] == as_parts[1][-1]
    # `chatdesk tokens --rows` lists the rows the window does: one rule for both.
    lines = []
    for name in ("string.json", "parts.json"):
        assert cli.main(["tokens", str(tmp_path / name), "--rows", "--model", "gpt-4.1"]) == 0
        lines.append(capsys.readouterr().out.splitlines())
    calls = [out[3][out[3].index("Tool call:"):] for out in lines]
    results = [out[4][out[4].index("Result of"):] for out in lines]
    assert calls[0] == calls[1]
    assert results[0] == results[1]
    assert as_string[0][-2].startswith(calls[0].removesuffix("…"))
    assert as_string[0][-1].startswith(results[0].removesuffix("…"))
