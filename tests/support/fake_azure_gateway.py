"""An API Management-like gateway in front of FakeAzure: its path and the headers it requires."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

APIM_MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key when "
    "making requests to an API."
)


@dataclass
class Gateway:
    """An API Management-like gateway: serves the API under `prefix` instead of /openai and
    refuses requests without `required` headers, in JSON as APIM does or as an HTML page."""

    prefix: str = "/openai"
    required: dict[str, str] = field(default_factory=dict)
    html: bool = False

    def route(self, path: str) -> str:
        if path.startswith(self.prefix + "/"):
            return "/openai" + path[len(self.prefix) :]
        return "/not-served-by-the-gateway" + path

    def refusal(self, headers: dict[str, str]) -> tuple[int, str, bytes] | None:
        for name, value in self.required.items():
            if headers.get(name.lower()) != value:
                if self.html:
                    page = (
                        "<html><head><title>401</title><style>p{}</style></head><body>"
                        "<h1>Unauthorized</h1><p>Contoso gateway: sign-in header "
                        f"{name} missing.</p></body></html>"
                    )
                    return 401, "text/html", page.encode()
                body = {"statusCode": 401, "message": APIM_MISSING_KEY}
                return 401, "application/json", json.dumps(body).encode()
        return None
