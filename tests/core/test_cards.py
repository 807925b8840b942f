"""Tool turns, images and other parts shown as readable cards, in the window and in exports;
`chatdesk tokens` and `chatdesk export` on every request-body shape."""

from __future__ import annotations

import json

import pytest

from chatdesk.core.cards import shown_text
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
