"""Incremental runs are runs (rule 9 with rules 1 and 2): triggered, coalesced and aborted
like any other, and a full run asked for is never lost to a later incremental trigger."""

from __future__ import annotations

import pytest

from ocean_core import Ocean, ResyncStatus, RunMode
from ocean_core._run_modes import triggered_mode
from ocean_core.catalog import Catalog
from tests.incremental.support import Desk, item
from tests.support import mapping_for

pytestmark = pytest.mark.anyio

FULL, INCREMENTAL = RunMode.FULL, RunMode.INCREMENTAL


@pytest.mark.parametrize(("incremental", "replaces", "aborts", "mode"), [
    (True, None, None, INCREMENTAL), (False, None, None, FULL),
    (True, INCREMENTAL, INCREMENTAL, INCREMENTAL), (True, FULL, None, FULL),
    (True, None, FULL, FULL), (False, INCREMENTAL, INCREMENTAL, FULL),
])
def test_a_full_run_asked_for_wins(
    incremental: bool, replaces: RunMode | None, aborts: RunMode | None, mode: RunMode
) -> None:
    assert triggered_mode(incremental, replaces=replaces, aborts=aborts) is mode


def _source() -> Desk:
    return Desk({"ticket": [item(f"t{n}", n) for n in range(4)]})


async def test_trigger_incremental_runs_an_incremental_run(catalog: Catalog) -> None:
    source = _source()
    async with Ocean(source, catalog=catalog, mapping=mapping_for("ticket"),
                     integration_id="i") as ocean:
        ocean.trigger()
        await ocean.wait_idle()
        generation = ocean.trigger(incremental=True)
        assert ocean.pending_mode is INCREMENTAL
        run = await ocean.wait_idle()
    assert run is not None and run.generation == generation
    assert run.mode is INCREMENTAL and source.sinces["ticket"] == [None, 3]
    stored = (await catalog.runs("i", limit=1))[0]
    assert stored.mode is INCREMENTAL  # the record says which mode ran


async def test_a_trigger_aborts_an_incremental_run_which_then_commits_nothing(
    catalog: Catalog,
) -> None:
    source = _source()
    async with Ocean(source, catalog=catalog, mapping=mapping_for("ticket"),
                     integration_id="i") as ocean:
        await ocean.resync()
        source.data["ticket"] += [item("t9", 9), item("t10", 10)]
        source.batch_size = 1
        source.hold["ticket"] = 2  # t3, then t9 written (cursor 9 seen), then held
        ocean.trigger(incremental=True)
        await source.held.wait()
        ocean.trigger(incremental=True)
        source.release.set()
        last = await ocean.wait_idle()
        runs = await ocean.runs()
    aborted = runs[1]
    assert aborted.mode is INCREMENTAL and aborted.status is ResyncStatus.ABORTED
    assert aborted.kinds["ticket"].cursor is None
    assert last is not None and last.status is ResyncStatus.SUCCEEDED
    assert source.sinces["ticket"][1:] == [3, 3]  # the aborted run committed nothing


async def test_an_incremental_trigger_that_aborts_a_full_run_starts_a_full_one(
    catalog: Catalog,
) -> None:
    source = _source()
    async with Ocean(source, catalog=catalog, mapping=mapping_for("ticket"),
                     integration_id="i") as ocean:
        source.hold["ticket"] = 0
        ocean.trigger()
        await source.held.wait()
        ocean.trigger(incremental=True)
        assert ocean.pending_mode is FULL
        source.release.set()
        run = await ocean.wait_idle()
    assert run is not None and run.mode is FULL and run.status is ResyncStatus.SUCCEEDED


async def test_an_incremental_trigger_does_not_replace_a_pending_full_run(
    catalog: Catalog,
) -> None:
    async with Ocean(_source(), catalog=catalog, mapping=mapping_for("ticket"),
                     integration_id="i") as ocean:
        ocean.trigger()
        ocean.trigger(incremental=True)
        assert ocean.pending_mode is FULL
        run = await ocean.wait_idle()
    assert run is not None and run.mode is FULL
