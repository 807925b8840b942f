"""Why a TLS connection was not trusted, in words that let a person act: which certificate
(subject and issuer) the server showed, and what OpenSSL said about it.

Used after a verification failure only. The certificate is fetched again without verifying it
(through the same proxy, if any), read, and the connection closed: nothing is sent over it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

import msgspec

PROBE_TIMEOUT = 3.0  # seconds; this runs on a failure path the person is waiting on


class PeerCertificate(msgspec.Struct, frozen=True):
    subject: str
    issuer: str

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer


def verification_failure(chain: Iterable[BaseException]) -> ssl.SSLCertVerificationError | None:
    """The certificate verification error among exceptions and what they wrap, if any.

    urllib3 and azure-core keep the cause in attributes (`reason`, `inner_exception`, `args`)
    rather than only in `__cause__`, so those are followed too."""
    for item in wrapped(chain):
        if isinstance(item, ssl.SSLCertVerificationError):
            return item
    return None


def wrapped(chain: Iterable[BaseException]) -> list[BaseException]:
    """Every exception reachable from `chain` through causes, contexts and wrapper attributes."""
    seen: list[BaseException] = []
    todo = list(chain)
    while todo and len(seen) < 50:
        item = todo.pop(0)
        if any(item is s for s in seen):
            continue
        seen.append(item)
        linked = [item.__cause__, item.__context__]
        linked += [getattr(item, name, None) for name in ("reason", "inner_exception", "error")]
        linked += list(item.args)
        todo += [x for x in linked if isinstance(x, BaseException)]
    return seen


def reason(error: ssl.SSLCertVerificationError) -> str:
    """OpenSSL's reason ("self-signed certificate in certificate chain", ...)."""
    return (error.verify_message or error.reason or "verification failed").strip()


def peer_certificate(url: str, proxy: str | None = None) -> PeerCertificate | None:
    """The certificate the server at `url` presents, or None when it cannot be fetched."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return None
    port = parts.port or 443
    try:
        der = _fetch(host, port, proxy)
    except (OSError, ValueError):
        return None
    return _describe(der) if der else None


def _fetch(host: str, port: int, proxy: str | None) -> bytes | None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to read the certificate; nothing is sent
    if proxy:
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        sock = socket.create_connection((p.hostname or "", p.port or 8080), PROBE_TIMEOUT)
        try:
            sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            reply = b""
            while b"\r\n\r\n" not in reply and len(reply) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
            if reply.split(b" ", 2)[1:2] != [b"200"]:
                sock.close()
                return None
        except OSError:
            sock.close()
            raise
    else:
        sock = socket.create_connection((host, port), PROBE_TIMEOUT)
    with contextlib.closing(sock), context.wrap_socket(sock, server_hostname=host) as tls:
        return tls.getpeercert(binary_form=True)


def _describe(der: bytes) -> PeerCertificate | None:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    return PeerCertificate(_name(cert.subject), _name(cert.issuer))


def _name(name: object) -> str:
    from cryptography.x509.oid import NameOID

    attrs = {
        oid: [a.value for a in name.get_attributes_for_oid(oid)]  # type: ignore[attr-defined]
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
    }
    parts = [str(v) for values in attrs.values() for v in values]
    return ", ".join(parts) or name.rfc4514_string()  # type: ignore[attr-defined]
