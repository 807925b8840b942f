"""Developer sign-in through the Azure CLI takes the proxy chat takes (session 11's list: "az
CLI ignores the app's proxy"). A fake `az` first on PATH records the environment it was run
with and answers as `az account get-access-token --output json` does; the sign-in is the real
one (Connections → EntraSession → DefaultAzureCredential), its chain held to the Azure CLI by
AZURE_TOKEN_CREDENTIALS so nothing else is asked (no managed-identity probe leaves the machine).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
from pathlib import Path

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service import network
from chatdesk.service.azure_cli import AzureCliThroughProxy
from chatdesk.service.connections import Connections
from chatdesk.service.entra import SignInError, exception_chain, make_credential
from chatdesk.service.entra_types import EntraMode
from chatdesk.service.network import network_for
from chatdesk.service.secrets import MemorySecretStore
from tests.support.netlab import clear_proxy_env

SETTING = "http://proxy.corp.example:8080"
PASSWORD = "s3cret-pr0xy-pw"
WITH_PASSWORD = f"http://alice:{PASSWORD}@proxy.corp.example:8080"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
PROFILE = ConnectionProfile(
    "work", "azure-v1", "https://contoso.openai.azure.com/", "gpt-4o",
    auth="entra", entra_mode="default",
)  # fmt: skip

FAKE_AZ = """#!{python}
import json, os, sys, time
with open(os.environ["FAKE_AZ_RECORD"], "w") as f:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}, f)
if os.environ.get("FAKE_AZ_FAIL"):
    # As az says a refused tunnel, quoting the proxy it was given.
    sys.stderr.write("ERROR: HTTPSConnectionPool(host='login.microsoftonline.com', port=443): "
                     "Max retries exceeded (Caused by ProxyError('Unable to connect to proxy "
                     + os.environ.get("HTTPS_PROXY", "none") + "'))\\n"
                     + "proxy: " + os.environ.get("HTTPS_PROXY", "").split("//")[-1] + "\\n")
    sys.exit(1)
print(json.dumps({{"accessToken": {token!r}, "expires_on": int(time.time()) + 3600,
                  "tokenType": "Bearer"}}))
"""


def _jwt(claims: dict[str, str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{body}.signature"


@pytest.fixture
def az(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The fake `az`; returns a function reading what its last run saw."""
    clear_proxy_env(monkeypatch)
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "az"
    token = _jwt({"upn": "ada@contoso.com", "tid": "contoso"})
    script.write_text(FAKE_AZ.format(python=sys.executable, token=token))
    script.chmod(0o755)
    record = tmp_path / "az-run.json"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_AZ_RECORD", str(record))
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    yield lambda: json.loads(record.read_text())
    network.configure(None)


def signed_in(proxy: str | None = None, *, typed: str | None = None):
    """Sign in as the developer for a profile, with the app's proxy setting `proxy` saved and
    `typed` tried (Connections' Sign in, before Save), as the window and the CLI do."""
    settings = Settings(proxy=proxy)
    connections = Connections(settings, secrets=MemorySecretStore(), env={})
    session = connections.entra_session(PROFILE)
    trying = network_for(typed) if typed is not None else None
    return session.sign_in(timeout=30, network=trying)


def proxies(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.lower().endswith("_proxy")}


def test_az_gets_the_app_s_proxy_setting(az, monkeypatch):
    account = signed_in(SETTING)
    assert account.username == "ada@contoso.com"
    run = az()
    assert run["argv"][:4] == ["account", "get-access-token", "--output", "json"]
    assert run["argv"][4:] == ["--resource", "https://cognitiveservices.azure.com"]
    env = run["env"]
    assert env["HTTPS_PROXY"] == env["https_proxy"] == SETTING
    assert set(env["NO_PROXY"].split(",")) == LOOPBACK == set(env["no_proxy"].split(","))


def test_the_environment_s_password_for_the_same_proxy_goes_with_it(az, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", WITH_PASSWORD)
    monkeypatch.setenv("NO_PROXY", ".corp.example,intranet")
    signed_in(SETTING)
    env = az()["env"]
    assert env["HTTPS_PROXY"] == env["https_proxy"] == WITH_PASSWORD  # as chat sends it
    assert env["NO_PROXY"] == ".corp.example,intranet,localhost,127.0.0.1,::1"


def test_the_setting_wins_over_another_proxy_in_the_environment(az, monkeypatch):
    monkeypatch.setenv("https_proxy", "http://other.example:3128")  # lower case wins in urllib
    monkeypatch.setenv("ALL_PROXY", "socks5://other.example:1080")
    signed_in(SETTING)
    assert proxies(az()["env"]) == {
        "HTTPS_PROXY": SETTING, "https_proxy": SETTING,
        "NO_PROXY": "localhost,127.0.0.1,::1", "no_proxy": "localhost,127.0.0.1,::1",
    }  # fmt: skip


def test_a_proxy_typed_in_connections_is_tried_by_the_sign_in(az):
    signed_in(None, typed="http://typed.corp.example:3128")
    assert az()["env"]["HTTPS_PROXY"] == "http://typed.corp.example:3128"
    assert network.current().proxy is None  # nothing saved


def test_the_token_a_request_carries_comes_through_the_saved_proxy(az):
    # Without a sign-in first: a chat request (or `chatdesk send`) asks for its token.
    connections = Connections(Settings(proxy=SETTING), secrets=MemorySecretStore(), env={})
    token = connections.entra_session(PROFILE).token_provider()()
    assert token.startswith("eyJhbGciOiJub25lIn0.")
    assert az()["env"]["HTTPS_PROXY"] == SETTING


def test_an_authority_no_proxy_names_goes_direct(az, monkeypatch):
    monkeypatch.setenv("NO_PROXY", ".microsoftonline.com")
    monkeypatch.setenv("HTTPS_PROXY", WITH_PASSWORD)
    signed_in(SETTING)
    env = az()["env"]
    assert proxies(env) == {
        "NO_PROXY": ".microsoftonline.com,localhost,127.0.0.1,::1",
        "no_proxy": ".microsoftonline.com,localhost,127.0.0.1,::1",
    }


def test_the_proxy_password_is_in_no_message_or_log(az, monkeypatch, caplog):
    monkeypatch.setenv("HTTPS_PROXY", WITH_PASSWORD)
    monkeypatch.setenv("FAKE_AZ_FAIL", "1")
    for name in ("azure", "azure.identity", "msal", "chatdesk"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SignInError) as info:
        signed_in(SETTING)
    assert az()["env"]["HTTPS_PROXY"] == WITH_PASSWORD  # the CLI was given it, and said it
    texts = [str(e) for e in exception_chain(info.value)] + [caplog.text]
    assert any("Unable to connect to proxy" in t for t in texts)  # the CLI's words are kept
    assert not [t for t in texts if PASSWORD in t]


def test_every_developer_credential_runs_az_through_the_proxy(monkeypatch):
    # The chain as azure-identity builds it by default, built only: its CLI member is ours.
    monkeypatch.delenv("AZURE_TOKEN_CREDENTIALS", raising=False)
    credential = make_credential(mode=EntraMode.DEFAULT, authority="login.microsoftonline.us")
    from azure.identity import AzureCliCredential

    members = credential.credentials
    clis = [m for m in members if isinstance(m, AzureCliThroughProxy)]
    assert [cli.authority for cli in clis] == ["login.microsoftonline.us"]
    assert not [m for m in members if isinstance(m, AzureCliCredential)]


def test_a_token_is_never_quoted_from_output_az_should_not_give(az, tmp_path, monkeypatch):
    script = tmp_path / "bin" / "az"
    script.write_text(f'#!{sys.executable}\nprint(\'{{"accessToken": "abc.SECRET", "x": 1}}\')\n')
    cli = AzureCliThroughProxy()
    from azure.identity import CredentialUnavailableError

    with pytest.raises(CredentialUnavailableError) as info:
        cli.get_token("https://cognitiveservices.azure.com/.default")
    assert "SECRET" not in str(info.value)
