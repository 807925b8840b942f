"""`chatdesk send --dry-run` and a gateway's secret header whose value the keyring lacks: a real
`chatdesk` process against the real Secret Service (run under .ci/with-keyring.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings, save_settings
from chatdesk.service.client import header_secret_name
from chatdesk.service.secrets import KeyringSecretStore, Secret

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Ocp-Apim-Subscription-Key"
WARNING = (
    "chatdesk: warning: the real send would fail: A header's value is missing: No value is "
    f"stored for the header {HEADER} of profile"
)


@pytest.fixture
def keyring_store() -> KeyringSecretStore:
    """The Secret Service the `chatdesk` process will use (a throw-away one)."""
    if os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    from keyring.backends.SecretService import Keyring

    backend = Keyring()
    if backend.priority <= 0:  # type: ignore[operator]
        pytest.skip("no Secret Service on the session bus")
    return KeyringSecretStore(backend=backend)


def dry_run(tmp_path: Path, profile: ConnectionProfile, *extra: str) -> tuple[str, str]:
    save_settings(Settings(profiles=[profile]))
    path = tmp_path / "prof.json"
    doc = {"format": "chatdesk.conversation", "version": 2, "profile": profile.name,
           "messages": [{"role": "user", "content": "Via the profile"}]}  # fmt: skip
    path.write_text(json.dumps(doc))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "OPENAI"))}
    env.pop("PYTHON_KEYRING_BACKEND", None)  # the real keyring, as a user's send has it
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        ["chatdesk", "send", str(path), "--dry-run", *extra],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"  {HEADER}: *** (from the keyring)" in done.stdout.splitlines()
    return done.stdout, done.stderr


def gateway(name: str, **kwargs) -> ConnectionProfile:
    return ConnectionProfile(
        name, "azure-api-version", "http://127.0.0.1:8801/aoai/deployments/", "gpt-4o",
        secret_headers=[HEADER], **kwargs,
    )  # fmt: skip


def test_an_entra_profile_s_missing_secret_header_is_warned(keyring_store, tmp_path):
    # Tester: "Ocp-Apim-Subscription-Key: *** (from the keyring)" and no warning; the real
    # send then failed "No value is stored for the header ...".
    name = f"Azure OpenAI {uuid.uuid4().hex[:6]}"
    _out, err = dry_run(tmp_path, gateway(name, auth="entra"))
    assert f"{WARNING} '{name}'" in err


def test_a_missing_secret_header_is_warned_with_a_key_header_given(keyring_store, tmp_path):
    name = f"Azure OpenAI {uuid.uuid4().hex[:6]}"
    _out, err = dry_run(tmp_path, gateway(name, auth="key"), "--header", "api-key: test-key")
    assert f"{WARNING} '{name}'" in err


def test_a_stored_secret_header_is_not_warned(keyring_store, tmp_path):
    name = f"Azure OpenAI {uuid.uuid4().hex[:6]}"
    keyring_store.set(header_secret_name(name, HEADER), Secret("sub-123"))
    keyring_store.set(name, Secret("test-key"))
    try:
        out, err = dry_run(tmp_path, gateway(name, auth="key"))
    finally:
        keyring_store.delete(header_secret_name(name, HEADER))
        keyring_store.delete(name)
    assert "warning" not in err
    assert "sub-123" not in out + err
