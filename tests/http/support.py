"""Test doubles for ocean_core.http: a recording sleep, a virtual clock, a scripted API."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import httpx

from ocean_core.http import RetryPolicy

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class VirtualTime:
    """A clock that only moves when someone sleeps: tests never really wait."""

    now: float = 1_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def policy(time: VirtualTime, **overrides: object) -> RetryPolicy:
    """A policy on virtual time whose jitter is the ceiling, so delays are predictable."""
    fields: dict[str, object] = {"sleep": time.sleep, "clock": time.clock,
                                 "jitter": lambda low, high: high}
    return RetryPolicy(**{**fields, **overrides})  # type: ignore[arg-type]


def scripted(responses: Sequence[httpx.Response | Exception]) -> tuple[httpx.MockTransport,
                                                                    list[httpx.Request]]:
    """A transport that answers each request with the next scripted response (or raises it)."""
    seen: list[httpx.Request] = []
    script: Iterator[httpx.Response | Exception] = iter(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(script)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen
