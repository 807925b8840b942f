"""How chatdesk reaches the network, for chat requests and Entra sign-in alike: one trust store
and one proxy choice.

Trust: the operating system's certificate store through `truststore` (so a company's
TLS-inspecting root CA that IT installed is trusted, as in the browser), plus the files named
by ``SSL_CERT_FILE`` and ``REQUESTS_CA_BUNDLE`` when set (https://truststore.readthedocs.io).
Chat requests get it as httpx's ``verify=``; sign-in as a requests session whose adapter uses
the same context, handed to azure-identity as its azure-core ``transport=``.

Proxy: one rule for every request (`proxy_url`): loopback goes direct, ``NO_PROXY`` is
honoured, then the app's own setting (`configure`), else the environment as every HTTP client
reads it (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``); the environment's user and password
are used for the same proxy as the setting's. A `trying` block puts other choices in force on
its thread (the Connections dialog's proxy, typed and not saved).

Sign-in follows the same rule request by request: `identity_transport` and `identity_session`
send each request through the choices in force where it is sent, so a credential built anywhere
signs in through what the dialog tries, and refreshes later through what is saved. A proxy that
cannot be reached or refuses the tunnel fails the request at once (`ProxyFailure`): azure-core
would send it three more times over ~5 s, and the same proxy refuses each.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

# The rule that lets a key go over plain http: the same addresses never go through a proxy.
from chatdesk.core.endpoints import is_loopback_host

if TYPE_CHECKING:  # ssl and urllib.request load with the first request, not at start-up
    import ssl

CA_FILE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# Seconds to connect, for chat requests and sign-in alike (a company proxy answers in well
# under a second; DNS and a TLS-inspecting proxy take their share).
CONNECT_TIMEOUT = 10.0


class NetworkSetupError(ValueError):
    """A CA file or proxy setting that cannot be used; the text says which and why."""


# Where the window edits the app's proxy setting (ui/connection_gateway.py).
WINDOW_PROXY_SETTING = "Connections → Gateway & cloud → Proxy"


class Network(msgspec.Struct, frozen=True):
    """The app's network choices. `proxy` None: the environment decides. `setting_place`:
    where the user changes the proxy setting, in the words of the front end that set it."""

    proxy: str | None = None
    setting_place: str = WINDOW_PROXY_SETTING


_lock = threading.Lock()
_current = Network()
# Test connection's choices, typed and not saved: for the thread (context) that tries them only.
_trial: contextvars.ContextVar[Network | None] = contextvars.ContextVar("trial", default=None)


def network_for(proxy: str | None, *, setting_place: str = WINDOW_PROXY_SETTING) -> Network:
    """The choices a proxy setting makes ("" or None: use the environment); `setting_place`
    names where the user edits it, for messages (`proxy_advice`). Raises NetworkSetupError for
    one that cannot be used."""
    text = (proxy or "").strip() or None
    if text is not None:
        problem = check_proxy(text)
        if problem is not None:
            raise NetworkSetupError(problem)
    return Network(text, setting_place)


def configure(proxy: str | None, *, setting_place: str = WINDOW_PROXY_SETTING) -> None:
    """Set the app's proxy ("" or None: use the environment). Clients built afterwards use it."""
    global _current
    network = network_for(proxy, setting_place=setting_place)
    with _lock:
        _current = network


def proxy_advice() -> str:
    """What to check about the proxy requests use, in words: the app's setting where it is
    edited, or the environment's variables when no setting is made."""
    network = current()
    if network.proxy is not None:
        return f"the proxy address in {network.setting_place}"
    return "HTTPS_PROXY (or HTTP_PROXY, NO_PROXY) in the environment"


def current() -> Network:
    """The choices in force: a `trying` block's on its own thread, else the app's."""
    trial = _trial.get()
    if trial is not None:
        return trial
    with _lock:
        return _current


@contextlib.contextmanager
def trying(network: Network | None) -> Iterator[None]:
    """Within the block, on this thread only, `network` replaces the app's choices: what is
    built (clients, transports) and explained (error texts) there uses it. For Test connection
    with a proxy typed but not saved; the rest of the app keeps the saved one. None: the app's
    choices."""
    token = _trial.set(network if network is not None else _trial.get())
    try:
        yield
    finally:
        _trial.reset(token)


def check_proxy(text: str) -> str | None:
    """Why `text` cannot be a proxy URL, or None."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        return f"The proxy {text!r} is not a valid URL (check the port)."
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        return "The proxy must look like http://proxy.example.com:8080"
    if parts.username or parts.password:
        return (
            "The proxy setting must not hold a user name or password (settings are not "
            "secret). Set HTTPS_PROXY in the environment for a proxy that needs them."
        )
    return None


def ssl_context(env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """The OS trust store plus SSL_CERT_FILE / REQUESTS_CA_BUNDLE (shared; do not modify).

    Raises NetworkSetupError when a named file cannot be read as certificates."""
    env = os.environ if env is None else env
    files = tuple(env.get(name, "").strip() for name in CA_FILE_VARIABLES)
    return _context(files)


@functools.lru_cache(maxsize=4)
def _context(files: tuple[str, ...]) -> ssl.SSLContext:
    import ssl

    import truststore  # here, not at import: the window's start-up needs no network yet

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for name, path in zip(CA_FILE_VARIABLES, files, strict=True):
        if not path:
            continue
        try:
            context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise NetworkSetupError(
                f"The certificate file {path} named by {name} cannot be used "
                f"({getattr(exc, 'strerror', None) or exc}). Fix or unset {name}."
            ) from None
    return context


_DEFAULT_PORTS = {"http": 80, "https": 443}


def http_client_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for httpx's Client: the trust store, and `network`: the choices in
    force now, which the transport applies to each host with `proxy_url` (a client keeps the
    choices it was built with)."""
    return {"verify": ssl_context(env), "network": current()}


def proxy_for(
    url: str, env: Mapping[str, str] | None = None, network: Network | None = None
) -> str | None:
    """The proxy a request to `url` goes through (without any user:password), or None."""
    proxy = proxy_url(url, env, network)
    return _without_credentials(proxy) if proxy else None


def proxy_url(
    url: str, env: Mapping[str, str] | None = None, network: Network | None = None
) -> str | None:
    """The proxy a request to `url` goes through, credentials included, or None: the one rule
    for chat, sign-in and the words that name the proxy (`network`: by default `current()`).

    - Loopback (localhost, 127.0.0.0/8, ::1) always goes direct: a local server or tunnel is
      never reached through a proxy, and a key sent to it in clear text never leaves the
      machine.
    - ``NO_PROXY`` / ``no_proxy`` is honoured for the app's setting as for the environment's
      proxies, with urllib's rules (`urllib.request.proxy_bypass_environment`: comma-separated
      hosts and domain suffixes, ``.corp.example`` or ``corp.example``, ``*``, ``host:port``).
    - The app's proxy setting wins over the environment's ``*_PROXY``, except that when the
      environment names the same proxy (scheme, host and port) with a user and password, that
      one is used: the setting cannot hold a password, and a 407 proxy needs one.

    The environment's proxies are urllib's `getproxies()` (httpx reads them too: on Windows and
    macOS also the system's), or `env` when given."""
    parts = urlsplit(url)
    if not parts.hostname or is_loopback_host(parts.hostname):
        return None
    proxies = _proxies(env)
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    if _bypassed(f"{parts.hostname}:{port}" if port else parts.hostname, proxies):
        return None
    found = proxies.get(parts.scheme) or proxies.get("all") or None
    found = _with_scheme(found) if found else None
    setting = (network if network is not None else current()).proxy
    if setting is None:
        return found
    if found is not None and "@" in urlsplit(found).netloc and _same_proxy(found, setting):
        return found
    return _with_scheme(setting)


def _proxies(env: Mapping[str, str] | None) -> dict[str, str]:
    if env is not None:
        return _environment_proxies(env)
    import urllib.request

    return dict(urllib.request.getproxies())


def _with_scheme(proxy: str) -> str:
    return proxy if "://" in proxy else f"http://{proxy}"


def _same_proxy(a: str, b: str) -> bool:
    """Whether two proxy URLs name the same proxy (scheme, host, port), credentials aside."""

    def where(url: str) -> tuple[str, str, int | None]:
        parts = urlsplit(_with_scheme(url))
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        return parts.scheme, (parts.hostname or "").lower(), port

    try:
        return where(a) == where(b)
    except ValueError:  # a port that is not a number
        return False


def _environment_proxies(env: Mapping[str, str]) -> dict[str, str]:
    # urllib's rules, as httpx and requests apply them: lower case wins, *_PROXY per scheme.
    found: dict[str, str] = {}
    for name, value in env.items():
        lowered = name.lower()
        if value and lowered.endswith("_proxy"):
            scheme = lowered[: -len("_proxy")]
            if name == lowered or scheme not in found:
                found[scheme] = value
    return found


def _bypassed(host: str, proxies: Mapping[str, str]) -> bool:
    no_proxy = proxies.get("no", "")
    if not no_proxy:
        return False
    import urllib.request

    # Public in urllib.request since Python 2, though typeshed leaves it out.
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return bool(bypass(host, {"no": no_proxy}))


def _without_credentials(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


# -- sign-in -----------------------------------------------------------------------------------
class ProxyFailure(ConnectionError):
    """A sign-in request the proxy did not carry: unreachable (`why`), or it refused the tunnel
    (`status`, such as "403 Forbidden"). Not an azure-core error, so azure-core's retry policy
    lets it through at once. `advice` is where to correct the proxy, as it was when it failed
    (a `trying` block's place)."""

    def __init__(self, proxy: str, host: str, why: str, status: str, advice: str) -> None:
        super().__init__(f"The proxy {proxy} did not carry the request to {host}: {why or status}")
        self.proxy = proxy
        self.host = host
        self.why = why
        self.status = status
        self.advice = advice


def unreachable_reason(chain: list[BaseException]) -> str | None:
    """Why a connection could not be made, in words, or None when the failure is another."""
    import socket

    text = " ".join(str(e) for e in chain).lower()
    # Linux's and urllib3 2's words too ("Temporary failure in name resolution", "Failed to
    # resolve"): `az` reports its failures as text (azure_cli.unreachable).
    named = ("name or service", "name resolution", "failed to resolve")
    if any(isinstance(e, socket.gaierror) for e in chain) or any(n in text for n in named):
        return "its name could not be resolved"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused"
    return "its name could not be resolved" if "getaddrinfo" in text else None


_watch: contextvars.ContextVar[list[ProxyFailure] | None] = contextvars.ContextVar(
    "proxy_failures", default=None
)


@contextlib.contextmanager
def watching_proxy() -> Iterator[list[ProxyFailure]]:
    """Within the block, on this thread, the sign-in requests' `ProxyFailure`s are added to the
    list yielded: a credential chain (DefaultAzureCredential) reports its failures as text."""
    failures: list[ProxyFailure] = []
    token = _watch.set(failures)
    try:
        yield failures
    finally:
        _watch.reset(token)


def _proxy_failure(exc: BaseException, url: str) -> ProxyFailure | None:
    """`exc` as a ProxyFailure when the proxy `url` goes through did not carry it."""
    import requests

    from chatdesk.service.certificates import wrapped

    chain = wrapped([exc])
    proxy = proxy_for(url)
    if proxy is None or not any(isinstance(e, requests.exceptions.ProxyError) for e in chain):
        return None
    text = " ".join(str(e) for e in chain)
    refused = re.search(r"Tunnel connection failed: (\d{3}[^'\")\]]*)", text)
    if refused is not None:
        why, status = "", refused.group(1).strip()
    elif any("Timeout" in type(e).__name__ for e in chain):
        why, status = f"no answer within {CONNECT_TIMEOUT:g} s", ""
    else:
        why, status = unreachable_reason(chain) or "the connection failed", ""
    failure = ProxyFailure(proxy, urlsplit(url).hostname or url, why, status, proxy_advice())
    noted = _watch.get()
    if noted is not None:
        noted.append(failure)
    return failure


def _files() -> tuple[str, ...]:
    return tuple(os.environ.get(n, "") for n in CA_FILE_VARIABLES)


def identity_transport() -> Any:
    """The azure-core transport for azure-identity: the same trust store and proxy as chat,
    those in force where each request is sent (`current()`)."""
    return _following_transport()


@functools.lru_cache(maxsize=1)
def _following_transport() -> Any:
    from azure.core.pipeline.transport import HttpTransport

    from chatdesk.core.deployments import READ_TIMEOUT

    class FollowingTransport(HttpTransport[Any, Any]):
        """Each request through the requests transport of the network in force."""

        def send(self, request: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("connection_timeout", CONNECT_TIMEOUT)
            kwargs.setdefault("read_timeout", READ_TIMEOUT)
            network = current()
            transport = _identity_transport(network, _files())
            kwargs.setdefault("proxies", _requests_proxies(str(request.url), network))
            try:
                return transport.send(request, **kwargs)
            except Exception as exc:
                failure = _proxy_failure(exc, str(request.url))
                if failure is None:
                    raise
                raise failure from exc

        def open(self) -> None:
            pass  # the per-network transports open their sessions on first use

        def close(self) -> None:
            pass  # shared: nothing is closed when one credential's pipeline is done

        def __exit__(self, *args: object) -> None:
            pass

    return FollowingTransport()


@functools.lru_cache(maxsize=4)
def _identity_transport(network: Network, files: tuple[str, ...]) -> Any:
    from azure.core.pipeline.transport import RequestsTransport

    return RequestsTransport(session=_session(network, files), session_owner=False)


def identity_session() -> Any:
    """MSAL's `http_client=`: requests-like `get` and `post` through the session of the network
    in force where each is called, with chatdesk's timeouts; a ProxyFailure as the transport."""
    return _FollowingSession()


class _FollowingSession:
    def get(self, url: str, **kwargs: Any) -> Any:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._send("POST", url, **kwargs)

    def close(self) -> None:
        pass  # the sessions are shared (`_session`)

    @staticmethod
    def _send(method: str, url: str, **kwargs: Any) -> Any:
        from chatdesk.core.deployments import READ_TIMEOUT

        kwargs.setdefault("timeout", (CONNECT_TIMEOUT, READ_TIMEOUT))
        network = current()
        kwargs.setdefault("proxies", _requests_proxies(url, network))
        try:
            return _session(network, _files()).request(method, url, **kwargs)
        except Exception as exc:
            failure = _proxy_failure(exc, url)
            if failure is None:
                raise
            raise failure from exc


@functools.lru_cache(maxsize=4)
def _session(network: Network, _files: tuple[str, ...]) -> Any:
    import requests
    from requests.adapters import HTTPAdapter

    context = ssl_context()

    class TrustStoreAdapter(HTTPAdapter):
        # requests' documented extension point for a custom SSLContext.
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            kwargs["ssl_context"] = context
            return super().proxy_manager_for(proxy, **kwargs)

    session = requests.Session()
    session.mount("https://", TrustStoreAdapter())
    session.mount("http://", TrustStoreAdapter())
    # Each request is given its proxy by `proxy_url`, the rule chat follows
    # (`_requests_proxies`): requests' own reading of the environment would let HTTPS_PROXY
    # override the app's setting and send loopback through it. CA files are in `context`.
    session.trust_env = False
    return session


def _requests_proxies(url: str, network: Network) -> dict[str, str]:
    """requests' `proxies=` for one request: `proxy_url`'s answer, or none (direct)."""
    proxy = proxy_url(url, network=network)
    return {"http": proxy, "https": proxy} if proxy else {}
