"""Sign-in that lasts on Linux without PyGObject: MSAL's token cache in the real Secret Service
(gnome-keyring under .ci/with-keyring.sh), against a local Entra ID (issue 17, item 5)."""

from __future__ import annotations

import importlib.util
import json
import os
import uuid

import pytest

from chatdesk.service import network
from chatdesk.service.entra import EntraSession
from chatdesk.service.secrets import keyring_status
from chatdesk.service.token_cache import KeyringPersistence, PersistenceNotFound
from tests.support.fake_entra import FakeEntra
from tests.support.netlab import TestCA

SCOPE = "https://cognitiveservices.azure.us/.default"


@pytest.fixture
def secret_service():
    status = keyring_status()
    if not status.secure:
        pytest.skip(f"no Secret Service available: {status.warning}")
    if os.environ.get("CHATDESK_KEYRING_SANDBOX") != "1":
        pytest.skip("run under .ci/with-keyring.sh for a throw-away Secret Service")
    if importlib.util.find_spec("gi") is not None:
        pytest.skip("PyGObject is installed: azure-identity's own cache is used")


@pytest.mark.keyring
def test_keyring_persistence_round_trips(secret_service):
    persistence = KeyringPersistence(f"test-{uuid.uuid4().hex}")
    with pytest.raises(PersistenceNotFound):
        persistence.load()
    persistence.save('{"AccessToken": {}}')
    assert persistence.load() == '{"AccessToken": {}}'
    assert persistence.time_last_modified() > 0
    persistence.delete()
    with pytest.raises(PersistenceNotFound):
        persistence.load()


@pytest.mark.keyring
def test_a_device_code_sign_in_is_remembered_across_sessions(secret_service, tmp_path,
                                                             monkeypatch):  # fmt: skip
    ca = TestCA("Fake Entra Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "root.pem")))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    record = tmp_path / "entra" / "work.json"
    codes = []
    with FakeEntra(ca.server_context("localhost")) as entra:

        def session() -> EntraSession:
            return EntraSession(
                "device-code", tenant_id="contoso", record_path=record,
                device_code_callback=codes.append, scope=SCOPE,
                authority=entra.authority, transport=network.identity_transport(),
            )  # fmt: skip

        first = session()
        account = first.sign_in(timeout=30)
        assert account.username == "alice@contoso.com"
        assert codes[0].user_code == "ABCD-1234"
        assert first.cache_warning is None
        assert record.exists()  # kept: the tokens are in a protected cache
        assert first.token_provider()() == "access-token-1"
        assert "access-token-1" in KeyringPersistence("chatdesk").load()  # in gnome-keyring

        # "The next launch": a new session finds the record and the cached token.
        requests_before = len(entra.token_requests)
        later = session()
        assert later.signed_in
        assert later.token_provider()() == "access-token-1"
        assert len(entra.token_requests) == requests_before  # silent, from the Secret Service

        later.sign_out()
        assert not session().signed_in
        # Signing out removes the account's tokens from the Secret Service, not just the record.
        cached = json.loads(KeyringPersistence("chatdesk").load())
        assert "access-token-1" not in json.dumps(cached)
        for kind in ("RefreshToken", "AccessToken", "IdToken", "Account"):
            assert cached.get(kind, {}) == {}, kind


@pytest.mark.keyring
def test_signing_out_keeps_tokens_another_profile_signed_in_with(secret_service, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    """Two profiles, one account: signing one out leaves the other signed in."""
    ca = TestCA("Fake Entra Root")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "root.pem")))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FakeEntra(ca.server_context("localhost")) as entra:

        def session(name: str) -> EntraSession:
            return EntraSession(
                "device-code", tenant_id="contoso", record_path=tmp_path / "entra" / name,
                device_code_callback=lambda code: None, scope=SCOPE,
                authority=entra.authority, transport=network.identity_transport(),
            )  # fmt: skip

        session("work.json").sign_in(timeout=30)
        session("test.json").sign_in(timeout=30)
        session("work.json").sign_out()
        other = session("test.json")
        assert other.signed_in
        before = len(entra.token_requests)
        assert other.token_provider()().startswith("access-token-")
        assert len(entra.token_requests) == before  # still silent: its tokens were kept
        other.sign_out()  # the last one: now the tokens go
        assert json.loads(KeyringPersistence("chatdesk").load()).get("RefreshToken", {}) == {}


@pytest.mark.keyring
def test_an_unreachable_authority_is_a_sign_in_error_not_a_cache_problem(secret_service,
                                                                         tmp_path):  # fmt: skip
    """Tester: Government-cloud device-code sign-in, no internet, a Secret Service running:
    "Could not reach Microsoft Entra ID" and under it "PyGObject is not installed ... signed in
    for this session only". MSAL reaches the authority as its credential is built; that failure
    was read as the cache's. Here the authority is a loopback port nothing listens on."""
    from chatdesk.service.entra import SignInError
    from tests.support.netlab import dead_port

    authority = f"127.0.0.1:{dead_port()}"
    s = EntraSession(
        "device-code", record_path=tmp_path / "entra" / "gov.json",
        device_code_callback=lambda _code: None, scope=SCOPE, authority=authority,
        transport=network.identity_transport(),
    )  # fmt: skip
    with pytest.raises(SignInError) as info:
        s.sign_in(timeout=30)
    assert str(info.value).startswith(f"Could not reach Microsoft Entra ID at {authority}.")
    assert f"ask IT to allow https://{authority}" in str(info.value)
    assert not s.signed_in
    assert s.cache_warning is None
