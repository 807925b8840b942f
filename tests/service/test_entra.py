"""EntraSession's tokens and sign-in with fake credentials: bearer tokens and their refresh,
browser and device-code sign-in, sign-out, the saved record, cancel and timeouts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import openai
import pytest

from chatdesk.service.entra import (
    SCOPE,
    DeviceCode,
    EntraSession,
    SignedIn,
    SignInCancelled,
    SignInError,
    SignInRequired,
)
from chatdesk.service.events import CancelToken
from tests.support.entra_session import (
    CLIENT,
    TENANT,
    Factory,
    make_record,
    session,
)
from tests.support.fake_azure import FakeAzure


# -- tokens ------------------------------------------------------------------------------------
def test_default_mode_provider_returns_bearer_tokens_and_reuses_a_fresh_one(
    record_path: Path,
) -> None:
    factory = Factory(lifetimes=[3600])
    s = session("default", record_path, factory)
    provider = s.token_provider()
    first = provider()
    assert first == "token-0"
    assert isinstance(first, str)
    assert first.strip() == first
    assert " " not in f"Bearer {first}".removeprefix("Bearer ")
    assert provider() == first
    assert s.token_provider()() == first  # a new provider shares the session's cache
    assert factory.credentials[0].get_token_calls == 1
    assert factory.credentials[0].scopes_seen == [(SCOPE,)]


def test_expiring_token_is_refreshed_on_the_next_call(record_path: Path) -> None:
    # 60 s left is inside azure-core's 5-minute refresh window (minus up to 60 s jitter).
    factory = Factory(lifetimes=[60, 3600])
    provider = session("default", record_path, factory).token_provider()
    assert provider() == "token-0"
    assert provider() == "token-1"
    assert provider() == "token-1"
    assert factory.credentials[0].get_token_calls == 2


def test_provider_works_as_openai_api_key_against_the_fake_server(record_path: Path) -> None:
    s = session("default", record_path, Factory())
    with FakeAzure(api_key=None, bearer_tokens={"token-0"}) as srv:
        client = openai.OpenAI(base_url=srv.v1_base_url, api_key=s.token_provider(), max_retries=0)
        reply = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices
        assert [r.auth_kind for r in srv.requests] == ["bearer"]
        assert all(r.authorized for r in srv.requests)


def test_signed_out_provider_stops_the_request_before_it_is_sent(record_path: Path) -> None:
    s = session("browser", record_path, Factory())
    s.sign_in()
    with FakeAzure(api_key=None, bearer_tokens={"token-0"}) as srv:
        client = openai.OpenAI(base_url=srv.v1_base_url, api_key=s.token_provider(), max_retries=2)
        messages: Any = [{"role": "user", "content": "hi"}]
        client.chat.completions.create(model="gpt-4o", messages=messages)
        s.sign_out()
        with pytest.raises(SignInRequired):
            client.chat.completions.create(model="gpt-4o", messages=messages)
        assert len(srv.requests) == 1


# -- browser / device-code sign-in --------------------------------------------------------------
def test_interactive_mode_needs_an_explicit_sign_in(record_path: Path) -> None:
    factory = Factory()
    s = session("browser", record_path, factory)
    assert not s.signed_in
    assert s.account is None
    with pytest.raises(SignInRequired) as info:
        s.token_provider()
    assert isinstance(info.value, SignInError)
    assert "No one is signed in" in str(info.value)
    assert factory.calls == [], "no credential (and so no browser) before the person asks"


def test_sign_in_saves_the_record_and_a_new_launch_knows_the_account(record_path: Path) -> None:
    factory = Factory()
    s = session("browser", record_path, factory)
    account = s.sign_in()
    assert account == SignedIn("ada@contoso.com", TENANT, "login.microsoftonline.com")
    assert s.signed_in
    assert factory.credentials[0].authenticate_calls == 1
    assert factory.calls[0]["authentication_record"] is None
    assert factory.calls[0]["persistent_cache"] is True
    assert s.token_provider()() == "token-0"
    saved = record_path.read_text(encoding="utf-8")
    assert "ada@contoso.com" in saved
    assert "token-" not in saved

    # Next launch: the record alone says who is signed in, with no credential and no network.
    factory2 = Factory()
    s2 = session("browser", record_path, factory2)
    assert s2.signed_in
    assert s2.account == account
    assert factory2.calls == []
    # The first token request builds the credential from the record (silent sign-in).
    assert s2.token_provider()() == "token-0"
    given = factory2.calls[0]["authentication_record"]
    assert given.username == "ada@contoso.com"
    assert given.home_account_id == f"oid.{TENANT}"
    assert factory2.credentials[0].authenticate_calls == 0


def test_sign_out_removes_the_record_and_the_credential(record_path: Path) -> None:
    s = session("browser", record_path, Factory())
    s.sign_in()
    provider = s.token_provider()
    assert provider() == "token-0"
    s.sign_out()
    assert not record_path.exists()
    assert not s.signed_in
    assert s.account is None
    with pytest.raises(SignInRequired):
        provider()  # an old provider does not keep using the dropped credential
    with pytest.raises(SignInRequired):
        s.token_provider()
    assert not session("browser", record_path, Factory()).signed_in
    s.sign_out()  # twice: no error


def test_record_of_another_app_or_garbage_is_ignored(record_path: Path) -> None:
    record_path.parent.mkdir(parents=True)
    record_path.write_text(make_record(client_id="another-app").serialize(), encoding="utf-8")
    assert not EntraSession(
        "browser", client_id=CLIENT, record_path=record_path, credential_factory=Factory()
    ).signed_in
    record_path.write_text("{not json", encoding="utf-8")
    assert not session("browser", record_path, Factory()).signed_in


def test_device_code_callback_receives_the_code(record_path: Path) -> None:
    seen: list[DeviceCode] = []
    s = session("device-code", record_path, Factory(), device_code_callback=seen.append)
    s.sign_in()
    assert len(seen) == 1
    code = seen[0]
    assert code.verification_uri == "https://microsoft.com/devicelogin"
    assert code.user_code == "ABCD-1234"
    assert code.expires_on > datetime.now(timezone.utc)
    assert s.signed_in


def test_device_code_without_a_callback_is_a_programming_error(record_path: Path) -> None:
    with pytest.raises(ValueError, match="device_code_callback"):
        session("device-code", record_path, Factory()).sign_in()


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # lets the abandoned sign-in thread end


def test_cancel_during_a_blocking_authenticate(record_path: Path, gate: threading.Event) -> None:
    factory = Factory(block=gate)
    s = session("browser", record_path, factory)
    cancel = CancelToken()
    cancelled_at: list[float] = []

    def press_cancel() -> None:
        time.sleep(0.2)
        cancelled_at.append(time.monotonic())
        cancel.cancel()

    threading.Thread(target=press_cancel, daemon=True).start()
    with pytest.raises(SignInCancelled):
        s.sign_in(cancel=cancel)
    assert time.monotonic() - cancelled_at[0] < 0.5
    assert factory.credentials[0].authenticate_calls == 1

    # When the abandoned attempt finishes later, it does not sign anybody in.
    gate.set()
    time.sleep(0.2)
    assert not s.signed_in
    assert not record_path.exists()


def test_sign_in_times_out(record_path: Path, gate: threading.Event) -> None:
    s = session("browser", record_path, Factory(block=gate))
    start = time.monotonic()
    with pytest.raises(SignInError, match=r"did not finish within 0\.3 seconds"):
        s.sign_in(timeout=0.3)
    assert time.monotonic() - start < 1.0
    assert not s.signed_in


def test_sign_out_during_sign_in_wins(record_path: Path, gate: threading.Event) -> None:
    s = session("browser", record_path, Factory(block=gate))
    threading.Timer(0.1, s.sign_out).start()
    threading.Timer(0.2, gate.set).start()
    with pytest.raises(SignInCancelled):
        s.sign_in()
    assert not s.signed_in
    assert not record_path.exists()
