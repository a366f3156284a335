"""Counts of an integration instance's HTTP requests: for ``/metrics`` and the live progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ocean_core.results import KindStats


@dataclass(frozen=True)
class RequestStats:
    """What the requests of one integration instance did since it was created."""

    requests: int = 0
    """Attempts sent, retries included."""
    retries: int = 0
    rate_limited: int = 0
    """Rate-limit answers: 429, or GitHub's 403 with an exhausted quota or ``Retry-After``."""
    rate_limit_waits: int = 0
    """Requests that waited for the rate budget before they were sent."""
    rate_limit_wait_seconds: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    """The most requests ever on the wire at once."""


class RequestMeter:
    """Counts requests for the whole instance and for the kind fetching now (``current()``,
    ``None`` outside a run), whose ``KindStats`` show them as live progress."""

    def __init__(self, current: Callable[[], KindStats | None] = lambda: None) -> None:
        self._current = current
        self._stats = RequestStats()

    def snapshot(self) -> RequestStats:
        return self._stats

    def sent(self) -> Callable[[], None]:
        """One attempt goes on the wire; call what is returned when it has landed (once)."""
        stats, kind = self._stats, self._current()
        self._count(requests=stats.requests + 1, in_flight=stats.in_flight + 1,
                    max_in_flight=max(stats.max_in_flight, stats.in_flight + 1))
        if kind is not None:
            kind.requests += 1
            kind.in_flight += 1
        landed = False

        def land() -> None:
            nonlocal landed
            if not landed:
                landed = True
                self._count(in_flight=self._stats.in_flight - 1)
                if kind is not None:
                    kind.in_flight -= 1

        return land

    def retried(self) -> None:
        self._count(retries=self._stats.retries + 1)
        kind = self._current()
        if kind is not None:
            kind.retries += 1

    def rate_limited(self) -> None:
        self._count(rate_limited=self._stats.rate_limited + 1)

    def waited(self, seconds: float) -> None:
        stats = self._stats
        self._count(rate_limit_waits=stats.rate_limit_waits + 1,
                    rate_limit_wait_seconds=stats.rate_limit_wait_seconds + seconds)
        kind = self._current()
        if kind is not None:
            kind.rate_limit_waits += 1

    def _count(self, **values: Any) -> None:
        # A new frozen record per change: a snapshot handed out never changes under its reader.
        self._stats = replace(self._stats, **values)
