"""`chatdesk send --endpoint` with a gateway's full request URL pasted (tester: "?api-version=…
was removed", then "Add --api-version V", exit 1; without --deployment "--endpoint and
--deployment go together"). The URL names the deployment and the api-version, as the
Connections dialog reads them (`core.endpoints.fields_in_url`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fake_azure import FakeAzure, Gateway
from tests.support.request_bodies import as_conversation

ROOT = Path(__file__).resolve().parents[2]
# A conversation file: `send` writes the reply into it (never into a bare request body).
G1_JSON = json.dumps(
    as_conversation(
        {
            "model": "reasoner",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hello there"},
            ],
        }
    )
)


@pytest.fixture
def gw():
    with FakeAzure(api_key="test-key") as server:
        server.gateway = Gateway(prefix="/aoai", required={"Ocp-Apim-Subscription-Key": "sub-123"})
        yield server


@pytest.mark.parametrize("deployment", [["--deployment", "gpt-4o"], []])
def test_a_pasted_gateway_url_gives_the_deployment_and_api_version(gw, tmp_path, deployment):
    path = tmp_path / "g1.json"
    path.write_text(G1_JSON)
    url = f"{gw.url}/aoai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.update(AZURE_OPENAI_API_KEY="test-key", PYTHONPATH=str(ROOT),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "chatdesk", "send", str(path), "--endpoint", url, *deployment,
         "--header", "Ocp-Apim-Subscription-Key: sub-123"],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "You said: Hello there\n"
    assert "was removed" not in done.stderr
    assert "--api-version" not in done.stderr
    assert "chatdesk: note: --endpoint: The URL names api-version 2024-10-21." in (
        done.stderr.splitlines()
    )
    request = gw.requests[-1]
    assert (request.path, request.query) == (
        "/aoai/deployments/gpt-4o/chat/completions",
        {"api-version": "2024-10-21"},
    )
    reply = json.loads(path.read_text())["messages"][-1]
    assert (reply["role"], reply["metadata"]["deployment"]) == ("assistant", "gpt-4o")


def test_a_deployment_option_wins_over_the_url_s_with_a_note(gw, tmp_path, monkeypatch, capsys):
    from chatdesk.cli.send import run_send

    path = tmp_path / "g1.json"
    path.write_text(G1_JSON)
    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI")):
            monkeypatch.delenv(name)
    url = f"{gw.url}/aoai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    assert run_send([str(path), "--endpoint", url, "--deployment", "mini", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"POST {gw.url}/aoai/deployments/mini/chat/completions?api-version=")
    assert "--endpoint names the deployment 'gpt-4o'; sending to --deployment 'mini'" in err


def test_an_endpoint_naming_no_deployment_asks_for_one(tmp_path, capsys):
    from chatdesk.cli.send import run_send

    path = tmp_path / "g1.json"
    path.write_text(G1_JSON)
    assert run_send([str(path), "--endpoint", "https://x.openai.azure.com/"]) == 2
    assert "--endpoint needs --deployment D (the URL names no deployment)" in (
        capsys.readouterr().err
    )
