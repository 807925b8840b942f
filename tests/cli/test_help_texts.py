"""What the commands' --help and messages say agrees with what they do and with the README
(tester's wording findings)."""

from __future__ import annotations

import json
from pathlib import Path

from chatdesk.cli import send, signin
from chatdesk.cli.tokens import run as run_tokens
from chatdesk.core.tokens import TOOL_CALLS_WHY

ROOT = Path(__file__).resolve().parents[2]


def help_text(parser) -> str:
    return " ".join(parser.format_help().split())


def test_send_help_says_the_file_s_saved_profile_comes_first():
    # Was: "Without connection options the environment is used".
    text = help_text(send._parser())
    assert "Without connection options the environment is used" not in text
    assert (
        'Without connection options the saved profile FILE names is used (its "profile", '
        "recorded by the window or an earlier send --profile), else the environment"
    ) in text


def test_signout_help_lists_signout_s_own_statuses():
    # Was: "Exit status: 0 done, 1 sign-in failed, ..." for signout too.
    text = help_text(signin._parser("signout"))
    assert "sign-in failed" not in text
    assert text.endswith(
        "Exit status: 0 signed out (also when it was not signed in), 2 usage: no such profile, "
        "or it uses an API key."
    )
    assert "1 sign-in failed" in help_text(signin._parser("signin"))


def test_tokens_says_of_tool_calls_what_the_readme_says(tmp_path, capsys):
    # Was: "counted by a published rule that is itself an estimate"; README: "no published
    # rule covers them".
    path = tmp_path / "a2.json"
    path.write_text(json.dumps({"model": "gpt-4.1", "messages": [
        {"role": "user", "content": "What is the weather in Boston?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type":
         "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Boston\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 22}"},
    ]}))  # fmt: skip
    assert run_tokens([str(path)]) == 0
    out = capsys.readouterr().out
    assert "(estimate: tool calls are counted as the text of their function names and " in out
    assert "no published rule covers them" in TOOL_CALLS_WHY
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "the function name and the arguments, an estimate — no published rule covers them" in (
        readme
    )
