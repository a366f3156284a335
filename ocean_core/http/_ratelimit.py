"""The rate budget of one credential: a token bucket, the API's own quota, and pauses.

One instance is shared by every client (and so every kind, and every concurrent request) of one
integration: the provider counts requests per credential, not per kind or per connection.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from ocean_core.http._quota import Quota

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_EPSILON = 1e-9
_NEW_WINDOW = 0.5
"""A reset this much later than the known one starts a new quota window."""


@dataclass(frozen=True)
class Permit:
    """One request let through by ``RateLimiter.acquire``: its number in the limiter's
    sequence (for ``observe``) and the seconds it waited for the budget."""

    number: int
    waited: float


@dataclass
class _Window:
    left: int
    limit: int | None
    reset_at: float


class RateLimiter:
    """Decides when each request of one credential may be sent.

        limiter = RateLimiter(rate=10, burst=20)   # one per integration instance
        github = create_client("https://api.github.com", rate_limit=limiter)
        await limiter.acquire()                    # the client does this before each request

    Three things hold a request back, and all are shared by every request of the instance:

    - the token bucket: ``rate`` requests per second on average, bursts of up to ``burst``
      (``rate=None``: no client-side cap);
    - the API's quota, from its rate-limit headers (``observe``, done by the client on every
      response): with less than ``reserve`` of it left, requests are spread evenly over the time
      until the reset, and with none left they wait for the reset, so the limit is never hit;
    - pauses (``pause``, done by the client on a 429 or GitHub's 403): every request waits until
      the time the server asked for, not only the one that was refused.

    Waiters are served in arrival order: the lock is fair and is held while one waiter sleeps,
    so a late caller cannot overtake a patient one.
    """

    def __init__(
        self,
        rate: float | None = None,
        burst: int = 1,
        *,
        reserve: float = 0.1,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if (rate is not None and rate <= 0) or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate}, burst={burst}")
        self.rate = rate
        self.burst = burst
        self.reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = anyio.Lock()
        self._sent = 0
        self._last_sent = -math.inf
        self._window: _Window | None = None
        self._paused_until = -math.inf
        self._pause_owner: object | None = None

    async def acquire(self) -> Permit:
        """Wait until one request may be sent, then take its place in the budget."""
        waited = 0.0
        async with self._lock:
            while (delay := self._delay(self._clock())) > 0:
                await self._sleep(delay)
                waited += delay
            return self._take(waited)

    def acquire_nowait(self) -> Permit | None:
        """A permit now if nothing holds the request back and nobody waits before it, else
        None (then ``acquire``). Saves a trip through the event loop for most requests."""
        if self._lock.locked() or self._delay(self._clock()) > 0:
            return None
        return self._take(0.0)

    def try_acquire(self) -> float:
        """Take a token if one is there and return 0; else take nothing and return the seconds
        until one will be (a server refusing with 429 and ``Retry-After`` uses this)."""
        if self.rate is None:
            return 0.0
        self._refill(self._clock())
        if self._tokens >= 1 - _EPSILON:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    def observe(self, quota: Quota | None, permit: Permit | None = None) -> None:
        """Take in the quota a response reported. ``permit`` is the one its request was sent
        with: requests sent after it may not be counted in the response yet, so they are
        taken off what it says is left."""
        if quota is None:
            return
        now = self._clock()
        reset_at = now + quota.resets_in
        left = quota.remaining - (self._sent - permit.number if permit is not None else 0)
        window = self._window
        if window is None or now >= window.reset_at or reset_at > window.reset_at + _NEW_WINDOW:
            self._window = _Window(left, quota.limit, reset_at)
        else:  # the same window: responses may come out of order, so only ever less is left
            window.left = min(window.left, left)
            window.limit = quota.limit or window.limit

    def pause(self, seconds: float, owner: object | None = None) -> None:
        """Hold every request back for ``seconds`` (a rate-limit answer said so). ``owner``,
        the request that was refused, may ``resume`` once it has waited itself."""
        until = self._clock() + seconds
        if until > self._paused_until:
            self._paused_until, self._pause_owner = until, owner

    def resume(self, owner: object) -> None:
        """End the pause ``owner`` started, if no later pause replaced it: the refused request
        has waited what the server asked and goes first (with an injected sleep, at once)."""
        if owner is not None and self._pause_owner is owner:
            self._paused_until, self._pause_owner = -math.inf, None

    @property
    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when there is none)."""
        return max(0.0, self._paused_until - self._clock())

    def _delay(self, now: float) -> float:
        return max(self._paused_until - now, self._bucket_delay(now), self._quota_delay(now))

    def _bucket_delay(self, now: float) -> float:
        if self.rate is None:
            return 0.0
        self._refill(now)
        return 0.0 if self._tokens >= 1 - _EPSILON else (1 - self._tokens) / self.rate

    def _quota_delay(self, now: float) -> float:
        window = self._window
        if window is None:
            return 0.0
        if now >= window.reset_at:
            self._window = None  # refilled; the next response says how much
            return 0.0
        if window.left <= 0:
            return window.reset_at - now
        if window.limit and window.left < self.reserve * window.limit:
            spacing = (window.reset_at - now) / window.left
            return self._last_sent + spacing - now
        return 0.0

    def _take(self, waited: float) -> Permit:
        if self.rate is not None:
            self._tokens -= 1
        if self._window is not None:
            self._window.left -= 1
        self._sent += 1
        self._last_sent = self._clock()
        return Permit(self._sent, waited)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * (self.rate or 0.0))
        self._updated = now
