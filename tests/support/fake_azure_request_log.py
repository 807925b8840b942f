"""What FakeAzure records of each request it receives, for tests to assert on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any | None
    auth_kind: str | None  # which credential was presented: "api-key", "bearer" or None
    authorized: bool = False
    time: float = field(default_factory=time.monotonic)
    header_lines: list[tuple[str, str]] = field(default_factory=list)  # as sent, repeats kept
