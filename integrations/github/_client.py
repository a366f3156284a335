"""What the ``github`` client has of its own: its headers and its retry policy.

Everything else (backoff, ``Retry-After``, ``X-RateLimit-Reset``, redaction of the token) is
``ocean_core.http``'s; this module only says what is particular to GitHub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ocean_core.http import RetryPolicy

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
