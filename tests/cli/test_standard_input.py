"""FILE `-` and `send --message -`: what a Unix user pipes in (`git diff | chatdesk send FILE
-m -`, `cat body.json | chatdesk import -`), read from standard input by the real commands; a
terminal there is said on stderr, not waited on in silence."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import save_conversation
from chatdesk.core.library import Library, library_dir
from tests.cli.test_library_commands import BODY
from tests.cli.test_send import ROOT, env_for, saved_messages, srv  # noqa: F401
from tests.support.fake_azure import Fail, Reply

QUESTION = {"messages": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": "Who founded Microsoft?"}]}  # fmt: skip
DIFF = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"


def chatdesk(*args: str, input: str = "", env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "chatdesk", *args], input=input, env=env or dict(os.environ),
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


def test_tokens_and_export_read_the_conversation_from_standard_input(tmp_path):
    path = tmp_path / "question.json"
    path.write_text(json.dumps(QUESTION))
    from_file = chatdesk("tokens", str(path), "--json", "--model", "gpt-4o")
    piped = chatdesk("tokens", "-", "--json", "--model", "gpt-4o", input=path.read_text())
    assert piped.returncode == from_file.returncode == 0, piped.stderr
    assert piped.stderr == ""  # standard input is no terminal: nothing to say
    assert json.loads(piped.stdout) == {**json.loads(from_file.stdout), "file": "-"}

    exported = chatdesk("export", "-", input=path.read_text())
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == chatdesk("export", str(path)).stdout
    assert "Who founded Microsoft?" in exported.stdout

    empty = chatdesk("tokens", "-")
    assert empty.returncode == 1
    assert empty.stderr == "chatdesk: standard input: is empty.\n"


def test_import_reads_one_conversation_from_standard_input():
    done = chatdesk("import", "-", "--json", input=json.dumps(BODY))

    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert (row["file"], row["imported"], row["title"]) == ("-", True, "Who founded Microsoft?")
    conv = Library(library_dir()).read_entry(Library(library_dir()).file(row["id"]))[1]
    assert [m.content for m in conv.all_messages()][-1] == "Bill Gates and Paul Allen."


def test_send_takes_the_question_from_standard_input(srv, tmp_path):  # noqa: F811
    path = tmp_path / "review.chatdesk.json"
    save_conversation(Conversation(system_prompt="Review diffs."), path)
    srv.enqueue(Reply("Looks right."))

    done = chatdesk("send", str(path), "-m", "-", input=DIFF, env=env_for(srv))

    assert done.returncode == 0, done.stderr
    assert done.stdout == "Looks right.\n"
    sent = srv.requests[0].json["messages"]
    assert sent[-1] == {"role": "user", "content": DIFF.removesuffix("\n")}  # as $(...) has it
    assert [(m["role"], m["content"]) for m in saved_messages(path)] == [
        ("system", "Review diffs."),
        ("user", DIFF.removesuffix("\n")),
        ("assistant", "Looks right."),
    ]

    # A failed request keeps the question given, as one typed into the file: sent again later.
    srv.enqueue(Fail(401, "401", "Access denied due to invalid subscription key."))
    failed = chatdesk("send", str(path), "--message", "And the tests?", env=env_for(srv))
    assert failed.returncode == 1
    assert saved_messages(path)[-1]["content"] == "And the tests?"
    srv.enqueue(Reply("Add one."))
    again = chatdesk("send", str(path), env=env_for(srv))
    assert again.returncode == 0, again.stderr
    assert [m["content"] for m in saved_messages(path)][-2:] == ["And the tests?", "Add one."]


def test_send_of_standard_input_puts_it_and_the_reply_in_a_new_library_conversation(
    srv,  # noqa: F811
):
    srv.enqueue(Reply("Bill Gates and Paul Allen."))

    done = chatdesk("send", "-", input=json.dumps(QUESTION), env=env_for(srv))

    assert done.returncode == 0, done.stderr
    [entry] = Library(library_dir()).entries()
    assert done.stderr == (
        "chatdesk: what standard input held was saved as a new conversation in the library, "
        f"{entry.path} (go on from that file).\n"
    )
    assert [m["content"] for m in saved_messages(Path(entry.path))][-2:] == [
        "Who founded Microsoft?", "Bill Gates and Paul Allen.",
    ]  # fmt: skip
    assert not Path(ROOT, "-").exists()  # no file named "-" written anywhere

    both = chatdesk("send", "-", "-m", "-", input="", env=env_for(srv))
    assert both.returncode == 2
    assert both.stderr == (
        "chatdesk send: error: FILE and --message cannot both be read from standard input\n"
    )
    assert len(srv.requests) == 1


def test_a_terminal_on_standard_input_is_said_not_waited_on_in_silence(tmp_path):
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatdesk", "tokens", "-", "--model", "gpt-4o"], cwd=ROOT,
        stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    os.close(follower)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # said before anything is typed
        assert line == (
            "chatdesk: reading the conversation from standard input (end with Ctrl+D)\n"
        )
        assert proc.poll() is None
        os.write(leader, json.dumps(QUESTION).encode() + b"\n\x04")  # typed, then Ctrl+D
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        os.close(leader)
    assert proc.returncode == 0, err
    assert out.strip()  # the count of what was typed
