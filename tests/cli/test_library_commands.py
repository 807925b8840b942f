"""`chatdesk list`, `search` and `import`: the library from the command line, no display."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from chatdesk.core.fileformat import FILE_SUFFIX
from chatdesk.core.library import Library
from chatdesk.core.paths import data_dir
from chatdesk.core.settings import Settings, save_settings

BODY = {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "lookup"}}],
        "messages": [{"role": "system", "content": "You are terse."},
                     {"role": "user", "content": "Who founded Microsoft?"},
                     {"role": "assistant", "content": "Bill Gates and Paul Allen."}]}  # fmt: skip


def run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # no display needed, none given
    return subprocess.run([sys.executable, "-m", "chatdesk", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_import_list_and_search(tmp_path):
    body = tmp_path / "founders.json"
    body.write_text(json.dumps(BODY))
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    imported = run("import", body, bad)
    assert imported.returncode == 1  # one could not be read; the other is in
    assert "founders.json: added as " in imported.stdout
    assert "bad.json" in imported.stderr
    assert "not valid JSON" in imported.stderr
    assert body.read_text() == json.dumps(BODY)  # the source is left as it was

    [entry] = json.loads(run("list", "--json").stdout)
    assert entry["title"] == "Who founded Microsoft?"
    assert entry["messages"] == 2
    assert entry["error"] is None
    assert entry["path"].startswith(str(data_dir() / "library"))
    stored = json.loads((data_dir() / "library" / f"{entry['id']}{FILE_SUFFIX}").read_text())
    assert stored["request"]["tools"] == BODY["tools"]  # the request body whole

    listed = run("list")
    assert listed.returncode == 0
    assert entry["id"] in listed.stdout
    assert "Who founded Microsoft?" in listed.stdout

    found = run("search", "paul", "--json")
    assert found.returncode == 0
    [hit] = json.loads(found.stdout)
    assert hit["conversation_id"] == entry["id"]
    assert hit["message_index"] == 1
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "Paul"
    text = run("search", "gates")
    assert f"{entry['id']}  #1  Who founded Microsoft?" in text.stdout
    assert "Bill Gates and Paul Allen." in text.stdout
    nothing = run("search", "zeppelin")
    assert nothing.returncode == 1
    assert nothing.stdout == ""


def test_list_shows_a_bad_file_with_its_error_and_every_other(tmp_path):
    library = Library(data_dir() / "library")
    body = tmp_path / "a.json"
    body.write_text(json.dumps(BODY))
    good = library.import_file(body)
    library.folder.joinpath(f"20260101-000000-abcdef{FILE_SUFFIX}").write_text(
        json.dumps({"format": "chatdesk.conversation", "version": 99, "messages": []})
    )
    listed = run("list", "--json")
    assert listed.returncode == 0
    entries = {e["id"]: e for e in json.loads(listed.stdout)}
    assert entries[good]["error"] is None
    assert "newer chatdesk" in entries["20260101-000000-abcdef"]["error"]
    assert "newer chatdesk" in listed.stderr


def test_search_limit_and_a_moved_library(tmp_path):
    save_settings(Settings(library_folder=str(tmp_path / "moved")))
    for n in range(5):
        path = tmp_path / f"c{n}.json"
        body = {"messages": [{"role": "user", "content": f"needle number {n}"}]}
        path.write_text(json.dumps(body))
        assert run("import", path).returncode == 0
    assert len(list((tmp_path / "moved").glob(f"*{FILE_SUFFIX}"))) == 5
    assert len(json.loads(run("search", "needle", "--json", "--limit", "3").stdout)) == 3
    assert run("search", "needle", "--limit", "0").returncode == 2


def test_the_testers_rough_edges(tmp_path):
    # One hit per match (the title made from the first message is not a second hit), an empty
    # query is said, list has a header, the cut-short JSON error is whole, a re-import is said.
    body = tmp_path / "k.json"
    body.write_text('{"messages":[{"role":"user","content":"kubernetes pods"}]}')
    first = run("import", body)
    again = run("import", body)
    first_id = first.stdout.split("added as ")[1].split()[0]
    second_id = again.stdout.split("added as ")[1].split()[0]
    assert first.stderr == ""
    assert f"was already in the library as {first_id}; {second_id} is a second copy" in again.stderr

    found = run("search", "kubernetes")
    assert found.returncode == 0
    assert found.stdout.count("kubernetes pods\n") == 4  # two conversations, one hit each
    assert "title" not in found.stdout
    empty = run("search", "")
    assert empty.returncode == 2
    assert "give at least one word to find" in empty.stderr
    nothing = run("search", "zeppelin")
    assert nothing.returncode == 1  # as grep: a script can test for a match
    assert "nothing in the library matches 'zeppelin'" in nothing.stderr

    damaged = data_dir() / "library" / f"20261130-154500-aaaaaa{FILE_SUFFIX}"
    damaged.write_text('{"messages":[{"role":"user","content":"bad\x01 here"}]}')
    listed = run("list")
    assert listed.stdout.splitlines()[0].split() == ["ID", "LAST", "ACTIVITY", "MSGS", "TITLE"]
    assert listed.stderr.count("20261130-154500-aaaaaa") == 1
    assert "column 43: Invalid control character). It may be truncated" in listed.stderr


def test_tokens_says_one_message_not_one_messages(tmp_path):
    body = tmp_path / "one.json"
    body.write_text('{"model": "gpt-4o", "messages":[{"role":"user","content":"hi"}]}')
    done = run("tokens", body)
    assert "1 message sent, none left out;" in done.stdout


def test_search_lists_the_conversation_changed_most_recently_first(tmp_path):
    """As `chatdesk list` (and the window's list) does: by last activity, not by when a
    conversation was made; a reply written by another process moves it up at the next run."""
    library = Library(data_dir() / "library")

    def write(id: str, *stamps: str) -> None:
        messages = [{"role": "user", "content": f"needle {id} {n}", "metadata": {"created_at": t}}
                    for n, t in enumerate(stamps)]  # fmt: skip
        body = {"format": "chatdesk.conversation", "version": 2, "title": id,
                "created_at": stamps[0], "messages": messages}  # fmt: skip
        library.path(id).parent.mkdir(parents=True, exist_ok=True)
        library.path(id).write_text(json.dumps(body))

    made_first, made_later = "20260101-090000-aaaaaa", "20260601-090000-bbbbbb"
    write(made_first, "2026-01-01T09:00:00+00:00")
    write(made_later, "2026-06-01T09:00:00+00:00")

    def searched() -> list[str]:
        found = json.loads(run("search", "needle", "--json").stdout)
        return [hit["conversation_id"] for hit in found]

    assert searched() == [made_later, made_first]
    write(made_first, "2026-01-01T09:00:00+00:00", "2026-11-29T18:00:00+00:00")  # a reply
    assert searched() == [made_first, made_later]
    assert [e["id"] for e in json.loads(run("list", "--json").stdout)] == searched()
    reply = json.loads(run("search", "needle", "--json").stdout)[0]
    assert (reply["message_index"], reply["more"]) == (1, 1)


def test_list_says_a_json_file_it_leaves_alone_once(tmp_path):
    # Left alone by session 10: `chatdesk list` said nothing of a plain .json file in the
    # library folder that it does not list, where the window says why in its status line.
    folder = data_dir() / "library"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.json").write_text('{"shopping": ["eggs"]}')
    first = run("list")
    assert first.returncode == 0
    assert "note: notes.json was left as it is and is not listed" in first.stderr
    assert "notes.json" not in first.stdout
    again = run("list")
    assert again.returncode == 0
    assert "notes.json" not in again.stderr  # said once, here as in the window
    assert (folder / "notes.json").read_text() == '{"shopping": ["eggs"]}'


def test_the_ids_list_prints_work_as_files(tmp_path):
    """Found by a tester: `chatdesk list` printed ids that no other command took
    ("20261201-074836-ee569e: does not exist"). Where a FILE goes, an id names that library
    conversation (a file of that name, when one exists, still comes first)."""
    body = tmp_path / "founders.json"
    body.write_text(json.dumps(BODY))
    assert run("import", body).returncode == 0
    [entry] = json.loads(run("list", "--json").stdout)
    exported = run("export", entry["id"])
    assert exported.returncode == 0, exported.stderr
    assert "Bill Gates and Paul Allen." in exported.stdout
    counted = run("tokens", entry["id"], "--json")
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout)["file"] == entry["path"]
    missing = run("export", "20261201-074836-ee569e")  # an id of no conversation
    assert (missing.returncode, missing.stderr.count("does not exist")) == (1, 1)
    assert "the id `chatdesk list` prints" in " ".join(run("send", "--help").stdout.split())


def test_search_finds_a_reply_regenerated_away_and_says_so(tmp_path):
    from chatdesk.core import alternatives
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message

    conv = Conversation(history=[Message("user", "Sea birds?")])
    replaced = [Message("assistant", "The pelican scoops fish into its pouch.")]
    reply = Message("assistant", "Gulls are everywhere.")
    reply.meta.alternatives = alternatives.after_replacing(replaced)  # what Regenerate keeps
    conv.append(reply)
    id = Library(data_dir() / "library").create(conv).id
    [hit] = json.loads(run("search", "pelican", "--json").stdout)
    assert (hit["conversation_id"], hit["message_index"], hit["other_version"]) == (id, 1, True)
    assert hit["snippet"] == replaced[0].content
    text = run("search", "pelican").stdout.splitlines()
    assert text[0] == f"{id}  #1 (another version of #1)  Sea birds?"
    [shown] = json.loads(run("search", "gulls", "--json").stdout)
    assert shown["other_version"] is False


def test_search_gives_another_versions_reply_its_own_index(tmp_path):
    """Tester, session 13: "Second try: otters are mustelids." is the reply (position 1 of its
    version) but was printed "#0 (another version)", "message_index": 0: a script landed on
    the question. And "krakenblossom", in a reply kept inside that version, was not found."""
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message
    from tests.core.conftest import regenerate

    asked = Message("user", "Tell me about otters glimmerfjord")
    conv = Conversation(history=[asked, Message("assistant", "Otters hold hands; krakenblossom.")])
    regenerate(conv, 1, "Second try: otters are mustelids.")
    regenerate(conv, 0, "Tell me about beavers instead", "A question about beavers.")
    id = Library(data_dir() / "library").create(conv).id
    [hit] = json.loads(run("search", "mustelids", "--json").stdout)
    assert (hit["message_index"], hit["turn"], hit["other_version"]) == (1, 0, True)
    assert hit["snippet"] == "Second try: otters are mustelids."
    line = run("search", "mustelids").stdout.splitlines()[0]
    assert line.startswith(f"{id}  #1 (another version of #0)  ")
    assert "message 13 is the index the message takes once that version of turn 12 is shown" in (
        " ".join(run("search", "--help").stdout.split())
    )
    found = run("search", "krakenblossom", "--json")
    assert found.returncode == 0, found.stderr
    [hit] = json.loads(found.stdout)
    assert (hit["conversation_id"], hit["message_index"], hit["turn"]) == (id, 1, 0)
