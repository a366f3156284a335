"""The github and gitlab integrations against a fake API on a real socket (served in a thread):
fan-out under the cap, each listing once, and a rate-limit answer pausing every request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from benchmarks import _api_data as data
from benchmarks._api_bench import WireLog, entities, make_integration, need
from benchmarks._api_server import Limits, Server, served
from benchmarks._api_shapes import shape
from ocean_core import ResyncStatus
from ocean_core.testing import run_resync

pytestmark = pytest.mark.anyio

SIZE = 30


@pytest.fixture(params=["github", "gitlab"])
def vendor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def api(vendor: str, request: pytest.FixtureRequest) -> Iterator[tuple[Server, str]]:
    limits: Limits = getattr(request, "param", Limits(latency=0.002))
    with served(shape(vendor, SIZE), limits) as (server, port):
        yield server, f"http://127.0.0.1:{port}"


async def _resync(vendor: str, url: str, concurrency: int) -> tuple[Any, WireLog, Any]:
    wire = WireLog(httpx.AsyncHTTPTransport())
    integration = make_integration(vendor, url, wire, concurrency)
    try:
        outcome = await run_resync(integration, integration_id=vendor)
    finally:
        await wire.close()
    return outcome, wire, integration


async def test_a_resync_fans_out_under_the_cap_and_lists_each_listing_once(
    vendor: str, api: tuple[Server, str]
) -> None:
    server, url = api
    outcome, _, integration = await _resync(vendor, url, 4)
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    assert len(outcome.entities) == entities(vendor, SIZE)
    wanted = need(vendor, SIZE)
    assert server.stats.requests == sum(kind.requests for kind in wanted.values())
    assert {kind: stats.requests for kind, stats in outcome.result.kinds.items()} == {
        kind: wanted[kind].requests for kind in wanted
    }
    assert server.stats.as_json()["duplicates"] == 0
    assert 1 < server.stats.max_in_flight <= 4
    assert integration.request_stats().max_in_flight <= 4


async def test_one_at_a_time_gives_the_same_catalog(vendor: str, api: tuple[Server, str]) -> None:
    _, url = api
    serial, _, _ = await _resync(vendor, url, 1)
    concurrent, _, _ = await _resync(vendor, url, 8)
    assert sorted(map(repr, serial.entities)) == sorted(map(repr, concurrent.entities))


@pytest.mark.parametrize(
    "api", [Limits(latency=0.002, secondary=frozenset({20}), retry_after=0.3)], indirect=True
)
async def test_a_rate_limit_answer_pauses_every_request_in_flight(
    vendor: str, api: tuple[Server, str]
) -> None:
    server, url = api
    outcome, wire, integration = await _resync(vendor, url, 8)
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    assert [r["number"] for r in server.stats.refusals] == [20]
    assert len(wire.refusals) == 1 and wire.too_early() == 0
    assert integration.request_stats().rate_limited == 1
    assert data.ORG  # the organization every route is under
