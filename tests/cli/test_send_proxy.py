"""`chatdesk send` through a proxy that cannot be reached: the message names where the command
line's proxy comes from (the settings file, or HTTPS_PROXY), not a window menu that does not
exist ("Settings → Network", tester)."""

from __future__ import annotations

import json
import os

import pytest

from chatdesk.cli.send import run_send
from chatdesk.core.paths import settings_path
from chatdesk.core.settings import Settings, save_settings
from chatdesk.service import network
from tests.support.fake_azure import FakeAzure
from tests.support.netlab import COMPANY_HOST, ConnectProxy, dead_port


@pytest.fixture
def srv(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "test-key")
    with FakeAzure(api_key="test-key") as server:
        yield server
    network.configure(None)  # the process-wide proxy choice the command made


def send(tmp_path, endpoint: str, code: int = 1) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "Hello there"}]}))
    args = [str(path), "--endpoint", endpoint, "--deployment", "gpt-4o", "--no-stream"]
    assert run_send(args) == code


def company(srv: FakeAzure) -> str:
    """An endpoint beyond the proxy (loopback goes direct past any proxy)."""
    return f"https://{COMPANY_HOST}:{srv.port}/"


def test_a_dead_proxy_from_the_settings_names_the_settings_file(srv, tmp_path, capsys):
    dead = f"http://127.0.0.1:{dead_port()}"
    save_settings(Settings(proxy=dead))
    send(tmp_path, company(srv))
    err = " ".join(capsys.readouterr().err.split())
    assert f"Cannot reach the proxy: The proxy {dead} did not accept the connection" in err
    assert (
        f'Check the proxy address in the "proxy" field of {settings_path()} (in the window: '
        "Connections → Gateway & cloud → Proxy), and that the proxy is running."
    ) in err
    assert "Settings → Network" not in err
    assert srv.requests == []


def test_a_dead_proxy_from_the_environment_names_the_variable(srv, tmp_path, monkeypatch, capsys):
    dead = f"http://127.0.0.1:{dead_port()}"
    monkeypatch.setenv("HTTPS_PROXY", dead)
    monkeypatch.setenv("HTTP_PROXY", dead)
    send(tmp_path, company(srv))
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "Check HTTPS_PROXY (or HTTP_PROXY, NO_PROXY) in the environment, and that the proxy "
        "is running."
    ) in err
    assert srv.requests == []


def test_loopback_goes_direct_past_the_settings_proxy(srv, tmp_path, capsys):
    """Tester: a profile http://127.0.0.1:8765/ (azure-v1, gpt-4o, the key from
    AZURE_OPENAI_API_KEY) with the proxy http://127.0.0.1:44867 set sent the key through it in
    clear text. The window and the command line follow one rule (service/network.py)."""
    with ConnectProxy() as proxy:
        save_settings(Settings(proxy=proxy.url))
        send(tmp_path, f"http://127.0.0.1:{srv.port}/", code=0)
    assert proxy.requests == []
    assert srv.last_request.path == "/openai/v1/chat/completions"
    assert srv.last_request.authorized
    assert "You said: Hello there" in capsys.readouterr().out
