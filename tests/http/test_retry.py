"""Retries: which failures, which methods, how long to wait, and what is raised at the end."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from ocean_core.errors import Terminal, Transient
from ocean_core.http import (
    IDEMPOTENT_METHODS,
    TerminalHTTPError,
    TransientHTTPError,
    create_client,
    raise_for_status,
)
from tests.http.support import VirtualTime, policy, scripted

BASE = "https://api.example.com"


@pytest.mark.anyio
async def test_503_is_retried_then_succeeds() -> None:
    time = VirtualTime()
    transport, seen = scripted([httpx.Response(503), httpx.Response(200, json=[1])])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        response = raise_for_status(await client.get("/things"))
    assert response.json() == [1]
    assert len(seen) == 2
    assert time.sleeps == [0.5]  # base_delay * 2**0, jitter pinned to its ceiling


@pytest.mark.anyio
async def test_backoff_doubles_and_is_capped() -> None:
    time = VirtualTime()
    transport, _ = scripted([httpx.Response(500)] * 4 + [httpx.Response(200)])
    retry = policy(time, base_delay=1.0, max_delay=3.0)
    async with create_client(BASE, retry=retry, transport=transport) as client:
        await client.get("/things")
    assert time.sleeps == [1.0, 2.0, 3.0, 3.0]


@pytest.mark.anyio
async def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    time = VirtualTime()
    drawn: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        drawn.append((low, high))
        return high / 4

    transport, _ = scripted([httpx.Response(502), httpx.Response(200)])
    retry = policy(time, jitter=jitter)
    async with create_client(BASE, retry=retry, transport=transport) as client:
        await client.get("/things")
    assert drawn == [(0.0, 0.5)]
    assert time.sleeps == [0.125]


@pytest.mark.anyio
async def test_post_is_not_retried() -> None:
    time = VirtualTime()
    transport, seen = scripted([httpx.Response(503), httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        response = await client.post("/things", json={"a": 1})
    assert response.status_code == 503
    assert len(seen) == 1 and time.sleeps == []


@pytest.mark.anyio
async def test_post_is_retried_when_the_policy_says_so() -> None:
    time = VirtualTime()
    transport, seen = scripted([httpx.Response(503), httpx.Response(201)])
    retry = policy(time, retry_methods=IDEMPOTENT_METHODS | {"POST"})
    async with create_client(BASE, retry=retry, transport=transport) as client:
        response = await client.post("/things", json={"a": 1})
    assert response.status_code == 201
    assert len(seen) == 2 and seen[1].content == b'{"a":1}'


@pytest.mark.anyio
async def test_retry_after_seconds_is_honoured_and_capped() -> None:
    time = VirtualTime()
    transport, _ = scripted([
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(429, headers={"Retry-After": "120"}),
        httpx.Response(200),
    ])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        await client.get("/things")
    assert time.sleeps == [7.0, 30.0]


@pytest.mark.anyio
async def test_retry_after_http_date_is_honoured() -> None:
    time = VirtualTime()
    later = formatdate(time.now + 12, usegmt=True)
    transport, _ = scripted([httpx.Response(503, headers={"Retry-After": later}),
                             httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        await client.get("/things")
    assert time.sleeps == [12.0]


@pytest.mark.anyio
async def test_x_ratelimit_reset_is_honoured_on_githubs_403() -> None:
    time = VirtualTime()
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.now) + 9)}
    transport, _ = scripted([httpx.Response(403, headers=reset), httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        response = await client.get("/things")
    assert response.status_code == 200
    assert time.sleeps == [9.0]


@pytest.mark.anyio
async def test_ratelimit_reset_delta_is_honoured() -> None:
    time = VirtualTime()
    transport, _ = scripted([httpx.Response(429, headers={"RateLimit-Reset": "4"}),
                             httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        await client.get("/things")
    assert time.sleeps == [4.0]


@pytest.mark.anyio
async def test_exhausted_attempts_raise_transient_with_method_url_status() -> None:
    time = VirtualTime()
    transport, seen = scripted([httpx.Response(503, text="down for maintenance")] * 3)
    async with create_client(BASE, retry=policy(time, attempts=3), transport=transport) as client:
        with pytest.raises(TransientHTTPError) as caught:
            raise_for_status(await client.get("/things", params={"page": 2}))
    error = caught.value
    assert (error.method, error.url, error.status) == ("GET", f"{BASE}/things?page=2", 503)
    assert error.detail == "down for maintenance"
    assert isinstance(error, Transient) and len(seen) == 3 and len(time.sleeps) == 2


@pytest.mark.anyio
async def test_404_is_terminal_at_once() -> None:
    time = VirtualTime()
    transport, seen = scripted([httpx.Response(404, json={"message": "Not Found"})])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        with pytest.raises(TerminalHTTPError) as caught:
            raise_for_status(await client.get("/nope"))
    assert isinstance(caught.value, Terminal) and caught.value.status == 404
    assert "Not Found" in caught.value.detail
    assert len(seen) == 1 and time.sleeps == []


@pytest.mark.anyio
async def test_connection_errors_are_retried_then_raise_transient() -> None:
    time = VirtualTime()
    transport, seen = scripted([httpx.ConnectError("connection refused")] * 3)
    async with create_client(BASE, retry=policy(time, attempts=3), transport=transport) as client:
        with pytest.raises(TransientHTTPError) as caught:
            await client.get("/things")
    error = caught.value
    assert (error.method, error.url, error.status) == ("GET", f"{BASE}/things", None)
    assert "ConnectError: connection refused" in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert len(seen) == 3 and len(time.sleeps) == 2


@pytest.mark.anyio
async def test_connection_error_then_success() -> None:
    time = VirtualTime()
    transport, _ = scripted([httpx.ReadTimeout("slow"), httpx.Response(200, json=[])])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        assert (await client.get("/things")).status_code == 200


@pytest.mark.anyio
async def test_a_ratelimit_reset_sent_on_every_response_is_no_hint_for_a_5xx() -> None:
    """GitLab sends ``RateLimit-Reset`` (a Unix time) on every response: a 502 with quota left
    waits the backoff, not until the reset."""
    time = VirtualTime()
    headers = {"RateLimit-Reset": str(int(time.now) + 60), "RateLimit-Remaining": "1999"}
    transport, _ = scripted([httpx.Response(502, headers=headers), httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        await client.get("/things")
    assert len(time.sleeps) == 1 and time.sleeps[0] <= 0.5


@pytest.mark.anyio
async def test_a_ratelimit_reset_epoch_with_no_quota_left_is_waited_for() -> None:
    time = VirtualTime(now=1_800_000_000.0)
    headers = {"RateLimit-Reset": str(int(time.now) + 7), "RateLimit-Remaining": "0"}
    transport, _ = scripted([httpx.Response(429, headers=headers), httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        await client.get("/things")
    assert time.sleeps == [pytest.approx(7, abs=1)]


@pytest.mark.anyio
async def test_a_403_with_retry_after_is_a_secondary_rate_limit() -> None:
    time = VirtualTime()
    transport, _ = scripted([httpx.Response(403, headers={"Retry-After": "3"}),
                             httpx.Response(200)])
    async with create_client(BASE, retry=policy(time), transport=transport) as client:
        await client.get("/things")
    assert time.sleeps == [3.0]
