"""Whole resyncs on the recorded site: conformance, idempotence, deletes."""

from __future__ import annotations

import pytest

from ocean_core import ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.testing import assert_conforms, recorded_transport, run_resync

from .conftest import API, by_token, load, make, routes


@pytest.mark.anyio
async def test_jira_conforms() -> None:
    await assert_conforms(lambda: make()[0])


@pytest.mark.anyio
async def test_second_run_is_unchanged_and_a_vanished_issue_is_deleted() -> None:
    catalog = MemoryCatalog()
    first = await run_resync(make()[0], catalog=catalog, integration_id="jira")
    assert first.result.status is ResyncStatus.SUCCEEDED, first.result
    assert len(first.entities) == 9

    again = await run_resync(make()[0], catalog=catalog, integration_id="jira")
    assert again.result.status is ResyncStatus.SUCCEEDED
    assert all(k.upserted == 0 for k in again.result.kinds.values())
    assert again.result.kinds["issue"].unchanged == 3
    assert again.result.deleted == 0

    # OPS-7 moved out of the JQL's reach: the second page is now empty.
    last = {**load("issues_page2.json"), "issues": []}
    issues = by_token(load("issues_page1.json"), last)
    transport = recorded_transport(routes(**{f"{API}/search/jql": issues}))
    third = await run_resync(make(transport)[0], catalog=catalog, integration_id="jira")
    assert third.result.status is ResyncStatus.SUCCEEDED, third.result
    assert third.result.deleted == 1
    assert "OPS-7" not in {e.identifier for e in third.entities}


@pytest.mark.anyio
async def test_a_failing_listing_deletes_nothing() -> None:
    catalog = MemoryCatalog()
    await run_resync(make()[0], catalog=catalog, integration_id="jira")
    broken = recorded_transport(routes())
    del broken.routes[f"{API}/users/search"]  # the recorded site now answers 404
    run = await run_resync(make(broken)[0], catalog=catalog, integration_id="jira")
    assert run.result.status is ResyncStatus.FAILED
    assert run.result.kinds["user"].errors >= 1
    assert run.result.deleted == 0
    assert len(run.entities) == 9


@pytest.mark.anyio
async def test_one_or_eight_requests_in_flight_give_the_same_catalog() -> None:
    serial_jira, _ = make(max_concurrency=1)
    concurrent_jira, _ = make(max_concurrency=8)
    assert concurrent_jira.in_flight is not None and concurrent_jira.in_flight.total_tokens == 8
    serial = await run_resync(serial_jira)
    concurrent = await run_resync(concurrent_jira)
    assert serial.result.status is concurrent.result.status is ResyncStatus.SUCCEEDED
    assert len(serial.entities) == 9
    assert sorted(map(repr, concurrent.entities)) == sorted(map(repr, serial.entities))
