"""The certificates chatdesk trusts, as one PEM file for a program that reads only a file.

The Azure CLI (`az`) is Python requests: it trusts its own copy of certifi's public roots, or
instead the one file named by REQUESTS_CA_BUNDLE (CURL_CA_BUNDLE when that is not set), and
reads neither the system's certificate store nor SSL_CERT_FILE. chatdesk trusts the system's
store (truststore) plus SSL_CERT_FILE and REQUESTS_CA_BUNDLE (service/network.py), so behind a
company's TLS-inspecting proxy chat worked and `az account get-access-token` failed on the
certificate. The file `bundle_file` writes for one run of such a program holds:

- certifi's public roots (what az trusts by itself: naming a file replaces them, and an
  Entra ID authority that NO_PROXY sends direct still shows a public certificate);
- the system's CA file, where update-ca-certificates / update-ca-trust put a company root on
  Linux (OpenSSL's compiled-in file, else the places truststore looks), or on Windows the
  roots of the certificate store trusted for server authentication (`ssl.enum_certificates`,
  as `ssl.SSLContext.load_default_certs` reads them). A macOS keychain is not read: there the
  company root reaches az through SSL_CERT_FILE;
- the files named by SSL_CERT_FILE and REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE), as they are.

It holds public certificates only; it is written private (0600, `tempfile.mkstemp`) and
removed when the block ends. Cost: about 0.5 MB read and written per run of `az` (a token
is asked for about once an hour), a few milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import sys
import tempfile
from collections.abc import Iterator, Mapping

import msgspec

from chatdesk.service.network import CA_FILE_VARIABLES, ssl_context

# Where Linux distributions keep the system's CA file, as truststore looks for it when
# OpenSSL's compiled-in file is missing (truststore/_openssl.py).
SYSTEM_CA_FILES = (
    "/etc/ssl/cert.pem",  # Alpine, Arch, Fedora 34-43, RHEL 9-10, BSD
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # Fedora 44+, RHEL 11+
    "/etc/pki/tls/cert.pem",  # Fedora <= 34, RHEL <= 9
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/ssl/ca-bundle.pem",  # SUSE
)
_SERVER_AUTH = "1.3.6.1.5.5.7.3.1"  # the extended key usage a TLS server's CA is trusted for


class Bundle(msgspec.Struct, frozen=True):
    """`path`: the file (None: nothing to add, the program keeps its own list); `sources`:
    what it holds, in words ("SSL_CERT_FILE (/etc/corp/root.pem)")."""

    path: str | None = None
    sources: tuple[str, ...] = ()


@contextlib.contextmanager
def bundle_file(env: Mapping[str, str] | None = None) -> Iterator[Bundle]:
    """The certificates chatdesk trusts under `env` (default os.environ) written to a private
    temporary file for the block, removed after it. Raises NetworkSetupError (before anything
    is written) when a file named by SSL_CERT_FILE or REQUESTS_CA_BUNDLE cannot be used, as
    every request of chatdesk's own does."""
    env = os.environ if env is None else env
    ssl_context(env)  # the one rule for a named file that cannot be used
    parts: list[bytes] = []
    sources: list[str] = []
    system = _system_certificates()
    if system is not None:
        parts.append(system[1])
        sources.append(system[0])
    named = [*CA_FILE_VARIABLES]
    if not env.get("REQUESTS_CA_BUNDLE", "").strip():
        named.append("CURL_CA_BUNDLE")  # requests' second choice, which az would have read
    for name in named:
        path = env.get(name, "").strip()
        data = _read(path) if path else None
        if data is not None and data not in parts:
            parts.append(data)
            sources.append(f"{name} ({path})")
    if not parts:  # nothing beyond certifi's roots, which the program has itself
        yield Bundle()
        return
    public = _certifi()
    if public is not None:
        parts.insert(0, public)
        sources.insert(0, "certifi's public roots")
    try:
        handle, path = tempfile.mkstemp(prefix="chatdesk-ca-", suffix=".pem")
    except OSError:  # no temp folder to write in: the program runs with its own list
        yield Bundle()
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(b"\n".join(part.rstrip(b"\n") + b"\n" for part in parts))
        yield Bundle(path, tuple(sources))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _system_certificates() -> tuple[str, bytes] | None:
    """The system's trusted roots as PEM, and where they came from in words."""
    if sys.platform == "win32":
        pems = []
        for store in ("ROOT", "CA"):
            for der, encoding, trust in ssl.enum_certificates(store):
                trusted = trust is True or (isinstance(trust, set) and _SERVER_AUTH in trust)
                if encoding == "x509_asn" and trusted:
                    pems.append(ssl.DER_cert_to_PEM_cert(der))
        data = "".join(pems).encode("ascii")
        return ("the Windows certificate store", data) if data else None
    compiled = ssl.get_default_verify_paths().openssl_cafile
    for path in (compiled, *SYSTEM_CA_FILES):
        data = _read(path) if path and os.path.isfile(path) else None
        if data:
            return f"the system's CA file {os.path.realpath(path)}", data
    return None


def _certifi() -> bytes | None:
    try:
        import certifi
    except ImportError:
        return None
    return _read(certifi.where())


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data if b"-----BEGIN" in data else None
