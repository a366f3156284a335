"""The token bucket: bursts pass at once, then requests are spaced by 1/rate."""

from __future__ import annotations

import anyio
import pytest

from ocean_core.http import RateLimiter
from tests.http.support import VirtualTime


@pytest.mark.anyio
async def test_acquires_take_the_expected_virtual_time() -> None:
    time = VirtualTime(now=0.0)
    limiter = RateLimiter(rate=2.0, burst=3, clock=time.clock, sleep=time.sleep)
    for _ in range(7):
        await limiter.acquire()
    assert time.now == pytest.approx(2.0)  # 3 free, then 4 at 0.5s each
    assert time.sleeps == pytest.approx([0.5] * 4)


@pytest.mark.anyio
async def test_idle_time_refills_up_to_the_burst() -> None:
    time = VirtualTime(now=0.0)
    limiter = RateLimiter(rate=1.0, burst=2, clock=time.clock, sleep=time.sleep)
    await limiter.acquire()
    await limiter.acquire()
    time.now += 100.0  # long idle: only `burst` tokens accumulate
    for _ in range(3):
        await limiter.acquire()
    assert time.sleeps == pytest.approx([1.0])


@pytest.mark.anyio
async def test_shared_by_concurrent_callers() -> None:
    time = VirtualTime(now=0.0)
    limiter = RateLimiter(rate=10.0, burst=1, clock=time.clock, sleep=time.sleep)
    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(limiter.acquire)
    assert time.now == pytest.approx(0.4)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="rate must be"):
        RateLimiter(rate=0, burst=1)
