"""When the SDK sends a request again: only idempotent methods (GET, PUT, DELETE), after a
connection error, a timeout, 429 or 503. POST and PATCH are never repeated: a repeated trigger
would start another run. The waits come from ``ocean_core.http``'s ``RetryPolicy``:
``Retry-After`` when the server sends it, else jittered exponential backoff."""

from __future__ import annotations

import httpx

from ocean_core.http._retry import RetryPolicy

SDK_RETRY = RetryPolicy(
    attempts=4, base_delay=0.25, max_delay=10.0,
    retry_statuses=frozenset({429, 503}), retry_methods=frozenset({"GET", "PUT", "DELETE"}),
)
"""The default policy; pass ``retry=RetryPolicy(attempts=1)`` to a client to never retry."""


def retry_delay(
    policy: RetryPolicy, method: str, attempt: int, response: httpx.Response | None
) -> float | None:
    """Seconds to wait before attempt ``attempt + 1``, or None to give up now.

    ``response`` is None when the attempt got no answer (connection error or timeout)."""
    if not policy.may_retry(method, attempt):
        return None
    if response is not None and response.status_code not in policy.retry_statuses:
        return None
    return policy.delay(attempt, response)
