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

import certifi
import pytest

from chatdesk.core.profiles import ConnectionProfile
from chatdesk.core.settings import Settings
from chatdesk.service import network
from chatdesk.service.azure_cli import AzureCliThroughProxy
from chatdesk.service.ca_bundle import bundle_file
from chatdesk.service.connections import Connections
from chatdesk.service.entra import SignInError, exception_chain, make_credential
from chatdesk.service.entra_types import EntraMode
from chatdesk.service.network import network_for
from chatdesk.service.secrets import MemorySecretStore
from tests.support.fake_entra import FakeEntra
from tests.support.netlab import ConnectProxy, TestCA, clear_proxy_env

SETTING = "http://proxy.corp.example:8080"
PASSWORD = "s3cret-pr0xy-pw"
WITH_PASSWORD = f"http://alice:{PASSWORD}@proxy.corp.example:8080"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
PROFILE = ConnectionProfile(
    "work", "azure-v1", "https://contoso.openai.azure.com/", "gpt-4o",
    auth="entra", entra_mode="default",
)  # fmt: skip

FAKE_AZ = """#!{python}
import json, os, stat, sys, time
bundle = os.environ.get("REQUESTS_CA_BUNDLE")
seen = None
if bundle and os.path.isfile(bundle):
    with open(bundle) as f:
        seen = {{"mode": stat.S_IMODE(os.stat(bundle).st_mode), "text": f.read()}}
with open(os.environ["FAKE_AZ_RECORD"], "w") as f:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd(),
               "bundle": seen}}, f)
if os.environ.get("FAKE_AZ_HTTPS"):
    # As az asks Entra ID: Python requests, which reads HTTPS_PROXY, NO_PROXY and
    # REQUESTS_CA_BUNDLE (else certifi's roots) from its environment.
    import requests
    try:
        requests.get(os.environ["FAKE_AZ_HTTPS"], timeout=10).raise_for_status()
    except requests.exceptions.SSLError as exc:
        sys.stderr.write("ERROR: " + str(exc) + "\\nCertificate verification failed. This "
                         "typically happens when using Azure CLI behind a proxy that intercepts "
                         "traffic with a self-signed certificate. Please add this certificate "
                         "to the trusted CA bundle. More info: https://docs.microsoft.com/cli/"
                         "azure/use-cli-effectively#work-behind-a-proxy.\\n")
        sys.exit(1)
if os.environ.get("FAKE_AZ_SAYS"):  # one of AZ_SAYS, as az prints it
    sys.stderr.write(os.environ["FAKE_AZ_SAYS"])
    sys.exit(1)
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


# What `az account get-access-token` prints on stderr when it cannot reach Entra ID: azure-cli's
# handle_exception ("ERROR: " and the exception's text; an unexpected one with its traceback,
# shortened here; a certificate's with the CLI's own advice), in requests' and urllib3's words.
# From Azure/azure-cli issues 25126 (407), 22341 (403), 24518 and 11459 (a refused proxy),
# 21696 and 27321 (certificates) and 22734 (no name resolution), as urllib3 2.x words them.
_UNEXPECTED = "ERROR: The command failed with an unexpected error. Here is the traceback:\n"
_POOL = (
    "ERROR: HTTPSConnectionPool(host='login.microsoftonline.com', port=443): Max retries "
    "exceeded with url: /organizations/v2.0/.well-known/openid-configuration (Caused by "
)
_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/opt/az/lib/python3.12/site-packages/urllib3/connectionpool.py", line 773, in '
    "urlopen\n    self._prepare_proxy(conn)\n"
    "To check existing issues, please visit: https://github.com/Azure/azure-cli/issues\n"
)
AZ_SAYS = {
    "407": _UNEXPECTED + _POOL + "ProxyError('Unable to connect to proxy', OSError('Tunnel "
    "connection failed: 407 Proxy Authentication Required')))\n" + _TRACEBACK,
    "403": _UNEXPECTED + _POOL + "ProxyError('Unable to connect to proxy', OSError('Tunnel "
    "connection failed: 403 Forbidden')))\n" + _TRACEBACK,
    "refused": _UNEXPECTED + _POOL + "ProxyError('Unable to connect to proxy', "
    "NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1d0e50>: Failed "
    "to establish a new connection: [Errno 111] Connection refused')))\n" + _TRACEBACK,
    "certificate": _POOL + "SSLError(SSLCertVerificationError(1, '[SSL: "
    "CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in "
    "certificate chain (_ssl.c:1006)')))\nCertificate verification failed. This typically "
    "happens when using Azure CLI behind a proxy that intercepts traffic with a self-signed "
    "certificate. Please add this certificate to the trusted CA bundle. More info: "
    "https://docs.microsoft.com/cli/azure/use-cli-effectively#work-behind-a-proxy.\n",
    "no name": _UNEXPECTED + _POOL + 'NameResolutionError("<urllib3.connection.HTTPSConnection '
    "object at 0x7fb442ca7d60>: Failed to resolve 'login.microsoftonline.com' ([Errno -3] "
    'Temporary failure in name resolution)"))\n' + _TRACEBACK,
}
REACH = "The Azure CLI (az) could not reach Microsoft Entra ID. "
SETTING_PLACE = "Connections → Gateway & cloud → Proxy"


@pytest.mark.parametrize(
    ("says", "environment", "expected"),
    [
        (
            "407", None,
            REACH + f"The proxy {SETTING} answered 407 Proxy Authentication Required. Set "
            "HTTPS_PROXY=http://USER:PASSWORD@proxy.corp.example:8080 (the same proxy) in the "
            "environment before starting chatdesk: its user and password are then used for the "
            f"proxy in {SETTING_PLACE}, which holds no password. Or clear that field and set "
            "HTTPS_PROXY alone, or ask IT for a proxy address that does not need one.",
        ),
        (
            "407", WITH_PASSWORD,
            REACH + f"The proxy {SETTING} answered 407 Proxy Authentication Required. The proxy "
            "did not accept the user name and password given for it in HTTPS_PROXY (or "
            "HTTP_PROXY): correct them there and start chatdesk again.",
        ),
        (
            "403", WITH_PASSWORD,
            REACH + f"The proxy {SETTING} would not connect to login.microsoftonline.com: 403 "
            f"Forbidden. Check the proxy address in {SETTING_PLACE}, or ask IT whether this "
            "address is allowed.",
        ),
        (
            "refused", None,
            REACH + f"The proxy {SETTING} did not accept the connection (connection refused). "
            f"Check the proxy address in {SETTING_PLACE}, and that the proxy is running.",
        ),
    ],
    ids=["407", "407 with the environment's password", "403", "refused"],
)  # fmt: skip
def test_az_failing_on_the_way_says_why_and_names_the_proxy(
    az, monkeypatch, says, environment, expected
):
    # It said "No developer sign-in was found. Run `az login`" (helper connect's finding).
    if environment is not None:
        monkeypatch.setenv("HTTPS_PROXY", environment)
    monkeypatch.setenv("FAKE_AZ_SAYS", AZ_SAYS[says])
    with pytest.raises(SignInError) as info:
        signed_in(SETTING)
    assert str(info.value) == expected
    assert az()["env"]["HTTPS_PROXY"] == (environment or SETTING)  # what az was given
    assert PASSWORD not in str(info.value)


def test_a_proxy_tried_in_connections_is_the_one_named(az, monkeypatch):
    monkeypatch.setenv("FAKE_AZ_SAYS", AZ_SAYS["refused"])
    with pytest.raises(SignInError) as info:
        signed_in(SETTING, typed="http://typed.corp.example:3128")
    assert str(info.value) == (
        REACH + "The proxy http://typed.corp.example:3128 did not accept the connection "
        f"(connection refused). Check the proxy address in {SETTING_PLACE}, and that the proxy "
        "is running."
    )


def test_a_request_s_token_says_the_proxy_refused_too(az, monkeypatch):
    # No sign-in first: a chat request (or `chatdesk send`) asks for its token.
    monkeypatch.setenv("FAKE_AZ_SAYS", AZ_SAYS["refused"])
    connections = Connections(Settings(proxy=SETTING), secrets=MemorySecretStore(), env={})
    with pytest.raises(SignInError) as info:
        connections.entra_session(PROFILE).token_provider()()
    assert str(info.value).startswith(REACH + f"The proxy {SETTING} did not accept")


def test_az_without_a_proxy_that_cannot_reach_entra_id_says_so(az, monkeypatch):
    monkeypatch.setenv("FAKE_AZ_SAYS", AZ_SAYS["no name"])
    with pytest.raises(SignInError) as info:
        signed_in(None)
    assert str(info.value) == (
        REACH + "Could not reach Microsoft Entra ID at login.microsoftonline.com (its name could "
        "not be resolved). Check your internet connection (and proxy) and try again; behind a "
        "firewall, ask IT to allow https://login.microsoftonline.com."
    )
    assert proxies(az()["env"]) == {
        "NO_PROXY": "localhost,127.0.0.1,::1", "no_proxy": "localhost,127.0.0.1,::1",
    }  # fmt: skip


# -- a company's root CA: az reads REQUESTS_CA_BUNDLE only -----------------------------------
# A local Entra ID answers as login.microsoftonline.com through a loopback CONNECT proxy's
# route, its certificate signed by a company CA; the fake az asks it over HTTPS with Python
# requests, as az does. Nothing leaves the machine.
AUTHORITY = "login.microsoftonline.com"
DISCOVERY = f"https://{AUTHORITY}/organizations/v2.0/.well-known/openid-configuration"
TRUST_ADVICE = (
    " If your company inspects HTTPS traffic, name a file that holds its root certificate in "
    "SSL_CERT_FILE before starting chatdesk (chatdesk gives it to az), or choose browser or "
    "device-code sign-in. Otherwise the connection may be intercepted: do not work around it."
)


@pytest.fixture
def inspected(az, tmp_path, monkeypatch):
    """A company network: Entra ID reached through its proxy (the app's setting), shown with
    a certificate of the company's CA. Returns the CA and the proxy."""
    ca = TestCA("Contoso Inspection Root")
    monkeypatch.setenv("FAKE_AZ_HTTPS", DISCOVERY)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)  # what this machine names is not the test's
    with (
        FakeEntra(ca.server_context(AUTHORITY), host=AUTHORITY) as entra,
        ConnectProxy(routes={f"{AUTHORITY}:443": ("127.0.0.1", entra.port)}) as proxy,
    ):
        yield ca, proxy


def test_az_trusts_the_company_root_chatdesk_trusts(az, inspected, tmp_path, monkeypatch):
    # It failed: "The Azure CLI (az) did not trust the certificate of
    # login.microsoftonline.com: self-signed certificate in certificate chain."
    ca, proxy = inspected
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "contoso.pem")))
    account = signed_in(proxy.url)
    assert account.username == "ada@contoso.com"
    assert proxy.requests[0][:2] == ("CONNECT", f"{AUTHORITY}:443")
    run = az()
    bundle = run["bundle"]
    assert ca.pem.decode() in bundle["text"]
    with open(certifi.where()) as f:  # the public roots az trusted by itself are kept
        public = f.read()
    assert public.strip() in bundle["text"]
    assert bundle["mode"] == 0o600
    assert not os.path.exists(run["env"]["REQUESTS_CA_BUNDLE"])  # removed after the run


def test_a_bundle_of_the_user_s_own_is_kept_with_chatdesk_s(az, inspected, tmp_path, monkeypatch):
    ca, proxy = inspected
    other = TestCA("Fabrikam Root")
    mine = tmp_path / "mine.pem"
    mine.write_bytes(other.pem)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(mine))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "contoso.pem")))
    signed_in(proxy.url)
    run = az()
    assert other.pem.decode() in run["bundle"]["text"]
    assert ca.pem.decode() in run["bundle"]["text"]
    assert run["env"]["REQUESTS_CA_BUNDLE"] != str(mine)
    assert mine.read_bytes() == other.pem  # the user's file is left as it was


def test_a_curl_ca_bundle_az_would_have_read_is_kept(az, inspected, tmp_path, monkeypatch):
    # requests reads CURL_CA_BUNDLE when REQUESTS_CA_BUNDLE is not set: az trusted it before.
    ca, proxy = inspected
    monkeypatch.setenv("CURL_CA_BUNDLE", str(ca.write(tmp_path / "contoso.pem")))
    assert signed_in(proxy.url).username == "ada@contoso.com"
    assert ca.pem.decode() in az()["bundle"]["text"]


def test_az_still_not_trusting_the_certificate_says_what_it_was_given(
    az, inspected, tmp_path, monkeypatch
):
    _ca, proxy = inspected
    wrong = TestCA("Fabrikam Root").write(tmp_path / "fabrikam.pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(wrong))
    with bundle_file() as bundle:  # what az is given on this machine
        system = [s for s in bundle.sources if s.startswith("the system's")]
    with pytest.raises(SignInError) as info:
        signed_in(proxy.url)
    given = ", ".join(["certifi's public roots", *system])
    assert str(info.value) == (
        f"The Azure CLI (az) did not trust the certificate of {AUTHORITY}: self-signed "
        "certificate in certificate chain. chatdesk gave az the certificates it trusts "
        f"({given} and SSL_CERT_FILE ({wrong})), and none of them vouches for it."
        + TRUST_ADVICE
    )
    assert not os.path.exists(az()["env"]["REQUESTS_CA_BUNDLE"])


def test_az_s_own_words_about_a_certificate_are_read(az, monkeypatch):
    monkeypatch.setenv("FAKE_AZ_SAYS", AZ_SAYS["certificate"])
    with pytest.raises(SignInError) as info:
        signed_in(SETTING)
    assert str(info.value).startswith(
        "The Azure CLI (az) did not trust the certificate of login.microsoftonline.com: "
        "self-signed certificate in certificate chain. chatdesk gave az the certificates it "
        "trusts (certifi's public roots"
    )
    assert str(info.value).endswith(TRUST_ADVICE)


def test_a_ca_file_that_cannot_be_used_is_named_and_az_is_not_run(az, tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(SignInError) as info:
        signed_in(SETTING)
    assert f"The certificate file {tmp_path / 'missing.pem'} named by SSL_CERT_FILE cannot be " \
        "used" in str(info.value)
    assert "Fix or unset SSL_CERT_FILE." in str(info.value)
    assert not (tmp_path / "az-run.json").exists()
