"""When to try a failed request again, and how long to wait first.

The openai client runs with `max_retries=0`: the service retries itself so that each wait is
announced (`RetryNotice`), honours Azure's `retry-after-ms` / `retry-after` headers, and is a
`cancel.wait(delay)` that Stop interrupts at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

import msgspec

from chatdesk.service.events import CancelToken, ChatError


def parse_retry_after(
    headers: Mapping[str, str] | None, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, else `retry-after` (seconds or an
    HTTP date). None when absent or unreadable; never negative."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now())


class RetryPolicy(msgspec.Struct, frozen=True):
    """Exponential backoff with jitter, up to `attempts` tries in all.

    A server-requested wait is used as it is; if it is longer than `max_delay` the service does
    not sit there silently but gives up and reports the wait (`ChatError.retry_after`).
    """

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.2  # each computed delay is scaled by a factor in [1 - jitter, 1 + jitter]
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int, error: ChatError) -> float | None:
        """Seconds to wait after failed attempt `attempt` (from 1), or None: do not retry."""
        if not error.retryable or attempt >= self.attempts:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_delay else None
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        factor = 1.0 + self.jitter * (2.0 * self.rng() - 1.0)
        return max(0.0, min(self.max_delay, backoff * factor))

    @staticmethod
    def wait(cancel: CancelToken, delay: float) -> bool:
        """Sleep `delay` seconds; True if Stop was pressed meanwhile (returns at once then)."""
        return cancel.wait(delay)


NO_RETRY = RetryPolicy(attempts=1)
