"""Whole resyncs on the recorded instance: conformance, idempotence, deletes."""

from __future__ import annotations

import pytest

from ocean_core import ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.testing import assert_conforms, recorded_transport, run_resync

from .conftest import API, load, make, offset, routes


@pytest.mark.anyio
async def test_gitlab_conforms() -> None:
    await assert_conforms(lambda: make()[0])


@pytest.mark.anyio
async def test_second_run_is_unchanged_and_a_closed_mr_is_deleted() -> None:
    catalog = MemoryCatalog()
    first = await run_resync(make()[0], catalog=catalog, integration_id="gl")
    assert first.result.status is ResyncStatus.SUCCEEDED, first.result
    assert len(first.entities) == 13

    again = await run_resync(make()[0], catalog=catalog, integration_id="gl")
    assert again.result.status is ResyncStatus.SUCCEEDED
    assert all(k.upserted == 0 for k in again.result.kinds.values())
    assert again.result.kinds["project"].unchanged == 3
    assert again.result.deleted == 0

    # !13 was closed: the opened-MR listing no longer has it.
    page1 = [mr for mr in load("merge_requests_page1.json") if mr["iid"] != 13]
    mrs = offset(page1, load("merge_requests_page2.json"))
    transport = recorded_transport(routes(**{f"{API}/groups/acme/merge_requests": mrs}))
    third = await run_resync(make(transport)[0], catalog=catalog, integration_id="gl")
    assert third.result.status is ResyncStatus.SUCCEEDED, third.result
    assert third.result.deleted == 1
    assert "acme/api!13" not in {e.identifier for e in third.entities}
    assert len(third.entities) == 12


@pytest.mark.anyio
async def test_a_failing_listing_deletes_nothing() -> None:
    catalog = MemoryCatalog()
    await run_resync(make()[0], catalog=catalog, integration_id="gl")
    broken = recorded_transport(routes(**{f"{API}/groups/acme/issues": {"message": "boom"}}))
    del broken.routes[f"{API}/groups/acme/issues"]  # now a 404 from the recorded instance
    run = await run_resync(make(broken)[0], catalog=catalog, integration_id="gl")
    assert run.result.status is ResyncStatus.FAILED
    assert run.result.kinds["issue"].errors >= 1
    assert run.result.deleted == 0
    assert len(run.entities) == 13


@pytest.mark.anyio
async def test_one_or_eight_at_a_time_give_the_same_catalog() -> None:
    serial = await run_resync(make(max_concurrency=1)[0])
    concurrent = await run_resync(make(max_concurrency=8)[0])
    assert serial.result.status is concurrent.result.status is ResyncStatus.SUCCEEDED
    assert len(serial.entities) == 13
    assert sorted(map(repr, concurrent.entities)) == sorted(map(repr, serial.entities))


@pytest.mark.anyio
async def test_a_run_lists_the_projects_once_for_projects_and_pipelines() -> None:
    integration, transport = make()
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.SUCCEEDED
    paths = transport.requested_paths()
    assert len([p for p in paths if p.startswith(f"{API}/groups/acme/projects")]) == 2
    assert len(paths) == len(set(paths))  # nothing asked twice
    assert outcome.result.kinds["pipeline"].requests == 2  # only the per-project listings
