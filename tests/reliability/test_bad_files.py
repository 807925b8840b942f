"""The bad-file corpus through every entry point: `tokens`, `export`, `send` (each as its own
process), the window's Open, settings.json and the recovery folder. Nothing may hang, crash or
print a traceback; every refusal names the file and the problem; the one repairable kind (lone
surrogates) opens with a note."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chatdesk.core.recovery import RecoveryStore
from chatdesk.core.settings import load_settings
from chatdesk.ui.context import AppContext
from tests.reliability.conftest import clean_env, run_chatdesk
from tests.reliability.corpus import BadFile, make_corpus
from tests.support.fake_azure import FakeAzure, Reply
from tests.support.opening import open_and_wait

with tempfile.TemporaryDirectory() as _scratch:
    KINDS = [item.name for item in make_corpus(Path(_scratch))]
KEY = "reliability-key-0123456789abcdef"
# Valid as settings (a JSON object whose unknown keys are ignored) or no file at all.
SETTINGS_ACCEPT = {"dangling link", "temperature 99", "max_tokens -5", "foreign format tag",
                   "unknown chatdesk version", "lone surrogate"}  # fmt: skip
FAST_S = 10.0  # a refusal is immediate; this bound only catches a hang or a 4 GB read


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, BadFile]:
    return {item.name: item for item in make_corpus(tmp_path_factory.mktemp("corpus"))}


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Every corpus file through tokens, export and send, four processes at a time (a corpus
    of their own: send writes the reply into the one file it can open)."""
    corpus = {item.name: item for item in make_corpus(tmp_path_factory.mktemp("cli-corpus"))}
    with FakeAzure(api_key=KEY) as srv:
        for _ in corpus:
            srv.enqueue(Reply("ok"))
        home = tmp_path_factory.mktemp("home")
        env = clean_env(
            CHATDESK_HOME=str(home), AZURE_OPENAI_ENDPOINT=srv.azure_endpoint,
            AZURE_OPENAI_API_KEY=KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o",
        )  # fmt: skip
        jobs = {
            (name, command): (command, str(item.path))
            for name, item in corpus.items()
            for command in ("tokens", "export", "send")
        }
        with ThreadPoolExecutor(4) as pool:
            futures = {key: pool.submit(run_chatdesk, *args, env=env) for key, args in jobs.items()}
            results = {key: future.result() for key, future in futures.items()}
        sent = [r.json for r in srv.requests]
    return results, sent, corpus


@pytest.mark.area("bad files: command line")
@pytest.mark.parametrize("command", ["tokens", "export", "send"])
@pytest.mark.parametrize("kind", KINDS)
def test_cli_refuses_or_repairs_at_once(cli_runs, kind, command):
    item = cli_runs[2][kind]
    done = cli_runs[0][(kind, command)]
    assert "Traceback" not in done.stderr, done.stderr
    # No time bound here beyond run_chatdesk's hang timeout: a process start alone can take
    # seconds on a loaded machine. The reads themselves are bounded (test_unbounded_devices).
    if item.opens:
        assert done.returncode == 0, done.stderr
        assert "replaced with \ufffd" in done.stderr
        assert "\ud83d" not in done.stdout.encode("utf-8", "surrogateescape").decode("utf-8")
    else:
        assert done.returncode == 1, (done.returncode, done.stderr)
        assert item.path.name in done.stderr
        assert item.says.lower() in done.stderr.lower(), done.stderr


@pytest.mark.area("bad files: command line")
def test_send_sent_nothing_for_a_refused_file(cli_runs):
    sent, corpus = cli_runs[1], cli_runs[2]
    # Only the repairable file reached the server, with U+FFFD where the surrogates were.
    assert len(sent) == sum(item.opens for item in corpus.values())
    for body in sent:
        contents = [m["content"] for m in body["messages"]]
        assert contents == ["Be \ufffd brief", "half an emoji: \ufffd"]


@pytest.mark.area("bad files: the window's Open")
@pytest.mark.parametrize("kind", KINDS)
def test_window_open_refuses_or_repairs_at_once(qtbot, window, corpus, kind):
    item = corpus[kind]
    before = len(window.sessions)
    started = time.monotonic()
    open_and_wait(qtbot, window, [str(item.path)])
    assert time.monotonic() - started < FAST_S
    box = window.message_box
    assert item.path.name in box.text()
    assert item.says.lower() in box.text().lower(), box.text()
    if item.opens:
        assert len(window.sessions) == before + 1
        assert window.session.conversation.system_prompt == "Be \ufffd brief"
    else:
        assert len(window.sessions) == before


@pytest.mark.area("bad files: settings.json")
@pytest.mark.parametrize("kind", KINDS)
def test_settings_file_of_every_bad_kind(tmp_path, corpus, kind):
    item = corpus[kind]
    path = tmp_path / "settings.json"
    path.symlink_to(item.path)
    started = time.monotonic()
    loaded = load_settings(path)
    assert time.monotonic() - started < FAST_S
    if kind in SETTINGS_ACCEPT:  # a JSON object: unknown keys are ignored, defaults fill in
        assert loaded.warning is None
    else:
        assert loaded.warning is not None
        assert str(path) in loaded.warning
    context = AppContext.create(path)
    context.save_settings()  # never raises; a non-regular target is never replaced
    if not loaded.writable:
        assert path.is_symlink()
        assert context.settings_problem
    else:
        assert path.is_file()
        assert not path.is_symlink()


@pytest.mark.area("bad files: recovery folder")
@pytest.mark.parametrize("kind", KINDS)
def test_recovery_folder_of_every_bad_kind(tmp_path, corpus, kind):
    item = corpus[kind]
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "0123456789abcdef.json").symlink_to(item.path)
    store = RecoveryStore(folder)
    started = time.monotonic()
    assert store.entries() == []
    assert time.monotonic() - started < FAST_S
    if "digits" in item.says:  # not skipped silently: the window is told why
        [(_aside, why)] = store.damaged
        assert "digits" in why


@pytest.mark.area("bad files: command line")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_unbounded_devices_are_refused_before_any_read(tmp_path, device):
    from chatdesk.cli import main

    link = tmp_path / "chat.json"
    link.symlink_to(device)
    started = time.monotonic()
    assert main(["tokens", str(link)]) == 1  # in-process: the time is the refusal's alone
    assert time.monotonic() - started < 1.0
