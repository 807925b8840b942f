"""A local Microsoft Entra ID for MSAL: OpenID discovery, the device-code flow and the token
endpoint (device code and refresh token grants), over HTTPS with a test CA. Loopback only."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


class FakeEntra:
    """Signs in one user ('alice@contoso.com', tenant 'contoso-tid') without asking."""

    def __init__(
        self, context: ssl.SSLContext, tenant: str = "contoso", host: str | None = None
    ) -> None:
        """`host`: the name it answers as (behind a proxy's route), else localhost:port."""
        self.context = context
        self.tenant = tenant
        self.host = host
        self.token_requests: list[dict[str, str]] = []
        self.issued = 0
        self.expires_in = 3600
        self._server: ThreadingHTTPServer | None = None

    @property
    def authority(self) -> str:
        if self.host is not None:
            return self.host
        return f"localhost:{self.port}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def __enter__(self) -> FakeEntra:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                base = f"https://{fake.authority}/{fake.tenant}"
                if self.path.split("?")[0].endswith("/.well-known/openid-configuration"):
                    return self._json(200, {
                        "issuer": f"{base}/v2.0",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    })  # fmt: skip
                return self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                if self.path.endswith("/devicecode"):
                    return self._json(200, {
                        "device_code": "device-code-1", "user_code": "ABCD-1234",
                        "verification_uri": "https://microsoft.com/devicelogin",
                        "expires_in": 900, "interval": 1, "message": "Enter ABCD-1234",
                    })  # fmt: skip
                if self.path.endswith("/token"):
                    fake.token_requests.append(form)
                    return self._json(200, fake.tokens(form.get("client_id", "")))
                return self._json(404, {"error": "not_found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = self.context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def tokens(self, client_id: str) -> dict[str, Any]:
        self.issued += 1
        now = int(time.time())
        claims = {
            "iss": f"https://{self.authority}/contoso-tid/v2.0", "aud": client_id,
            "iat": now, "exp": now + 3600, "oid": "alice-oid", "tid": "contoso-tid",
            "preferred_username": "alice@contoso.com", "sub": "alice",
        }  # fmt: skip
        return {
            "token_type": "Bearer",
            "scope": "https://cognitiveservices.azure.us/.default",
            "expires_in": self.expires_in,
            "access_token": f"access-token-{self.issued}",
            "refresh_token": f"refresh-token-{self.issued}",
            "id_token": f"{_b64({'alg': 'none'})}.{_b64(claims)}.",
            "client_info": _b64({"uid": "alice-oid", "utid": "contoso-tid"}),
        }
