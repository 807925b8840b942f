"""Tool turns, images and other parts shown as readable cards, in the window and in exports;
`chatdesk tokens` and `chatdesk export` on every request-body shape."""

from __future__ import annotations

import json

import pytest

from chatdesk.core.cards import shown_text
from chatdesk.core.conversation import Conversation
from chatdesk.core.export import to_markdown
from chatdesk.core.fileformat import loads
from chatdesk.core.messages import Message
from tests.cli.test_tokens_export import run
from tests.support.request_bodies import ALL_BODIES, tool_turns_body, vision_body


def opened(body: dict):
    return loads(json.dumps(body)).conversation

# A tool result's card: the function and arguments of the call it answers, and its id.
ANSWERS = (
    '*For* `get_current_weather {"location": "Boston, MA", "unit": "celsius"}` · `call_abc123`'
)


def test_a_tool_call_shows_the_function_and_pretty_arguments():
    call = opened(tool_turns_body())[1]
    text = shown_text(call)
    assert "**Tool call** `get_current_weather` · `call_abc123`" in text
    assert '```json\n{\n  "location": "Boston, MA",\n  "unit": "celsius"\n}\n```' in text


def test_a_tool_result_shows_what_it_answers_and_its_content():
    result = opened(tool_turns_body())[2]
    text = shown_text(result)
    assert text.startswith(ANSWERS)
    assert '"description": "Sunny"' in text
    assert text.count("```") == 2


def test_images_refusals_and_other_parts_show_something_sensible():
    conv = opened(vision_body())
    text = shown_text(conv[0])
    assert text.startswith("What is in these images?")
    assert "**Image** (1024 × 1024 px, embedded; detail high)" in text
    assert "**Image** from [example.com](https://example.com/cat.jpg) (detail low; not" in text
    assert "**input_audio** content part" in text
    assert "base64" not in text  # never the image data itself
    assert "**Refused:** I can't identify people." in shown_text(conv[1])


def test_plain_text_shows_itself_and_cards_are_cached_until_an_edit():
    plain = Message("user", "Hello")
    assert shown_text(plain) is plain.content
    conv = opened(vision_body())
    first = shown_text(conv[0])
    assert shown_text(conv[0]) is first
    conv.set_content(0, "Only the first one.")
    assert shown_text(conv[0]).startswith("Only the first one.\n\n**Image**")


def test_arguments_that_are_not_json_and_backticks_stay_inside_their_block():
    call = Message("assistant", "", source=None, extra={"tool_calls": [
        {"id": "c1", "type": "function",
         "function": {"name": "run", "arguments": "not json ``` still inside"}}]})  # fmt: skip
    text = shown_text(call)
    assert "````text\nnot json ``` still inside\n````" in text


def test_export_writes_tool_turns_as_cards():
    md = to_markdown(opened(tool_turns_body()))
    assert "## Assistant\n\n**Tool call** `get_current_weather`" in md
    assert f"## Tool result\n\n{ANSWERS}" in md
    assert "## System prompt\n\nUse the tools when they help." in md


@pytest.mark.parametrize("name", sorted(ALL_BODIES))
def test_tokens_and_export_open_every_body_shape(tmp_path, name):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(ALL_BODIES[name]()))
    tokens = run("tokens", path, "--json")
    assert tokens.returncode == 0, tokens.stderr
    report = json.loads(tokens.stdout)
    assert report["prompt_tokens"] > 0
    plain = run("tokens", path)
    assert plain.returncode == 0, plain.stderr
    assert f"{report['prompt_tokens']} prompt tokens" in plain.stdout
    exported = run("export", path)
    assert exported.returncode == 0, exported.stderr


def test_tokens_reports_the_cookbook_figure_and_why_a_count_is_an_estimate(tmp_path):
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(tool_turns_body()))
    report = json.loads(run("tokens", path, "--json").stdout)
    assert report["estimate"] is True
    assert "tool calls" in report["estimate_why"]
    assert report["model"] == "gpt-4.1"


def test_a_replys_own_headings_sit_below_its_role_in_the_exports_outline():
    """The tester's export (session 14): the reply's "# Migration plan" and "## Step 0" came
    out at the levels of the export's own "# title" and "## Assistant"."""
    reply = (
        "# Migration plan\n\nIntro.\n\n## Step 0\n\n```python\n# comment, not a heading\n"
        "def func_0_0(x, y):\n    return x\n```\n\nStep 1\n------\n\n    # indented code\n\n"
        "> # quoted\n\n##### Deep\n\n###### Deepest\n"
    )
    conv = Conversation("# Rules\nBe brief.", title="Plan")
    conv.append(Message("user", "Write the full migration plan with code"))
    conv.append(Message("assistant", reply))
    md = to_markdown(conv)
    outline = [line for line in md.splitlines() if line.startswith("#")]
    assert outline == [
        "# Plan",
        "## System prompt",
        "### Rules",
        "## User",
        "## Assistant",
        "### Migration plan",
        "#### Step 0",
        "# comment, not a heading",  # inside the fence: untouched
        "#### Step 1",
        "###### Deep",  # 5 + 2, capped at 6
        "###### Deepest",
    ]
    assert "    # indented code\n" in md
    assert "> # quoted\n" in md
    assert "```python\n# comment, not a heading\ndef func_0_0(x, y):\n    return x\n```" in md
