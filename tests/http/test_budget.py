"""The rate budget beyond the token bucket: the API's quota headers (slow down before the limit,
wait for the reset at none left) and pauses that hold back every request of the instance."""

from __future__ import annotations

import httpx
import pytest

from ocean_core.http import Quota, RateLimiter, read_quota
from tests.http.support import VirtualTime

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # GitHub: X-RateLimit-*, the reset as a Unix time
        ({"X-RateLimit-Remaining": "4999", "X-RateLimit-Limit": "5000",
          "X-RateLimit-Reset": str(int(NOW) + 1800)}, Quota(4999, 5000, 1800.0)),
        # GitLab: RateLimit-*, the reset as a Unix time
        ({"RateLimit-Remaining": "594", "RateLimit-Limit": "600",
          "RateLimit-Reset": str(int(NOW) + 42)}, Quota(594, 600, 42.0)),
        # PagerDuty: lower-case RateLimit-*, the reset in seconds
        ({"ratelimit-remaining": "900", "ratelimit-limit": "960", "ratelimit-reset": "17"},
         Quota(900, 960, 17.0)),
        # Jira Cloud: the reset as an ISO 8601 time
        ({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "2023-11-14T22:14Z"},
         Quota(3, None, 1_700_000_040.0 - NOW)),
    ],
    ids=["github", "gitlab", "pagerduty", "jira"],
)
def test_quota_headers_of_each_vendor(headers: dict[str, str], expected: Quota) -> None:
    assert read_quota(httpx.Headers(headers), NOW) == expected


def test_no_quota_without_remaining_or_reset() -> None:
    assert read_quota(httpx.Headers({"X-RateLimit-Limit": "5000"}), NOW) is None
    assert read_quota(httpx.Headers({"X-RateLimit-Remaining": "10"}), NOW) is None
    assert read_quota(httpx.Headers({"RateLimit-Remaining": "1", "RateLimit-Reset": "soon"}),
                      NOW) is None


def limiter(time: VirtualTime, **options: float) -> RateLimiter:
    return RateLimiter(clock=time.clock, sleep=time.sleep, **options)  # type: ignore[arg-type]


async def test_no_quota_left_waits_for_the_reset() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    permit = await budget.acquire()
    budget.observe(Quota(remaining=0, limit=5000, resets_in=42.0), permit)
    waited = await budget.acquire()
    assert time.sleeps == [42.0] and waited.waited == 42.0
    await budget.acquire()  # the window has reset: the next response will say what is left
    assert time.sleeps == [42.0]


async def test_with_little_quota_left_requests_are_spread_until_the_reset() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    permit = await budget.acquire()
    budget.observe(Quota(remaining=4, limit=100, resets_in=8.0), permit)  # under 10% left
    for _ in range(4):
        await budget.acquire()
    assert time.sleeps == pytest.approx([2.0, 2.0, 2.0, 2.0])


async def test_with_enough_quota_left_nothing_waits() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    permit = await budget.acquire()
    budget.observe(Quota(remaining=50, limit=100, resets_in=8.0), permit)
    for _ in range(30):
        await budget.acquire()
    assert time.sleeps == []


async def test_requests_sent_after_the_answer_count_against_what_it_reports() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    first = await budget.acquire()
    for _ in range(3):  # three more go out before the first one's answer arrives
        await budget.acquire()
    budget.observe(Quota(remaining=3, limit=None, resets_in=10.0), first)
    await budget.acquire()
    assert time.sleeps == [10.0]  # 3 reported, 3 already spent since: none left


async def test_an_older_answer_arriving_late_does_not_raise_what_is_left() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    old, new = await budget.acquire(), await budget.acquire()
    budget.observe(Quota(remaining=0, limit=None, resets_in=5.0), new)
    budget.observe(Quota(remaining=7, limit=None, resets_in=5.0), old)
    await budget.acquire()
    assert time.sleeps == [5.0]


async def test_a_new_window_replaces_the_old_one() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    permit = await budget.acquire()
    budget.observe(Quota(remaining=0, limit=10, resets_in=5.0), permit)
    permit = await budget.acquire()
    assert time.sleeps == [5.0]
    budget.observe(Quota(remaining=9, limit=10, resets_in=60.0), permit)
    for _ in range(5):
        await budget.acquire()
    assert time.sleeps == [5.0]


async def test_a_pause_holds_back_every_request_until_it_ends() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    refused = object()
    budget.pause(30.0, owner=refused)
    assert budget.paused_for == 30.0
    assert (await budget.acquire()).waited == 30.0
    assert (await budget.acquire()).waited == 0.0


async def test_only_the_refused_request_ends_its_pause_early() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    first, second = object(), object()
    budget.pause(10.0, owner=first)
    budget.pause(20.0, owner=second)  # a longer pause replaces the first
    budget.resume(first)
    assert budget.paused_for == 20.0
    budget.resume(second)
    assert budget.paused_for == 0.0
    assert (await budget.acquire()).waited == 0.0


async def test_without_a_rate_there_is_no_bucket() -> None:
    time = VirtualTime(now=0.0)
    budget = limiter(time)
    for _ in range(100):
        await budget.acquire()
    assert time.sleeps == [] and budget.try_acquire() == 0.0
