"""A client-side token bucket, so an integration stays under its provider's quota.

One instance is shared by every client (and so every kind) of one integration: the provider counts
requests per credential, not per kind.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class RateLimiter:
    """Allows ``rate`` requests per second on average, and bursts of up to ``burst``.

        limiter = RateLimiter(rate=10, burst=20)   # one per integration
        github = create_client("https://api.github.com", rate_limit=limiter)
        await limiter.acquire()                    # the client does this before each request

    Waiters are served in arrival order: the lock is fair and is held while one waiter sleeps
    for its token, so a late caller cannot overtake a patient one.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate}, burst={burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = anyio.Lock()

    async def acquire(self) -> None:
        """Wait until one request may be sent, then take its token."""
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1

    def try_acquire(self) -> float:
        """Take a token if one is there and return 0; else take nothing and return the seconds
        until one will be (a server refusing with 429 and ``Retry-After`` uses this)."""
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now
