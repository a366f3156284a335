"""Whole resyncs: conformance, an unchanged second run, deletes on a clean run only."""

from __future__ import annotations

import httpx
import pytest

from ocean_core import ResyncStatus
from ocean_core.testing import MemoryCatalog, assert_conforms, recorded_transport, run_resync

from .conftest import by_offset, empty, load, make, routes


@pytest.mark.anyio
async def test_conforms() -> None:
    await assert_conforms(lambda: make(recorded_transport(routes())))


@pytest.mark.anyio
async def test_second_run_is_unchanged_and_a_removed_service_is_deleted() -> None:
    catalog = MemoryCatalog()
    first = await run_resync(make(), catalog=catalog)
    assert first.result.status is ResyncStatus.SUCCEEDED
    assert first.result.kinds["service"].upserted == 3

    again = await run_resync(make(), catalog=catalog)
    assert again.result.status is ResyncStatus.SUCCEEDED
    assert again.result.kinds["service"].unchanged == 3
    assert sum(k.upserted for k in again.result.kinds.values()) == 0
    assert again.result.deleted == 0

    page2 = {**load("services_page2"), "services": []}
    shrunk = routes(services=by_offset(load("services_page1"), page2))
    last = await run_resync(make(recorded_transport(shrunk)), catalog=catalog)
    assert last.result.status is ResyncStatus.SUCCEEDED
    assert last.result.deleted == 1
    services = {e.identifier for e in last.entities if e.blueprint == "pagerdutyService"}
    assert services == {"PSVC001", "PSVC002"}


@pytest.mark.anyio
async def test_no_incidents_is_not_an_error() -> None:
    catalog = MemoryCatalog()
    await run_resync(make(), catalog=catalog)
    quiet = await run_resync(
        make(recorded_transport(routes(incidents=empty("incidents")))), catalog=catalog
    )
    assert quiet.result.status is ResyncStatus.SUCCEEDED
    assert quiet.result.deleted == 2
    assert not [e for e in quiet.entities if e.blueprint == "pagerdutyIncident"]


@pytest.mark.anyio
async def test_a_failing_kind_fails_the_run_and_deletes_nothing() -> None:
    catalog = MemoryCatalog()
    first = await run_resync(make(), catalog=catalog)
    down = routes(services=lambda request: httpx.Response(503, json={"error": "unavailable"}))
    failed = await run_resync(make(recorded_transport(down)), catalog=catalog)
    assert failed.result.status is ResyncStatus.FAILED
    assert failed.result.kinds["service"].errors == 1
    assert failed.result.deleted == 0
    assert failed.result.delete_skipped_reason
    assert len(failed.entities) == len(first.entities)


@pytest.mark.anyio
async def test_one_or_eight_requests_in_flight_give_the_same_catalog() -> None:
    concurrent_pagerduty = make(max_concurrency=8)
    assert concurrent_pagerduty.in_flight is not None
    assert concurrent_pagerduty.in_flight.total_tokens == 8
    serial = await run_resync(make(max_concurrency=1))
    concurrent = await run_resync(concurrent_pagerduty)
    assert serial.result.status is concurrent.result.status is ResyncStatus.SUCCEEDED
    assert serial.entities
    assert sorted(map(repr, concurrent.entities)) == sorted(map(repr, serial.entities))
