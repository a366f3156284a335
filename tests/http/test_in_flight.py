"""The client with a shared budget: requests in flight capped (until their body closes), quota
headers read, a rate-limit answer pausing every request of the credential, all of it counted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from ocean_core.http import RateLimiter, RequestMeter, create_client
from ocean_core.results import KindStats
from tests.http.support import VirtualTime, policy

pytestmark = pytest.mark.anyio

BASE = "https://api.example.com"


class Server:
    """An async handler that counts requests on the wire and can answer by path."""

    def __init__(self) -> None:
        self.active = 0
        self.most = 0
        self.paths: list[str] = []
        self.answers: dict[str, list[httpx.Response]] = {}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            for _ in range(3):
                await anyio.lowlevel.checkpoint()
        finally:
            self.active -= 1
        queued = self.answers.get(request.url.path)
        if queued:
            return queued.pop(0)
        if request.url.path == "/big":  # a body that is read from the wire, not preloaded
            return httpx.Response(200, stream=Body([b"x" * 1024] * 8))
        return httpx.Response(200, json={"path": request.url.path})


class Body(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await anyio.lowlevel.checkpoint()
            yield chunk


async def test_never_more_requests_in_flight_than_the_cap() -> None:
    server = Server()
    places = anyio.CapacityLimiter(3)
    transport = httpx.MockTransport(server.handle)
    async with (
        create_client(BASE, transport=transport, in_flight=places) as client,
        anyio.create_task_group() as group,
    ):
        for number in range(20):
            group.start_soon(client.get, f"/items/{number}")
    assert server.most == 3 and len(server.paths) == 20
    assert places.borrowed_tokens == 0


async def test_a_place_is_held_until_the_body_is_closed() -> None:
    server = Server()
    places = anyio.CapacityLimiter(1)
    transport = httpx.MockTransport(server.handle)
    async with create_client(BASE, transport=transport, in_flight=places) as client:
        async with client.stream("GET", "/big") as response:
            assert response.status_code == 200
            async with anyio.create_task_group() as group:
                group.start_soon(client.get, "/next")
                await anyio.wait_all_tasks_blocked()
                assert server.paths == ["/big"]  # /next waits for /big's body
                await response.aclose()
        assert server.paths == ["/big", "/next"]
    assert places.borrowed_tokens == 0


@pytest.mark.parametrize(
    "refusal",
    [
        httpx.Response(429, headers={"Retry-After": "30"}),
        httpx.Response(403, headers={"Retry-After": "30", "X-RateLimit-Remaining": "4000"}),
        httpx.Response(403, headers={"X-RateLimit-Remaining": "0",
                                     "X-RateLimit-Reset": str(1_000_000 + 30)}),
    ],
    ids=["429", "github-secondary-403", "github-quota-403"],
)
async def test_a_rate_limit_answer_holds_back_every_client_of_the_credential(
    refusal: httpx.Response,
) -> None:
    time = VirtualTime()
    budget = RateLimiter(clock=time.clock, sleep=time.sleep)
    server = Server()
    server.answers["/a"] = [refusal]
    transport = httpx.MockTransport(server.handle)
    retry = policy(time, attempts=1)  # no retry: the refusal is the answer
    async with (
        create_client(BASE, transport=transport, rate_limit=budget, retry=retry) as one,
        create_client(BASE, transport=transport, rate_limit=budget, retry=retry) as other,
    ):
        assert (await one.get("/a")).status_code == refusal.status_code
        assert (await other.get("/b")).status_code == 200
    assert time.sleeps == [30.0]  # /b waited the whole pause


async def test_a_plain_refusal_pauses_nothing() -> None:
    time = VirtualTime()
    budget = RateLimiter(clock=time.clock, sleep=time.sleep)
    server = Server()
    server.answers["/a"] = [httpx.Response(403, json={"message": "Forbidden"})]
    transport = httpx.MockTransport(server.handle)
    async with create_client(BASE, transport=transport, rate_limit=budget) as client:
        await client.get("/a")
        await client.get("/b")
    assert time.sleeps == [] and budget.paused_for == 0


async def test_the_refused_request_waits_retries_and_ends_the_pause() -> None:
    time = VirtualTime()
    budget = RateLimiter(clock=time.clock, sleep=time.sleep)
    server = Server()
    server.answers["/a"] = [httpx.Response(429, headers={"Retry-After": "7"})]
    transport = httpx.MockTransport(server.handle)
    async with create_client(BASE, transport=transport, rate_limit=budget,
                             retry=policy(time)) as client:
        assert (await client.get("/a")).status_code == 200
        assert budget.paused_for == 0  # it waited the 7 s itself (the policy's sleep)
        await client.get("/b")
    assert time.sleeps == [7.0]
    assert server.paths == ["/a", "/a", "/b"]


async def test_quota_headers_of_an_answer_slow_the_next_requests() -> None:
    time = VirtualTime()
    budget = RateLimiter(clock=time.clock, sleep=time.sleep)
    server = Server()
    wall = 1_700_000_000
    server.answers["/a"] = [httpx.Response(
        200, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(wall + 12)}
    )]
    transport = httpx.MockTransport(server.handle)
    retry = policy(time, clock=lambda: float(wall))
    async with create_client(BASE, transport=transport, rate_limit=budget, retry=retry) as client:
        await client.get("/a")
        await client.get("/b")
    assert time.sleeps == [12.0]


async def test_the_meter_counts_for_the_instance_and_the_kind_fetching() -> None:
    time = VirtualTime()
    kind = KindStats()
    meter = RequestMeter(lambda: kind)
    budget = RateLimiter(rate=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    server = Server()
    server.answers["/a"] = [httpx.Response(503), httpx.Response(429, headers={"Retry-After": "2"})]
    transport = httpx.MockTransport(server.handle)
    async with create_client(BASE, transport=transport, rate_limit=budget, meter=meter,
                             retry=policy(time)) as client:
        await client.get("/a")
        await client.get("/b")
    stats = meter.snapshot()
    assert (stats.requests, stats.retries, stats.rate_limited) == (4, 2, 1)
    assert stats.in_flight == 0 and stats.max_in_flight == 1
    # The bucket (1 a second) held back the retry after the 503's 0.5 s, and /b; the third
    # attempt came after the 2 s pause, with a token refilled.
    assert stats.rate_limit_waits == 2 and stats.rate_limit_wait_seconds == 1.5
    assert (kind.requests, kind.retries, kind.in_flight, kind.rate_limit_waits) == (4, 2, 0, 2)
