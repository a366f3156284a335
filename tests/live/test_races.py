"""Rule 8 through the engine, on every catalog: a live change applied while a run is in flight
(after its fetcher listed the source, before the run wrote what it listed) wins over that run
for every entity it touched; the next run, started after the change, restores the source.

No sleeps: the fetcher takes its snapshot, says so (``listed``) and waits for ``go_on``; the
test applies its change in between."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest

from ocean_core import LiveChange, Ocean, ResyncStatus, RunRecord, WebhookRequest
from ocean_core.catalog import Catalog
from tests.live._source import IID, LiveSource, contents, mapping, svc

pytestmark = pytest.mark.anyio

Change = Callable[[Ocean], Awaitable[object]]


async def run_with_change(ocean: Ocean, source: LiveSource, change: Change) -> RunRecord:
    """One triggered run; ``change`` is applied once its fetcher has listed the source."""
    source.hold = True
    ocean.trigger()
    await source.listed.wait()
    await change(ocean)
    source.go_on.set()
    record = await ocean.wait_idle()
    assert record is not None
    return record


def runtime(source: LiveSource, catalog: Catalog) -> Ocean:
    return Ocean(source, catalog=catalog, mapping=mapping(), integration_id=IID)


async def test_a_run_does_not_bring_back_what_a_live_change_deleted(catalog: Catalog) -> None:
    source = LiveSource(svc("a"), svc("b"))
    async with runtime(source, catalog) as ocean:
        await ocean.resync()
        assert await contents(catalog) == {"a": 0, "b": 0}

        async def delete_b(ocean: Ocean) -> object:
            source.remove("b")
            return await ocean.apply(LiveChange("svc", deleted=[{"id": "b"}]))

        record = await run_with_change(ocean, source, delete_b)  # it listed b, and writes it
    assert record.status is ResyncStatus.SUCCEEDED
    assert record.kinds["svc"].kept == 1
    assert await contents(catalog) == {"a": 0}


async def test_a_run_does_not_bring_back_a_key_deleted_live_before_it_ever_existed(
    catalog: Catalog,
) -> None:
    source = LiveSource(svc("a"), svc("b"))
    async with runtime(source, catalog) as ocean:

        async def delete_b(ocean: Ocean) -> object:
            source.remove("b")
            return await ocean.apply(LiveChange("svc", deleted=[{"id": "b"}]))

        await run_with_change(ocean, source, delete_b)
    assert await contents(catalog) == {"a": 0}


async def test_a_live_update_newer_than_the_run_s_page_wins(catalog: Catalog) -> None:
    source = LiveSource(svc("a", 1), svc("b", 1))
    async with runtime(source, catalog) as ocean:
        await ocean.resync()

        async def update_a(ocean: Ocean) -> object:
            source.set(svc("a", 2))
            return await ocean.apply(LiveChange("svc", upserted=[svc("a", 2)]))

        record = await run_with_change(ocean, source, update_a)  # its page says a = 1
    assert record.status is ResyncStatus.SUCCEEDED
    assert await contents(catalog) == {"a": 2, "b": 1}


async def test_an_entity_created_live_during_a_run_is_not_swept_by_it(catalog: Catalog) -> None:
    source = LiveSource(svc("a"))
    async with runtime(source, catalog) as ocean:
        await ocean.resync()

        async def create_z(ocean: Ocean) -> object:
            source.set(svc("z", 5))
            return await ocean.apply(LiveChange("svc", upserted=[svc("z", 5)]))

        record = await run_with_change(ocean, source, create_z)  # it never listed z
    assert record.status is ResyncStatus.SUCCEEDED
    assert record.deleted == 0
    assert await contents(catalog) == {"a": 0, "z": 5}


async def test_the_next_run_restores_the_source_after_live_changes_it_contradicts(
    catalog: Catalog,
) -> None:
    source = LiveSource(svc("a", 1), svc("b", 1))
    async with runtime(source, catalog) as ocean:
        await ocean.resync()

        async def wrong(ocean: Ocean) -> object:  # the source does not change at all
            return await ocean.apply(
                LiveChange("svc", upserted=[svc("a", 9), svc("ghost", 3)], deleted=[{"id": "b"}]))

        await run_with_change(ocean, source, wrong)
        assert await contents(catalog) == {"a": 9, "ghost": 3}  # the live change won that run
        record = await ocean.resync()
    assert record.status is ResyncStatus.SUCCEEDED
    assert record.deleted == 1
    assert await contents(catalog) == {"a": 1, "b": 1}


async def test_a_webhook_handled_during_a_run_wins_over_it(catalog: Catalog) -> None:
    source = LiveSource(svc("a", 1), svc("b", 1))
    async with runtime(source, catalog) as ocean:
        await ocean.resync()

        async def event(ocean: Ocean) -> object:
            source.set(svc("a", 2), svc("c", 3))
            source.remove("b")
            body = b'{"upserted": [{"id": "a", "name": "A", "value": 2},' \
                   b' {"id": "c", "name": "C", "value": 3}], "deleted": [{"id": "b"}]}'
            return await ocean.handle_webhook(WebhookRequest.of("svc", body))

        await run_with_change(ocean, source, event)
    assert await contents(catalog) == {"a": 2, "c": 3}


async def test_a_live_change_applied_while_resync_runs_outside_async_with_wins(
    catalog: Catalog,
) -> None:
    """Without ``async with`` the run holds the runner lock; ``apply`` uses it meanwhile."""
    source = LiveSource(svc("a", 1), svc("b", 1))
    ocean = runtime(source, catalog)
    await ocean.resync()
    source.hold = True
    records: list[RunRecord] = []

    async def run() -> None:
        records.append(await ocean.resync())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run)
        await source.listed.wait()
        source.set(svc("a", 2))
        source.remove("b")
        await ocean.apply(LiveChange("svc", upserted=[svc("a", 2)], deleted=[{"id": "b"}]))
        source.go_on.set()
    assert records[0].status is ResyncStatus.SUCCEEDED
    assert await contents(catalog) == {"a": 2}
    # The run gave the lock back: a live change outside any run takes it for itself.
    await ocean.apply(LiveChange("svc", upserted=[svc("d", 4)]))
    assert await contents(catalog) == {"a": 2, "d": 4}
