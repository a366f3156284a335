"""Counts of an integration instance's HTTP requests: for ``/metrics`` and the live progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

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
        self._counts = _Counts()

    def snapshot(self) -> RequestStats:
        return RequestStats(**asdict(self._counts))

    def sent(self) -> Callable[[], None]:
        """One attempt goes on the wire; call what is returned when it has landed (once)."""
        counts, stats = self._counts, self._current()
        counts.requests += 1
        counts.in_flight += 1
        counts.max_in_flight = max(counts.max_in_flight, counts.in_flight)
        if stats is not None:
            stats.requests += 1
            stats.in_flight += 1
        landed = False

        def land() -> None:
            nonlocal landed
            if not landed:
                landed = True
                counts.in_flight -= 1
                if stats is not None:
                    stats.in_flight -= 1

        return land

    def retried(self) -> None:
        self._counts.retries += 1
        stats = self._current()
        if stats is not None:
            stats.retries += 1

    def rate_limited(self) -> None:
        self._counts.rate_limited += 1

    def waited(self, seconds: float) -> None:
        self._counts.rate_limit_waits += 1
        self._counts.rate_limit_wait_seconds += seconds
        stats = self._current()
        if stats is not None:
            stats.rate_limit_waits += 1


@dataclass
class _Counts:
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
