"""When to retry an HTTP request, and how long to wait first.

The wait is the server's own hint when it gives one (``Retry-After``, rate-limit reset headers):
it knows when the quota refills. Otherwise exponential backoff with full jitter, so that the
clients of one integration that failed together do not all come back at the same instant.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import anyio
import httpx

EPOCH_THRESHOLD = 1e9
"""A reset value this large is a Unix time (2001 on), not a delay in seconds."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How a client created by ``create_client`` retries.

        RetryPolicy(attempts=3, max_delay=10.0)             # fewer, shorter waits
        RetryPolicy(retry_methods=IDEMPOTENT_METHODS | {"POST"})   # the API's POSTs are safe

    ``attempts`` counts the first try. ``sleep``, ``clock`` (wall time, for ``Retry-After`` dates
    and epoch reset headers) and ``jitter`` are injectable so tests never really wait.
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    retry_methods: frozenset[str] = IDEMPOTENT_METHODS
    sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.time, compare=False)
    jitter: Callable[[float, float], float] = field(default=random.uniform, compare=False)

    def may_retry(self, method: str, attempt: int) -> bool:
        """Whether a failed ``attempt`` (1-based) of ``method`` may be followed by another."""
        return attempt < self.attempts and method.upper() in self.retry_methods

    def retries_response(self, response: httpx.Response) -> bool:
        """A retryable status, or GitHub's way of saying "rate limited": 403 with 0 remaining."""
        return response.status_code in self.retry_statuses or is_rate_limited(response)

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait after failed ``attempt``: the server's hint, else jittered backoff."""
        hint = None
        if response is not None:
            hint = server_hint(response.headers, self.clock(), response.status_code == 429)
        if hint is not None:
            return min(hint, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self.jitter(0.0, ceiling)


def is_rate_limited(response: httpx.Response) -> bool:
    """A 403 that reports an exhausted quota, or asks to come back later (GitHub's secondary
    rate limit: ``Retry-After`` with quota left), is a wait, not a refusal."""
    if response.status_code != 403:
        return False
    headers = response.headers
    return headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in headers


def server_hint(headers: httpx.Headers, now: float, limited: bool = False) -> float | None:
    """Seconds the server asks us to wait, from the first header that says so. ``limited``:
    the response itself says "rate limited" (a 429)."""
    retry_after = _retry_after(headers.get("Retry-After"), now)
    if retry_after is not None:
        return retry_after
    reset = number(headers.get("X-RateLimit-Reset"))
    if reset is not None and headers.get("X-RateLimit-Remaining") == "0":
        return max(0.0, reset - now)  # epoch seconds (GitHub, and many others)
    reset = number(headers.get("RateLimit-Reset"))
    if reset is None or not (limited or headers.get("RateLimit-Remaining") == "0"):
        return None  # sent on every response (GitLab): a hint only when the quota is spent
    if reset > EPOCH_THRESHOLD:
        return max(0.0, reset - now)  # an epoch time (GitLab)
    return max(0.0, reset)  # delta seconds (IETF draft)


def _retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` is either delay seconds or an HTTP date (RFC 9110, section 10.2.3)."""
    if value is None:
        return None
    seconds = number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None  # a malformed hint falls back to backoff rather than failing the request
    return max(0.0, when.timestamp() - now)


def number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
