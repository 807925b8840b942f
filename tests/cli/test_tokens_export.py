import json
import re
import subprocess
import sys

import pytest

from chatdesk import __version__, cli
from chatdesk.cli import tokens
from chatdesk.cli.tokens import token_report
from chatdesk.core.choices import TrimPolicy
from chatdesk.core.conversation import Conversation, TrimSettings
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.messages import Message

SEED_BODY = {"model": "gpt-4o", "messages": [
    {"role": "system", "content": "Assistant is a large language model trained by OpenAI."},
    {"role": "user", "content": "Who were the founders of Microsoft?"}]}  # fmt: skip


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED_BODY))
    return path


def run(*args):
    return subprocess.run([sys.executable, "-m", "chatdesk", *map(str, args)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_version_and_help_work_without_a_display():
    env_free = run("--version")
    assert env_free.returncode == 0
    assert env_free.stdout.strip() == f"chatdesk {__version__}"
    helped = run("--help")
    assert helped.returncode == 0
    assert "tokens FILE" in helped.stdout
    assert "send FILE" in helped.stdout


def test_tokens_json_reports_the_seeds_29(seed_file):
    result = run("tokens", seed_file, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["prompt_tokens"] == 29
    assert (report["encoding"], report["sent"], report["dropped"]) == ("o200k_base", [0, 1], [])
    assert [m["tokens"] for m in report["messages"]] == [3 + 1 + 11, 3 + 1 + 7]


def long_file(tmp_path):
    conv = Conversation(system_prompt="sys")
    for i in range(20):
        conv.append(Message("user", f"question {i} " + "word " * 30))
        conv.append(Message("assistant", "answer " * 30))
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    return path


def test_tokens_drops_oldest_and_indexes_into_the_file(tmp_path, capsys):
    path = long_file(tmp_path)
    assert cli.main(["tokens", str(path), "--json", "--limit", "600", "--reserve", "100"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["prompt_tokens"] + 100 < 600
    assert report["dropped"] == list(range(1, report["sent"][1]))
    assert report["sent"][0] == 0  # the system prompt
    assert report["sent"][-1] == 40


def test_tokens_rows_list_what_the_window_shows_as_sent(tmp_path, capsys):
    path = long_file(tmp_path)
    args = ["tokens", str(path), "--limit", "600", "--reserve", "100", "--model", "gpt-4o"]
    assert cli.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert cli.main([*args, "--rows"]) == 0
    lines = capsys.readouterr().out.splitlines()
    numbered = [line for line in lines if re.match(r" *\d+  \w", line)]
    assert len(numbered) == len(report["sent"])  # the same rows the JSON counts as sent
    assert numbered[0].split()[:3] == ["1", "system", "5"]
    assert "question 19" in numbered[-2]
    tokens = {m["index"]: m["tokens"] for m in report["messages"]}
    assert [int(line.split()[2]) for line in numbered] == [tokens[i] for i in report["sent"]]
    dropped = len(report["dropped"])
    assert f"Left out: {dropped:,} older messages, not sent" in lines


def test_tokens_unknown_model_is_an_estimate(seed_file, capsys):
    assert cli.main(["tokens", str(seed_file), "--model", "prod-chat", "--family", "gpt-4"]) == 0
    out = capsys.readouterr().out
    assert "estimate" in out
    assert "cl100k_base" in out


def test_tokens_that_cannot_fit_exit_3(seed_file, capsys):
    assert cli.main(["tokens", str(seed_file), "--limit", "20", "--reserve", "0"]) == 3
    assert "newest message" in capsys.readouterr().err


def test_export_markdown(seed_file, tmp_path):
    result = run("export", seed_file, "--format", "markdown")
    assert result.returncode == 0
    # Headed by the title the library shows (made from the first question), not "Conversation"
    assert result.stdout.startswith("# Who were the founders of Microsoft?\n")
    assert "## System prompt" in result.stdout
    assert "Who were the founders of Microsoft?" in result.stdout
    out = tmp_path / "out.md"
    assert cli.main(["export", str(seed_file), "-o", str(out)]) == 0
    assert out.read_text() == result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["tokens", "{missing}"],
        ["tokens", "{broken}"],
        ["tokens", "{seed}", "--limit", "lots"],
        ["tokens", "{seed}", "--reserve", "-1"],
        ["tokens"],
        ["export", "{seed}", "--format", "pdf"],
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(args, seed_file, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    paths = {"missing": tmp_path / "missing.json", "broken": broken, "seed": seed_file}
    result = run(*(a.format(**paths) for a in args))
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_gui_without_a_display_says_so(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    assert cli.main([]) == 1
    assert "no display" in capsys.readouterr().err


# The tester's s1p.json: a neutral deployment name, the profile that declares the model.
S1P_MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Hello"},
    {"role": "assistant", "content": "You said: Hello"},
]


def test_tokens_counts_with_the_model_the_files_profile_declares(tmp_path, capsys):
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.settings import Settings, save_settings

    prod = ConnectionProfile("prod", "azure-v1", "https://r.openai.azure.com/", "chat-prod",
                             model="gpt-5")  # fmt: skip
    save_settings(Settings(profiles=[prod]))
    path = tmp_path / "s1p.json"
    doc = {"format": "chatdesk.conversation", "version": 2, "profile": "prod",
           "model": "chat-prod", "params": {"temperature": 0.7, "max_tokens": 500},
           "messages": S1P_MESSAGES}  # fmt: skip
    path.write_text(json.dumps(doc))
    assert cli.main(["tokens", str(path)]) == 0
    out = capsys.readouterr().out
    assert "estimate" not in out
    assert "limit 272500" in out  # gpt-5: 272,000 in + the 500 reserved
    report = token_report(str(path), None, None, None, None)
    assert (report["model"], report["estimate"]) == ("gpt-5", False)
    # A file that names none counts for the default profile, as `send` sends it; --profile
    # names another; an unknown one is refused.
    lab = ConnectionProfile("lab", "azure-v1", "https://l.openai.azure.com/", "my-deployment")
    save_settings(Settings(profiles=[prod, lab], active_profile="lab"))
    doc["profile"] = None
    doc.pop("model")
    path.write_text(json.dumps(doc))
    assert token_report(str(path), None, None, None, None)["model"] == "gpt-4o (estimate)"
    assert token_report(str(path), None, None, None, None, "prod")["model"] == "gpt-5"
    assert cli.main(["tokens", str(path), "--profile", "nope"]) == 2
    assert "no profile named 'nope'" in capsys.readouterr().err


def _blocked_file(tmp_path):
    """The tester's case: the second question was refused by the prompt filter."""
    conv = Conversation(system_prompt="You are a helpful assistant.")
    conv.append(Message("user", "What is a heron?"))
    conv.append(Message("assistant", "A long-legged wading bird."))
    blocked = Message("user", "a question the prompt filter blocked")
    blocked.meta.error = "Blocked by the content filter: hate (medium)"
    blocked.meta.error_code = "content_filter"
    conv.append(blocked)
    path = tmp_path / "blocked.json"
    save_conversation(conv, path)
    return path


def test_tokens_rows_name_why_a_blocked_question_is_left_out(tmp_path, capsys):
    # Tester: listed under "Left out: 1 older message, not sent", with "0 dropped" below.
    path = _blocked_file(tmp_path)
    assert cli.main(["tokens", str(path), "--rows", "--model", "gpt-4o"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Left out: 1 message, not sent: blocked by the content filter" in lines
    assert not [line for line in lines if "older" in line]
    assert "3 messages sent, 1 left out;" in lines[-1]
    assert cli.main(["tokens", str(path), "--json", "--model", "gpt-4o"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["left_out"] == [3]
    assert report["dropped"] == []


def test_tokens_rows_heading_counts_older_and_left_out_apart(tmp_path, capsys):
    conv = Conversation(system_prompt="sys")
    for i in range(20):
        conv.append(Message("user", f"question {i} " + "word " * 30))
        conv.append(Message("assistant", "answer " * 30))
    conv.set_include(40 - 2, False)  # question 19: the user's "Leave out"
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    args = ["tokens", str(path), "--limit", "600", "--reserve", "100", "--model", "gpt-4o"]
    assert cli.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    dropped = len(report["dropped"])
    assert cli.main([*args, "--rows"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        f"Left out: {dropped + 2} messages, not sent: {dropped} older, 1 left out by you, "
        "1 left out with its question"
    ) in lines


@pytest.mark.parametrize(
    "command", ["tokens", "export", "send", "attach", "signin", "signout", "list", "search",
                "import"],
)  # fmt: skip
def test_every_command_help_ends_with_its_exit_statuses(command, capsys):
    # Tester: `chatdesk search` without a match exits 1 (as grep) and --help did not say so.
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Exit status: 0 " in help_text
    assert " 2 usage" in help_text
    if command == "search":
        assert "1 nothing was (as grep does" in help_text


def test_tokens_names_image_detail_auto_as_why_the_count_is_an_estimate(tmp_path, capsys):
    # Tester: "estimate: tool calls, tool definitions or some content parts…" for a file whose
    # only estimate was an image sent with detail "auto".
    from tests.support.images import auto_detail_file

    assert cli.main(["tokens", str(auto_detail_file(tmp_path))]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith(
        'prompt tokens (estimate: an image\'s detail "auto" is counted as "high" (the service '
        "chooses)), o200k_base"
    )
    assert "tool" not in first


def test_tokens_rows_number_messages_not_the_tool_definitions(tmp_path, capsys):
    # Tester: the window said "sends 6 messages" for a body of 5 and its tools; --rows the same.
    from tests.support.request_bodies import AGENT_JSON

    path = tmp_path / "agent.json"
    path.write_text(AGENT_JSON, encoding="utf-8")
    assert cli.main(["tokens", str(path), "--rows", "--model", "gpt-4.1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[:6]] == [
        ["tool", "definitions"], ["1", "developer"], ["2", "user"], ["3", "assistant"],
        ["4", "tool"], ["5", "tool"],
    ]  # fmt: skip
    assert lines[-1].startswith("5 messages sent")


def test_tokens_summary_names_trimmed_rows_as_their_heading_does(tmp_path, capsys):
    """Tester: the rows were headed "Left out: 2 older messages, not sent" while the summary
    below said "2 dropped to fit, 0 left out"."""
    conv = Conversation(history=[Message("user" if i % 2 == 0 else "assistant", f"word {i} " * 40)
                                 for i in range(12)])  # fmt: skip
    path = tmp_path / "long.json"
    save_conversation(conv, path)
    assert cli.main(["tokens", str(path), "--rows", "--model", "gpt-4o", "--limit", "600",
                     "--reserve", "100"]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    [heading] = [line for line in lines if line.startswith("Left out:")]
    older = int(heading.split()[2])
    assert f"{older} older messages, not sent" in heading
    assert f"sent, {older} older left out to fit;" in lines[-1]


def test_tokens_at_exactly_the_limit_says_it_must_stay_below_and_sends_nothing(seed_file,
                                                                              capsys):  # fmt: skip
    """Found by a tester: a file needing exactly the limit exited 3 with "need 4,222 tokens …
    over the limit of 4,222", and --rows still said "3 messages sent". Fitting means the
    prompt and the reserve stay below the limit; exit 3 sends nothing."""
    args = ["tokens", str(seed_file), "--reserve", "0", "--rows"]
    assert cli.main([*args, "--limit", "29"]) == 3  # the seed needs 29
    done = capsys.readouterr()
    assert "over the limit" not in done.err
    assert ("need 29 tokens with 0 reserved for the reply even with every earlier turn left "
            "out: the whole limit of 29, and the prompt and the reserve must stay below it. "
            "Shorten") in done.err  # fmt: skip
    assert " sent," not in done.out
    assert done.out.splitlines()[0] == tokens.NOT_SENT_HEADING
    assert done.out.splitlines()[-1] == (
        "nothing would be sent: the request does not fit (2 messages, none left out); "
        "29 with 0 reserved, limit 29"
    )
    assert cli.main([*args, "--limit", "30"]) == 0  # one more token: it fits, and is sent
    out = capsys.readouterr().out
    assert "2 messages sent, none left out; 29 with 0 reserved, limit 30" in out
    assert tokens.NOT_SENT_HEADING not in out
    assert cli.main([*args, "--limit", "28"]) == 3
    assert "need 29 tokens with 0 reserved for the reply, over the limit of 28" in (
        capsys.readouterr().err
    )


def test_tokens_json_sends_nothing_when_it_does_not_fit(seed_file, capsys):
    """Found by a tester: `--json` listed `sent: [0, 1]` with `fits: false`, while the text
    said "nothing would be sent". `request` keeps what the request would carry."""
    args = ["tokens", str(seed_file), "--reserve", "0", "--json"]
    assert cli.main([*args, "--limit", "29"]) == 3  # the seed needs 29
    report = json.loads(capsys.readouterr().out)
    assert (report["fits"], report["sent"], report["request"]) == (False, [], [0, 1])
    assert [m.get("sent") for m in report["messages"]] == [None, False]  # the system prompt pinned
    assert cli.main([*args, "--limit", "30"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["fits"], report["sent"], report["request"]) == (True, [0, 1], [0, 1])
    assert [m.get("sent") for m in report["messages"]] == [None, True]
    text = " ".join(tokens._parser().format_help().split())
    assert (
        "sent (the indexes, into the file's messages array, of the messages the request sends: "
        "[] when it does not fit); request (those the request would carry"
    ) in text


@pytest.mark.parametrize(
    ("reserve", "advice"),
    [
        ("0", "Shorten the message or the system prompt, or raise the token limit above 29."),
        ("1", "Shorten the message or the system prompt, or raise the token limit above 30."),
        # The prompt alone (29) is over the limit (28): no reply limit makes it fit.
        ("2", "Shorten the message or the system prompt, or raise the token limit above 31."),
    ],
    ids=["0", "1", "2"],
)  # fmt: skip
def test_too_big_advice_never_asks_for_a_reserve_below_its_least(reserve, advice, seed_file,
                                                                 capsys):  # fmt: skip
    """Found by a tester: at --reserve 0 the advice still said "lower the maximum response
    tokens". 1 is the least max_tokens the API takes (and a file's max_tokens 1 the same)."""
    assert cli.main(["tokens", str(seed_file), "--reserve", reserve, "--limit", "28"]) == 3
    err = capsys.readouterr().err
    assert err.endswith(f"even with every earlier turn left out. {advice}\n")


def test_a_lower_reserve_is_advised_with_the_reserve_that_fits(seed_file, capsys):
    """Tester, session 14: the advice to lower the reply's tokens must be one that fits."""
    assert cli.main(["tokens", str(seed_file), "--reserve", "20", "--limit", "40"]) == 3
    assert capsys.readouterr().err.endswith(
        "Shorten the message or the system prompt, lower the maximum response tokens to at "
        "most 10 or raise the token limit above 49.\n"
    )
    assert cli.main(["tokens", str(seed_file), "--reserve", "10", "--limit", "40"]) == 0


def test_a_file_s_least_max_tokens_is_not_advised_lower(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({**SEED_BODY, "max_tokens": 1}))
    assert cli.main(["tokens", str(path), "--limit", "28"]) == 3
    assert capsys.readouterr().err == (
        "chatdesk: The system prompt and the newest message need 30 tokens with 1 reserved for "
        "the reply, over the limit of 28 even with every earlier turn left out. Shorten the "
        "message or the system prompt, or raise the token limit above 30.\n"
    )


def test_tokens_stop_policy_at_exactly_the_limit_sends_nothing(tmp_path, capsys):
    conv = Conversation(system_prompt="sys", trimming=TrimSettings(policy=TrimPolicy.STOP))
    for i in range(3):
        conv.append(Message("user", f"question {i}"))
        conv.append(Message("assistant", f"answer {i}"))
    conv.append(Message("user", "question 3"))
    path = tmp_path / "stop.json"
    save_conversation(conv, path)
    need = token_report(str(path), "gpt-4o", None, 10_000, 100)["total"]
    args = ["tokens", str(path), "--model", "gpt-4o", "--reserve", "100", "--limit", str(need)]
    assert cli.main(args) == 3
    done = capsys.readouterr()
    assert (f"reached its limit ({need:,} of {need:,} tokens with the reply reserved; the prompt "
            "and the reply's reserve must stay below it)") in done.err  # fmt: skip
    assert "8 messages sent" not in done.out
    assert "nothing would be sent: the request does not fit (8 messages, none left out)" in (
        done.out
    )
