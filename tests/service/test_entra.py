"""EntraSession tests with fake credentials: no network, no browser, no real token cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openai
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.identity import (
    AuthenticationRecord,
    AuthenticationRequiredError,
    CredentialUnavailableError,
    DefaultAzureCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
)

from chatdesk.service import entra_credentials
from chatdesk.service.entra import (
    SCOPE,
    DeviceCode,
    EntraMode,
    EntraSession,
    SignedIn,
    SignInCancelled,
    SignInError,
    SignInRequired,
    make_credential,
)
from tests.support.fake_azure import FakeAzure

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
SECRET_TOKEN = "eyJ0eXAiOiJKV1QiSECRET.TOKEN.VALUE"


def make_record(username: str = "ada@contoso.com", client_id: str = CLIENT) -> AuthenticationRecord:
    return AuthenticationRecord(
        TENANT, client_id, "login.microsoftonline.com", f"oid.{TENANT}", username
    )


class FakeCredential:
    """Speaks the TokenCredential protocol plus `authenticate` like the interactive ones."""

    def __init__(
        self,
        *,
        lifetimes: list[float] | None = None,
        record: AuthenticationRecord | None = None,
        authenticate_error: BaseException | None = None,
        get_token_error: BaseException | None = None,
        block: threading.Event | None = None,
        prompt_callback: Callable[[str, str, datetime], None] | None = None,
    ) -> None:
        self.lifetimes = lifetimes or [3600]
        self.record = record or make_record()
        self.authenticate_error = authenticate_error
        self.get_token_error = get_token_error
        self.block = block
        self.prompt_callback = prompt_callback
        self.get_token_calls = 0
        self.authenticate_calls = 0
        self.scopes_seen: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes_seen.append(scopes)
        if self.get_token_error is not None:
            raise self.get_token_error
        n = self.get_token_calls
        self.get_token_calls += 1
        lifetime = self.lifetimes[min(n, len(self.lifetimes) - 1)]
        return AccessToken(f"token-{n}", int(time.time() + lifetime))

    def authenticate(
        self, *, scopes: list[str] | None = None, **kwargs: Any
    ) -> AuthenticationRecord:
        self.authenticate_calls += 1
        assert scopes == [SCOPE]
        if self.prompt_callback is not None:
            expires = datetime.now(timezone.utc) + timedelta(minutes=15)
            self.prompt_callback("https://microsoft.com/devicelogin", "ABCD-1234", expires)
        if self.block is not None:
            self.block.wait(10)
        if self.authenticate_error is not None:
            raise self.authenticate_error
        return self.record


class Factory:
    """A credential_factory that records what EntraSession asked for."""

    def __init__(self, **credential_kwargs: Any) -> None:
        self.credential_kwargs = credential_kwargs
        self.calls: list[dict[str, Any]] = []
        self.credentials: list[FakeCredential] = []
        self.fail_persistent: BaseException | None = None

    def __call__(self, **kwargs: Any) -> FakeCredential:
        self.calls.append(kwargs)
        if kwargs["persistent_cache"] and self.fail_persistent is not None:
            raise self.fail_persistent
        credential = FakeCredential(
            prompt_callback=kwargs["prompt_callback"], **self.credential_kwargs
        )
        self.credentials.append(credential)
        return credential


@pytest.fixture
def record_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "entra-auth-record.json"


def session(mode: str, record_path: Path, factory: Factory, **kwargs: Any) -> EntraSession:
    return EntraSession(
        mode, tenant_id=TENANT, record_path=record_path, credential_factory=factory, **kwargs
    )


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
    assert "Sign in" in str(info.value)
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
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def press_cancel() -> None:
        time.sleep(0.2)
        cancelled_at.append(time.monotonic())
        cancel.set()

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


# -- the OS token cache is unavailable ---------------------------------------------------------

CACHE_ERROR = ValueError(
    "Cache encryption is impossible because libsecret dependencies are not installed or are "
    "unusable"
)


def test_cache_failing_at_construction_falls_back_to_memory(record_path: Path) -> None:
    factory = Factory()
    factory.fail_persistent = CACHE_ERROR
    s = session("browser", record_path, factory)
    s.sign_in()
    assert s.signed_in
    assert [c["persistent_cache"] for c in factory.calls] == [True, False]
    assert s.cache_warning is not None
    assert "sign" in s.cache_warning
    # Without a protected cache a new launch cannot sign in silently: no record is kept.
    assert not record_path.exists()
    assert s.token_provider()() == "token-0"


def test_cache_failing_on_first_use_falls_back_to_memory(record_path: Path) -> None:
    wrapped = ClientAuthenticationError(message=f"Authentication failed: {CACHE_ERROR}")
    wrapped.__cause__ = CACHE_ERROR

    class FirstUseFactory(Factory):
        def __call__(self, **kwargs: Any) -> FakeCredential:
            credential = super().__call__(**kwargs)
            if kwargs["persistent_cache"]:
                credential.authenticate_error = wrapped
            return credential

    factory = FirstUseFactory()
    s = session("browser", record_path, factory)
    assert s.sign_in().username == "ada@contoso.com"
    assert [c["persistent_cache"] for c in factory.calls] == [True, False]
    assert s.cache_warning is not None


# -- failures become readable SignInErrors -----------------------------------------------------


def wrapped_network_error() -> ClientAuthenticationError:
    # How azure-identity reports a failed DNS lookup: the transport error is the cause.
    exc = ClientAuthenticationError(message=f"Authentication failed: {SECRET_TOKEN}")
    exc.__cause__ = ServiceRequestError("Failed to resolve 'login.microsoftonline.com'")
    return exc


@pytest.mark.parametrize(
    ("mode", "error", "expected"),
    [
        (
            "default",
            CredentialUnavailableError(message=f"Azure CLI not found {SECRET_TOKEN}"),
            "No developer sign-in was found. Run `az login`, or choose browser or device-code "
            "sign-in.",
        ),
        (
            "default",
            ClientAuthenticationError(
                message="DefaultAzureCredential failed to retrieve a token from the included "
                f"credentials. Attempted credentials: {SECRET_TOKEN}"
            ),
            "No developer sign-in was found. Run `az login`",
        ),
        (
            "browser",
            ClientAuthenticationError(message=f"AADSTS50020: User account {SECRET_TOKEN}"),
            "does not belong to the tenant",
        ),
        (
            "browser",
            ClientAuthenticationError(message=f"AADSTS999999: something new {SECRET_TOKEN}"),
            "refused the sign-in (AADSTS999999)",
        ),
        (
            "browser",
            ClientAuthenticationError(message=f"bad response {SECRET_TOKEN}"),
            "refused the sign-in",
        ),
        (
            "browser",
            CredentialUnavailableError(message=f"Failed to open a browser {SECRET_TOKEN}"),
            "device-code sign-in",
        ),
        (
            "device-code",
            ClientAuthenticationError(
                message=f"Timed out after waiting 300 seconds for the user to authenticate "
                f"{SECRET_TOKEN}"
            ),
            "not completed in time",
        ),
        (
            "browser",
            ServiceRequestError(f"Failed to establish a new connection {SECRET_TOKEN}"),
            "Check your internet connection",
        ),
        (
            "device-code",
            wrapped_network_error(),
            "Check your internet connection",
        ),
        ("browser", RuntimeError(SECRET_TOKEN), "Sign-in failed unexpectedly (RuntimeError)"),
    ],
)
def test_sign_in_failures_become_readable_messages(
    record_path: Path, mode: str, error: Exception, expected: str
) -> None:
    factory = Factory(authenticate_error=error, get_token_error=error)
    s = session(mode, record_path, factory, device_code_callback=lambda _code: None)
    with pytest.raises(SignInError) as info:
        s.sign_in()
    assert expected in str(info.value)
    assert SECRET_TOKEN not in str(info.value)
    assert not s.signed_in
    assert not record_path.exists()


@pytest.mark.parametrize(
    ("mode", "error", "kind", "expected"),
    [
        ("browser", AuthenticationRequiredError([SCOPE]), SignInRequired, "Sign in again"),
        (
            "browser",
            ClientAuthenticationError(message=f"AADSTS700082: token expired {SECRET_TOKEN}"),
            SignInRequired,
            "expired",
        ),
        ("default", CredentialUnavailableError(message=SECRET_TOKEN), SignInError, "az login"),
    ],
)
def test_token_request_failures_are_sign_in_errors(
    record_path: Path, mode: str, error: Exception, kind: type[SignInError], expected: str
) -> None:
    s = session(mode, record_path, Factory(get_token_error=error))
    if mode == "browser":
        s.sign_in()
    with pytest.raises(kind) as info:
        s.token_provider()()
    assert expected in str(info.value)
    assert SECRET_TOKEN not in str(info.value)


def test_no_error_text_contains_a_token_that_was_issued(record_path: Path) -> None:
    # A token obtained earlier must not show up in a later failure either.
    factory = Factory()
    s = session("browser", record_path, factory)
    s.sign_in()
    token = s.token_provider()()
    factory.credentials[0].get_token_error = ClientAuthenticationError(message=f"bad {token}")
    s.sign_out()
    s.sign_in()
    factory.credentials[-1].get_token_error = ClientAuthenticationError(message=f"bad {token}")
    with pytest.raises(SignInError) as info:
        s.token_provider()()
    assert token not in str(info.value)
    assert repr(s).count("token") == 0


# -- the real azure-identity factory -----------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.kwargs: dict[str, Any] = {}

    def __call__(self, **kwargs: Any) -> Recorder:
        self.kwargs = kwargs
        return self


def test_make_credential_options(monkeypatch: pytest.MonkeyPatch) -> None:
    browser, device, default = Recorder(), Recorder(), Recorder()
    monkeypatch.setattr(entra_credentials, "InteractiveBrowserCredential", browser)
    monkeypatch.setattr(entra_credentials, "DeviceCodeCredential", device)
    monkeypatch.setattr(entra_credentials, "DefaultAzureCredential", default)
    opened: list[Any] = []
    monkeypatch.setattr(entra_credentials, "_open_persistent_cache", opened.append)
    record = make_record()

    make_credential(
        mode=EntraMode.BROWSER, tenant_id=TENANT, client_id=CLIENT, authentication_record=record
    )
    options = browser.kwargs.pop("cache_persistence_options")
    assert opened == [options], "the OS cache is opened up front, before any sign-in starts"
    assert options.name == "chatdesk"
    assert options.allow_unencrypted_storage is False
    assert browser.kwargs == {
        "tenant_id": TENANT,
        "client_id": CLIENT,
        "authentication_record": record,
        "disable_automatic_authentication": True,
        "timeout": 300,
    }

    def prompt(uri: str, code: str, expires: datetime) -> None: ...

    make_credential(
        mode=EntraMode.DEVICE_CODE, prompt_callback=prompt, persistent_cache=False, timeout=42
    )
    assert device.kwargs == {
        "prompt_callback": prompt,
        "authentication_record": None,
        "disable_automatic_authentication": True,
        "timeout": 42,
    }

    make_credential(mode=EntraMode.DEFAULT)
    assert default.kwargs == {"exclude_interactive_browser_credential": True}


def test_make_credential_builds_real_azure_identity_credentials() -> None:
    # Construction only: no network, no browser, no cache access until a token is requested.
    # (persistent_cache=False: whether the OS cache opens depends on the machine.)
    assert isinstance(
        make_credential(mode=EntraMode.BROWSER, tenant_id=TENANT, persistent_cache=False),
        InteractiveBrowserCredential,
    )
    assert isinstance(
        make_credential(
            mode=EntraMode.DEVICE_CODE, prompt_callback=lambda *_: None, persistent_cache=False
        ),
        DeviceCodeCredential,
    )
    assert isinstance(make_credential(mode=EntraMode.DEFAULT), DefaultAzureCredential)


def test_real_browser_credential_never_prompts_from_a_token_request() -> None:
    # What token_provider relies on: with automatic authentication disabled, azure-identity
    # refuses before any browser, network or cache access.
    credential = make_credential(mode=EntraMode.BROWSER, persistent_cache=False)
    with pytest.raises(AuthenticationRequiredError):
        credential.get_token(SCOPE)


def test_default_record_path_honours_chatdesk_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHATDESK_HOME", str(tmp_path))
    s = EntraSession("browser", credential_factory=Factory())
    assert s.record_path == tmp_path / "config" / "entra-auth-record.json"
    assert not s.signed_in


def test_real_factory_falls_back_when_the_os_cache_cannot_open(
    monkeypatch: pytest.MonkeyPatch, record_path: Path
) -> None:
    built: list[dict[str, Any]] = []

    def fake_browser_credential(**kwargs: Any) -> FakeCredential:
        built.append(kwargs)
        return FakeCredential()

    def no_libsecret(_options: Any) -> None:
        raise CACHE_ERROR

    monkeypatch.setattr(entra_credentials, "InteractiveBrowserCredential", fake_browser_credential)
    monkeypatch.setattr(entra_credentials, "_open_persistent_cache", no_libsecret)
    s = EntraSession("browser", record_path=record_path)
    assert s.sign_in().username == "ada@contoso.com"
    assert len(built) == 1
    assert "cache_persistence_options" not in built[0]
    assert s.cache_warning is not None
    assert not record_path.exists()


def test_factory_failure_is_a_sign_in_error(record_path: Path) -> None:
    def broken(**_kwargs: Any) -> FakeCredential:
        raise ValueError(f"Invalid tenant id provided {SECRET_TOKEN}")

    s = EntraSession("browser", record_path=record_path, credential_factory=broken)
    with pytest.raises(SignInError, match="unexpectedly") as info:
        s.sign_in()
    assert SECRET_TOKEN not in str(info.value)
    assert s.cache_warning is None


def test_the_cache_warning_names_the_real_cause() -> None:
    from chatdesk.service.entra import cache_warning

    # What azure-identity raises on Linux without PyGObject, as it chains it.
    try:
        try:
            try:
                import gi  # noqa: F401
            except ModuleNotFoundError as missing:
                raise ImportError("Unable to import module 'gi'") from missing
        except ImportError as exc:
            raise ValueError("Cache encryption is impossible because libsecret ...") from exc
    except ValueError as exc:
        warning = cache_warning(exc)
    assert "PyGObject (the Python module 'gi') is not installed" in warning
    assert "no protected token store" not in warning
    locked = cache_warning(ValueError("Cache encryption is impossible: the collection is locked"))
    assert "keyring is locked" in locked


def test_without_pygobject_the_real_credential_says_so(monkeypatch) -> None:
    """On this machine (pip install, no PyGObject) and no Secret Service to fall back on, the
    cause is named, not 'no keyring'."""
    import importlib.util

    from chatdesk.service import entra_credentials
    from chatdesk.service.entra import EntraMode, cache_warning, make_credential

    if importlib.util.find_spec("gi") is not None:
        pytest.skip("PyGObject is installed here: the persistent cache can open")
    monkeypatch.setattr(entra_credentials, "_secret_service_cache", lambda failure: None)
    with pytest.raises(Exception) as info:  # noqa: PT011 -- what azure-identity raises varies
        make_credential(mode=EntraMode.BROWSER, persistent_cache=True)
    assert "PyGObject" in cache_warning(info.value)
