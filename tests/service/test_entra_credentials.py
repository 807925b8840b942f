"""The real azure-identity credentials EntraSession makes (service/entra_credentials.py), and
the fallback to a memory cache when the OS token cache is unavailable."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    AuthenticationRequiredError,
    DefaultAzureCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
)

from chatdesk.service import entra_credentials
from chatdesk.service.entra import (
    SCOPE,
    EntraMode,
    EntraSession,
    SignInError,
    make_credential,
)
from tests.support.entra_session import (
    CLIENT,
    SECRET_TOKEN,
    TENANT,
    Factory,
    FakeCredential,
    make_record,
    session,
)

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
    monkeypatch.setattr(entra_credentials, "DeveloperCredential", default)
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


def test_no_cache_warning_when_the_sign_in_itself_failed(record_path: Path) -> None:
    """Tester: "You are signed in for this session only" under "Could not reach Microsoft
    Entra ID" — nobody was signed in."""
    from azure.core.exceptions import ServiceRequestError

    factory = Factory(authenticate_error=ServiceRequestError("Connection refused"))
    factory.fail_persistent = CACHE_ERROR
    s = session("device-code", record_path, factory, device_code_callback=lambda _c: None)
    with pytest.raises(SignInError, match="Could not reach Microsoft Entra ID"):
        s.sign_in()
    assert not s.signed_in
    assert s.cache_warning is None


def test_the_cache_warning_goes_with_the_sign_out(record_path: Path) -> None:
    factory = Factory()
    factory.fail_persistent = CACHE_ERROR
    s = session("browser", record_path, factory)
    s.sign_in()
    assert s.cache_warning is not None
    s.sign_out()
    assert s.cache_warning is None
