"""What the ``github`` client has of its own: its headers and how long it waits for a reset.

Everything else (backoff, ``Retry-After``, ``X-RateLimit-Reset``, redaction of the token) is
``ocean_core.http``'s; this module only says what is particular to GitHub.
"""

from __future__ import annotations

from typing import Any

from ocean_core.http import RetryPolicy

from .config import GitHubConfig

API_VERSION = "2022-11-28"


def github_headers(config: GitHubConfig) -> dict[str, str]:
    """The headers of every request: JSON media type, pinned API version, and the token."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    return headers


def retry_policy(config: GitHubConfig, **hooks: Any) -> RetryPolicy:
    """The default policy: waits for a rate-limit reset up to ``config.max_retry_wait``.

    ``hooks`` go to the policy as they are (tests pass ``sleep``, ``clock`` and ``jitter``).
    """
    return RetryPolicy(max_delay=config.max_retry_wait, **hooks)
