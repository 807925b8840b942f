"""One connection setup for the window and the command line: `chatdesk signin/signout`, the
shared sign-in record, AZURE_OPENAI_AD_TOKEN, OPENAI_API_VERSION=preview, `send --dry-run` and
`--header` (issue 17, items 6 and 8)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import msgspec.structs
import pytest
from azure.core.credentials import AccessToken
from azure.identity import AuthenticationRecord

from chatdesk.cli.send import run_send
from chatdesk.cli.signin import run_signin, run_signout
from chatdesk.core.paths import settings_path
from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, load_settings, save_settings
from chatdesk.service.connections import Connections
from chatdesk.service.entra import EntraSession
from tests.support.fake_azure import FakeAzure
from tests.support.fake_azure_gateway import Gateway

KEY = "5f2b9c0e7d1a4b3c8e6f0a9d2c4b7e1f"
TOKEN = "entra-token-from-the-env"


@pytest.fixture
def srv():
    with FakeAzure(api_key=KEY, bearer_tokens={TOKEN, "signed-in-token"}) as server:
        yield server


@pytest.fixture
def chat_file(tmp_path) -> Path:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "Hello there"}]}))
    return path


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


class Credential:
    """What azure-identity's browser/device-code credential does, minus the browser."""

    record = AuthenticationRecord(
        "contoso-tenant", "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "login.microsoftonline.com", "home-id", "alice@contoso.com",
    )  # fmt: skip

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def authenticate(self, *, scopes, **kw):
        return self.record

    def get_token(self, *scopes, **kw):
        return AccessToken("signed-in-token", int(time.time()) + 3600)


def connections_with_fake_sign_in(built: list[dict]) -> Connections:
    def factory(**kwargs):
        built.append(kwargs)
        return Credential(**kwargs)

    def entra_factory(mode, **kwargs):
        return EntraSession(mode, credential_factory=factory, **kwargs)

    return Connections(load_settings().settings, env={}, entra_factory=entra_factory)


def test_a_command_line_sign_in_serves_the_window_and_send(srv, chat_file, clean_env, capsys):
    profile = ConnectionProfile(
        "work", "azure-v1", srv.v1_base_url, "gpt-4o", auth="entra", cloud="usgovernment"
    )
    save_settings(Settings(profiles=[profile]))
    built: list[dict] = []
    assert run_signin(["--profile", "work"], connections_with_fake_sign_in(built)) == 0
    assert "Signed in as alice@contoso.com (tenant contoso-tenant)" in capsys.readouterr().out
    assert built[0]["authority"] == "login.microsoftonline.us"

    # A new process's setup (the window's, or `send --profile`'s) finds the same sign-in.
    later = connections_with_fake_sign_in([])
    assert later.entra_session(later.profile("work")).account.username == "alice@contoso.com"
    assert run_signout(["--profile", "work"], later) == 0
    again = connections_with_fake_sign_in([])
    assert not again.entra_session(again.profile("work")).signed_in


def test_signin_refuses_a_key_profile(clean_env, capsys):
    save_settings(Settings(profiles=[ConnectionProfile("k", "azure-v1", "https://x/", "d")]))
    assert run_signin(["--profile", "k"], connections_with_fake_sign_in([])) == 2
    assert "uses an API key" in capsys.readouterr().err


def test_device_code_is_printed_to_the_terminal(clean_env, capsys):
    from datetime import datetime, timezone

    from chatdesk.cli.connections import command_line_connections
    from chatdesk.service.entra import DeviceCode

    connections = command_line_connections({})
    connections.device_code_callback(
        DeviceCode("https://microsoft.com/devicelogin", "ABCD-1234",
                   datetime(2026, 1, 1, 12, 30, tzinfo=timezone.utc))
    )  # fmt: skip
    err = capsys.readouterr().err
    assert "open https://microsoft.com/devicelogin and enter the code ABCD-1234" in err


def test_azure_openai_ad_token_is_honoured(srv, chat_file, clean_env, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", srv.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", TOKEN)
    assert run_send([str(chat_file), "--no-stream"]) == 0, capsys.readouterr().err
    assert srv.last_request.headers["authorization"] == f"Bearer {TOKEN}"


def test_openai_api_version_preview_works(srv, chat_file, clean_env, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", srv.azure_endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "preview")
    assert run_send([str(chat_file), "--no-stream"]) == 0, capsys.readouterr().err
    request = srv.last_request
    assert (request.path, request.query) == ("/openai/v1/chat/completions",
                                             {"api-version": "preview"})  # fmt: skip
    assert request.auth_kind == "api-key"


def test_an_env_profile_problem_names_the_variable(chat_file, clean_env, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://x.openai.azure.com/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "latest")
    assert run_send([str(chat_file)]) == 1
    err = capsys.readouterr().err
    assert "Correct the environment variable OPENAI_API_VERSION" in err
    assert "Edit profile" not in err


def test_dry_run_prints_the_request_and_sends_nothing(srv, chat_file, clean_env, capsys):
    profile = ConnectionProfile(
        "gov", "azure-v1", "https://contoso.openai.azure.us/", "gpt-4o", auth="entra",
        headers={"X-Team": "blue"}, secret_headers=["Ocp-Apim-Subscription-Key"],
    )  # fmt: skip
    save_settings(Settings(profiles=[profile]))
    args = [str(chat_file), "--profile", "gov", "--dry-run",
            "--header", "X-Trace: 42", "--header", "X-Api-Token: hunter2"]  # fmt: skip
    before = chat_file.read_text()
    assert run_send(args) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "POST https://contoso.openai.azure.us/openai/v1/chat/completions"
    assert lines[1] == "Auth: Entra ID bearer token from Microsoft Entra ID (browser sign-in)"
    assert lines[2] == (
        "Entra scope: https://cognitiveservices.azure.us/.default "
        "(authority login.microsoftonline.us)"
    )
    assert "  Authorization: Bearer ***" in lines
    assert "  X-Team: blue" in lines
    assert "  X-Trace: 42" in lines
    assert "  X-Api-Token: ***" in lines
    assert "  Ocp-Apim-Subscription-Key: *** (from the keyring)" in lines
    assert "hunter2" not in out
    body = json.loads(out.split("Body:\n", 1)[1])
    assert body["messages"] == [{"role": "user", "content": "Hello there"}]
    assert body["model"] == "gpt-4o"
    assert chat_file.read_text() == before
    assert srv.requests == []


def test_a_header_is_sent_for_one_run(srv, chat_file, clean_env, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    args = [str(chat_file), "--endpoint", srv.v1_base_url, "--deployment", "gpt-4o",
            "--header", "X-Team: blue"]  # fmt: skip
    assert run_send(args) == 0, capsys.readouterr().err
    assert srv.last_request.headers["x-team"] == "blue"
    chat_file.write_text(json.dumps({"messages": [{"role": "user", "content": "Again"}]}))
    assert run_send([*args[:-2], "--header", "No colon"]) == 2
    assert "--header: a header is written 'Name: value'" in capsys.readouterr().err


# The tester's exact input (issue 17 follow-up, bug 1): a CR LF inside a header's value.
INJECTED = "X-A: b\r\nX-Injected: 1"


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_line_break_in_a_header_value_is_refused(
    srv, chat_file, clean_env, monkeypatch, capsys, dry_run
):
    profile = ConnectionProfile("prod", "azure-v1", srv.v1_base_url, "gpt-4o", auth="key")
    save_settings(Settings(profiles=[profile]))
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    args = [str(chat_file), "--profile", "prod", "--header", INJECTED]
    assert run_send([*args, "--dry-run"] if dry_run else args) == 2
    captured = capsys.readouterr()
    assert "X-Injected" not in captured.out
    assert "--header: the value of header X-A contains a line break" in captured.err
    assert "may already have received" not in captured.err
    assert ".." not in captured.err
    assert srv.requests == []


def test_a_line_break_in_a_settings_header_value_is_refused(srv, chat_file, clean_env, capsys):
    profile = ConnectionProfile(
        "prod", "azure-v1", srv.v1_base_url, "gpt-4o", headers={"X-A": "b\r\nX-Inj: 1"}
    )
    check = profile.check()
    assert (check.field, check.error) == ("headers", (
        "the value of header X-A contains a line break; a header value must be one line."
    ))  # fmt: skip
    save_settings(Settings(profiles=[msgspec.structs.replace(profile, headers={"X-A": "b"})]))
    doc = json.loads(settings_path().read_text())
    doc["profiles"][0]["headers"] = {"X-A": "b\r\nX-Inj: 1"}  # as the tester edited it
    settings_path().write_text(json.dumps(doc))
    assert run_send([str(chat_file), "--profile", "prod"]) != 0
    err = capsys.readouterr().err
    assert "header X-A contains a line break" in err
    assert "may already have received" not in err
    assert srv.requests == []


def test_an_authorization_header_given_replaces_the_key(
    srv, chat_file, clean_env, monkeypatch, capsys
):
    # The tester's exact input (bug 2): --header 'Authorization: Bearer mine' on a key profile.
    profile = ConnectionProfile("prod", "azure-v1", srv.v1_base_url, "gpt-4o", auth="key")
    save_settings(Settings(profiles=[profile]))
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    args = [str(chat_file), "--profile", "prod", "--header", "Authorization: Bearer mine"]
    assert run_send([*args, "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.lower().startswith("  authorization:")] == [
        "  Authorization: ***"
    ]
    assert lines[1].startswith("Auth: the Authorization header given, in place of the profile's")
    assert run_send(args) == 1
    err = capsys.readouterr().err
    assert "did not accept the Authorization header given for this request (401)" in err
    assert "credentials of profile 'prod' (401)" not in err
    sent = [(n, v) for n, v in srv.last_request.header_lines if n.lower() == "authorization"]
    assert sent == [("Authorization", "Bearer mine")]


def test_a_cookie_header_is_masked_in_the_dry_run(srv, chat_file, clean_env, capsys):
    profile = ConnectionProfile("prod", "azure-v1", srv.v1_base_url, "gpt-4o", auth="key")
    save_settings(Settings(profiles=[profile]))
    args = [str(chat_file), "--profile", "prod", "--dry-run", "--header", "Cookie: session=abc123"]
    assert run_send(args) == 0
    out = capsys.readouterr().out
    assert "  Cookie: ***" in out.splitlines()
    assert "abc123" not in out


def test_a_pasted_api_version_preview_is_kept(srv, chat_file, clean_env, monkeypatch, capsys):
    # Bug 3's input: --endpoint 'https://myres.openai.azure.com/?api-version=preview'.
    args = [str(chat_file), "--endpoint", "https://myres.openai.azure.com/?api-version=preview",
            "--deployment", "gpt-4o", "--dry-run"]  # fmt: skip
    assert run_send(args) == 0
    captured = capsys.readouterr()
    first = captured.out.splitlines()[0]
    assert first == "POST https://myres.openai.azure.com/openai/v1/chat/completions?api-version=preview"
    assert "note: --endpoint: ?api-version=preview is kept" in captured.err
    assert "was removed" not in captured.err
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    args = [str(chat_file), "--endpoint", f"{srv.azure_endpoint}?api-version=preview",
            "--deployment", "gpt-4o", "--no-stream"]  # fmt: skip
    assert run_send(args) == 0, capsys.readouterr().err
    request = srv.last_request
    assert (request.path, request.query) == ("/openai/v1/chat/completions",
                                             {"api-version": "preview"})  # fmt: skip


@pytest.mark.parametrize(
    ("url", "note"),
    [
        ("https://myres.services.ai.azure.com/api/projects/proj1",
         "note: --endpoint: This is a Foundry project endpoint (project 'proj1')"),
        ("https://myres.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview",
         "note: --endpoint: This is Foundry's model-inference URL (/models)"),
    ],
)  # fmt: skip
def test_the_command_line_prints_the_endpoint_notes(chat_file, clean_env, capsys, url, note):
    args = [str(chat_file), "--endpoint", url, "--deployment", "gpt-4o", "--dry-run"]
    assert run_send(args) == 0
    captured = capsys.readouterr()
    assert note in captured.err
    assert captured.out.startswith(
        "POST https://myres.services.ai.azure.com/openai/v1/chat/completions\n"
    )


def test_command_line_errors_point_to_the_option(chat_file, clean_env, monkeypatch, capsys):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    args = [str(chat_file), "--endpoint", "http://example.com/", "--deployment", "gpt-4o"]
    assert run_send(args) == 1
    err = capsys.readouterr().err
    assert "use an https:// address. Correct --endpoint." in " ".join(err.split())
    assert "Edit profile" not in err
    apim = "https://apim.example.net/aoai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    assert run_send([str(chat_file), "--endpoint", apim, "--dry-run"]) == 0
    out = capsys.readouterr().out  # the URL names the deployment and api-version
    assert out.startswith(f"POST {apim}\n")


def test_a_dry_run_without_any_key_says_the_send_would_fail(srv, chat_file, clean_env, capsys):
    # Tester: "Authorization: Bearer ***" though no key existed anywhere; the send then failed.
    profile = ConnectionProfile("prod", "azure-v1", srv.v1_base_url, "gpt-4o", auth="key")
    save_settings(Settings(profiles=[profile]))
    args = [str(chat_file), "--profile", "prod", "--dry-run"]
    assert run_send(args) == 0
    captured = capsys.readouterr()
    assert "  Authorization: Bearer ***" in captured.out.splitlines()
    assert "chatdesk: warning: the real send would fail: No API key" in captured.err
    assert "AZURE_OPENAI_API_KEY is not set" in captured.err
    assert srv.requests == []


def test_a_dry_run_with_a_key_warns_of_nothing(srv, chat_file, clean_env, monkeypatch, capsys):
    profile = ConnectionProfile("prod", "azure-v1", srv.v1_base_url, "gpt-4o", auth="key")
    save_settings(Settings(profiles=[profile]))
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    assert run_send([str(chat_file), "--profile", "prod", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err
    assert KEY not in captured.out + captured.err
    assert srv.requests == []


def test_a_header_given_supplies_a_secret_header_the_keyring_lacks(
    clean_env, chat_file, monkeypatch, capsys
):
    # Tester, session 12: `send --header "Ocp-Apim-Subscription-Key: sub-123"` on a profile that
    # keeps that header in the keyring, the keyring lacking it: --dry-run listed the header
    # twice ("***" and "*** (from the keyring)") and the send failed "A header's value is
    # missing". The value given is the one sent, once.
    with FakeAzure(api_key=KEY) as srv:
        srv.gateway = Gateway(required={"Ocp-Apim-Subscription-Key": "sub-123"})
        profile = ConnectionProfile(
            "gw", "azure-v1", srv.v1_base_url, "gpt-4o", auth="key",
            secret_headers=["Ocp-Apim-Subscription-Key"],
        )  # fmt: skip
        save_settings(Settings(profiles=[profile]))
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
        header = "ocp-apim-subscription-key: sub-123"
        args = [str(chat_file), "--profile", "gw", "--header", header]
        assert run_send([*args, "--dry-run"]) == 0
        out, err = capsys.readouterr()
        assert [line for line in out.splitlines() if "subscription-key" in line.lower()] == [
            "  ocp-apim-subscription-key: ***"
        ]
        assert "warning" not in err
        assert run_send(args) == 0, capsys.readouterr().err
        assert srv.last_request.headers["ocp-apim-subscription-key"] == "sub-123"
