"""The HTTP client of one ``github`` integration instance: headers, retries, rate limit.

Everything else (backoff, ``Retry-After``, ``X-RateLimit-Reset``, redaction of the token) is
``ocean_core.http``'s; this module only says what is particular to GitHub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ocean_core.http import RateLimiter, RetryPolicy, create_client

from .config import GitHubConfig

API_VERSION = "2022-11-28"


@dataclass(frozen=True)
class GitHubRetryPolicy(RetryPolicy):
    """``RetryPolicy`` that also waits out GitHub's *secondary* rate limits.

    GitHub reports those as a 403 (or 429) with ``Retry-After`` and a quota that may not be
    exhausted, which the base policy would take for a refusal. A 403 without either hint (a
    token without access) is still a refusal and is not retried.
    """

    def retries_response(self, response: httpx.Response) -> bool:
        secondary = response.status_code == 403 and "Retry-After" in response.headers
        return secondary or super().retries_response(response)


def github_headers(config: GitHubConfig) -> dict[str, str]:
    """The headers of every request: JSON media type, pinned API version, and the token."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    return headers


def retry_policy(config: GitHubConfig, **hooks: Any) -> GitHubRetryPolicy:
    """The default policy: waits for a rate-limit reset up to ``config.max_retry_wait``.

    ``hooks`` go to the policy as they are (tests pass ``sleep``, ``clock`` and ``jitter``).
    """
    return GitHubRetryPolicy(max_delay=config.max_retry_wait, **hooks)


def make_limiter(config: GitHubConfig) -> RateLimiter:
    """One token bucket per instance: GitHub counts requests per token, not per kind."""
    rate = config.requests_per_second
    return RateLimiter(rate=rate, burst=max(1, round(rate)))


def open_client(
    config: GitHubConfig,
    *,
    limiter: RateLimiter,
    retry: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A client for ``config.base_url``; use it with ``async with``."""
    token = config.token.get_secret_value() if config.token is not None else None
    return create_client(
        config.base_url,
        headers=github_headers(config),
        retry=retry if retry is not None else retry_policy(config),
        rate_limit=limiter,
        secrets=[token] if token else [],
        transport=transport,
    )
