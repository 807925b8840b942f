"""EntraSession's failures become readable SignInErrors that never hold an issued token."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.identity import (
    AuthenticationRequiredError,
    CredentialUnavailableError,
)

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service.connections import Connections
from chatdesk.service.entra import (
    SCOPE,
    SignInError,
    SignInRequired,
)
from chatdesk.service.secrets import MemorySecretStore
from tests.service.test_azure_cli import az  # noqa: F401 -- the fake `az` fixture
from tests.support.entra_session import (
    SECRET_TOKEN,
    Factory,
    session,
)


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


# -- az signed in to another cloud -----------------------------------------------------------
AZ_OTHER_CLOUD = (
    "ERROR: AADSTS500011: The resource principal named {resource} was not found in the tenant "
    "named Contoso. This can happen if the application has not been installed by the "
    "administrator of the tenant or consented to by any user in the tenant. You might have sent "
    "your authentication request to the wrong tenant. Trace ID: 0000 Correlation ID: 1111\n"
)


@pytest.mark.usefixtures("az")
@pytest.mark.parametrize(
    ("domain", "az_cloud"),
    [
        ("azure.us", "AzureUSGovernment"),
        ("azure.cn", "AzureChinaCloud"),
        ("azure.com", "AzureCloud"),
    ],
)
def test_az_on_another_cloud_is_told_to_set_the_profile_s(
    monkeypatch: pytest.MonkeyPatch, domain: str, az_cloud: str
) -> None:
    """The tester (session 14): a Gov profile, az signed in to the public cloud; the advice
    was "Check the tenant and client ID…", which leads nowhere (and az takes no client ID)."""
    endpoint, resource = f"https://contoso.openai.{domain}/", f"https://cognitiveservices.{domain}"
    monkeypatch.setenv("FAKE_AZ_SAYS", AZ_OTHER_CLOUD.format(resource=resource))
    profile = ConnectionProfile(
        "gov", "azure-v1", endpoint, "gpt-4o", auth="entra", entra_mode="default"
    )
    connections = Connections(Settings(), secrets=MemorySecretStore(), env={})
    with pytest.raises(SignInError) as info:
        connections.entra_session(profile).sign_in(timeout=30)
    said = str(info.value)
    assert f"Run `az cloud set --name {az_cloud}`, then `az login`" in said
    assert f"({resource})" in said
    assert "client ID" not in said
