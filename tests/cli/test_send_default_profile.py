"""`chatdesk send` on a file or request body that names no profile: the default profile (the
one Connections marks "(default)", the settings' active profile), as the window gives a new
conversation (`Connections.profile_for`). The tester's `send agent.json` said "no connection
given: use --profile NAME…" though "Azure OpenAI" was marked "(default)"."""

from __future__ import annotations

import json
from pathlib import Path

from chatdesk.cli.tokens import run as run_tokens
from chatdesk.core.conversation import Conversation
from chatdesk.core.fileformat import load_conversation, save_conversation
from chatdesk.core.library import library_dir
from chatdesk.core.messages import Message
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from tests.cli.test_send import env_for, saved_messages, send, srv  # noqa: F401 (fixture)
from tests.cli.test_send_body_file import AGENT_BODY
from tests.support.fake_azure import Reply

UNREACHABLE = "http://127.0.0.1:9/openai/v1/"  # the other profile: never to be used


def _chat_file(tmp_path: Path) -> Path:
    """A conversation file (not a body) that names no profile."""
    path = tmp_path / "chat.chatdesk.json"
    save_conversation(Conversation(history=[Message("user", "Hello there")]), path)
    assert json.loads(path.read_text()).get("profile") is None
    return path


def _settings(srv) -> None:  # noqa: F811
    """The tester's settings file: two profiles, "Azure OpenAI" the default (not the first)."""
    default = ConnectionProfile("Azure OpenAI", "azure-v1", srv.v1_base_url, "chat4",
                                model="gpt-4")  # fmt: skip
    other = ConnectionProfile("lab", "azure-v1", UNREACHABLE, "other")
    save_settings(Settings(profiles=[other, default], active_profile="Azure OpenAI"))


def _env_without_connection(srv) -> dict[str, str]:  # noqa: F811
    # The key as a key profile with no keyring entry reads it; no endpoint in the environment.
    env = env_for(srv)
    del env["AZURE_OPENAI_ENDPOINT"], env["AZURE_OPENAI_DEPLOYMENT"]
    return env


def test_a_body_naming_no_profile_goes_to_the_default_profile(srv, tmp_path):  # noqa: F811
    _settings(srv)
    body = tmp_path / "agent.json"
    body.write_text(json.dumps(AGENT_BODY))
    srv.enqueue(Reply("22 °C in Boston, 17 °C in Paris."))
    done = send(str(body), env=_env_without_connection(srv))
    assert done.returncode == 0, done.stderr
    assert "no connection given" not in done.stderr
    assert done.stdout == "22 °C in Boston, 17 °C in Paris.\n"
    assert [r.json["model"] for r in srv.requests] == ["chat4"]
    # The new library conversation records the profile, as the window's would.
    (saved,) = library_dir().glob("*.chatdesk.json")
    assert load_conversation(saved).conversation.profile == "Azure OpenAI"


def test_a_file_naming_no_profile_goes_to_the_default_and_records_it(srv, tmp_path, capsys):  # noqa: F811
    _settings(srv)
    path = _chat_file(tmp_path)
    # `tokens` counts for the model `send` will send to: the default's deployment's (gpt-4).
    assert run_tokens([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["encoding"] == "cl100k_base"
    srv.enqueue(Reply("Hi."))
    done = send(str(path), env=_env_without_connection(srv))
    assert done.returncode == 0, done.stderr
    assert srv.requests[-1].json["model"] == "chat4"
    doc = json.loads(path.read_text())
    assert doc["profile"] == "Azure OpenAI"
    assert saved_messages(path)[-1]["content"] == "Hi."


def test_the_environment_and_profile_options_still_come_first(srv, tmp_path):  # noqa: F811
    _settings(srv)
    path = _chat_file(tmp_path)
    srv.enqueue(Reply("From the environment."))
    done = send(str(path), env=env_for(srv))  # AZURE_OPENAI_ENDPOINT set: as before
    assert done.returncode == 0, done.stderr
    assert srv.requests[-1].json["model"] == "gpt-4o"
    assert json.loads(path.read_text()).get("profile") is None
    path = _chat_file(tmp_path)
    done = send(str(path), "--profile", "lab", "--dry-run", env=_env_without_connection(srv))
    assert done.returncode == 0, done.stderr
    assert "127.0.0.1:9/openai/v1/chat/completions" in done.stdout


def test_no_profile_and_no_environment_is_still_a_usage_error(tmp_path, srv):  # noqa: F811
    path = _chat_file(tmp_path)
    done = send(str(path), env=_env_without_connection(srv))
    assert done.returncode == 2
    assert "no connection given: use --profile NAME" in done.stderr
