"""The quota an API says is left, read from its rate-limit headers.

    X-RateLimit-Remaining / -Limit / -Reset    GitHub (reset: Unix time), Jira (reset: ISO 8601)
    RateLimit-Remaining / -Limit / -Reset      GitLab (reset: Unix time), PagerDuty (seconds)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from ocean_core.http._retry import EPOCH_THRESHOLD, number

_PREFIXES = ("X-RateLimit-", "RateLimit-")


@dataclass(frozen=True)
class Quota:
    """What is left of the credential's quota when a response was made."""

    remaining: int
    limit: int | None
    resets_in: float
    """Seconds from now until the quota is refilled."""


def read_quota(headers: httpx.Headers, now: float) -> Quota | None:
    """The quota a response reports, or None when it reports none (or no reset time: without
    one there is nothing to pace by). ``now`` is the wall clock, for Unix-time resets."""
    for prefix in _PREFIXES:
        remaining = _integer(headers.get(f"{prefix}Remaining"))
        if remaining is None:
            continue
        resets_in = _resets_in(headers.get(f"{prefix}Reset"), now)
        if resets_in is None:
            return None
        return Quota(max(0, remaining), _integer(headers.get(f"{prefix}Limit")), resets_in)
    return None


def _integer(value: str | None) -> int | None:
    found = number(value)
    return int(found) if found is not None else None


def _resets_in(value: str | None, now: float) -> float | None:
    if value is None:
        return None
    seconds = number(value)
    if seconds is None:
        try:  # Jira Cloud: an ISO 8601 time such as 2026-05-04T10:15Z
            seconds = datetime.fromisoformat(value.strip()).timestamp()
        except ValueError:
            return None
    if seconds > EPOCH_THRESHOLD:
        return max(0.0, seconds - now)
    return max(0.0, seconds)
