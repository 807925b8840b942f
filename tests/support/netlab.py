"""A company network on loopback: a test CA (made at test time with `cryptography`) that
signs server certificates, and an HTTP CONNECT proxy that may demand credentials (407), logs
every request it receives (`requests`: method, target, headers) and answers any other method
(a plain-http request sent through it) 405 Method Not Allowed, as a CONNECT-only proxy does.

    ca = TestCA("Contoso Inspection Root")
    srv.ssl_context = ca.server_context("localhost")
    with ConnectProxy(credentials=("alice", "pw")) as proxy: ...
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import select
import socket
import socketserver
import ssl
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class TestCA:
    """A certificate authority that exists only for one test."""

    __test__ = False  # not a pytest class

    def __init__(self, name: str = "chatdesk Test Root CA") -> None:
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=True, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.pem)
        return path

    def server_context(self, host: str = "localhost") -> ssl.SSLContext:
        """A server-side context with a certificate for `host` signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            cert_path = Path(tmp) / "cert.pem"
            key_path = Path(tmp) / "key.pem"
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + self.pem)
            key_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_path, key_path)
        return context


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: ConnectProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        proxy = self.server.proxy
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.connection.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        proxy.requests.append((method, target, headers))
        if proxy.credentials is not None:
            user, password = proxy.credentials
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if headers.get("proxy-authorization") != expected:
                self.connection.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="contoso"\r\n'
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
        if method != "CONNECT":
            self.connection.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = target.rpartition(":")
        host, port = proxy.routes.get(target, (host, int(port)))
        try:
            upstream = socket.create_connection((host, int(port)), timeout=5)
        except OSError:
            self.connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        proxy.tunnels += 1
        _relay(self.connection, upstream)


def _relay(a: socket.socket, b: socket.socket) -> None:
    with contextlib.closing(b):
        sockets = [a, b]
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                (b if sock is a else a).sendall(data)


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1; with `credentials` it answers 407 without them.
    `routes` maps a CONNECT target ("login.microsoftonline.com:443") to the loopback address
    that serves it, as a company proxy resolves names the machine itself cannot."""

    def __init__(
        self,
        credentials: tuple[str, str] | None = None,
        routes: dict[str, tuple[str, int]] | None = None,
    ) -> None:
        self.credentials = credentials
        self.routes = dict(routes or {})
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.tunnels = 0
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ConnectProxy:
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(2)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"


# A company host only the proxy can reach (RFC 6761's .test never resolves): requests to it go
# through a proxy or nowhere, since loopback names always go direct (service/network.py).
COMPANY_HOST = "aoai.contoso.test"


def routes_to(server: Any) -> dict[str, tuple[str, int]]:
    """`ConnectProxy(routes=)` that reach `server` (a FakeAzure) by its `host` name."""
    return {f"{server.host}:{server.port}": ("127.0.0.1", server.port)}


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every variable a proxy is read from (urllib's rules: lower case too); tests of routes start
# with none of them set.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")  # fmt: skip


def clear_proxy_env(monkeypatch: Any) -> None:
    """Unset every proxy variable for this test (pytest's `monkeypatch` puts them back)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
