"""Rules 1 and 2: generations, and a new trigger that aborts the run in flight."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import anyio
import pytest

from ocean_core import CatalogError, NotRunningError, Ocean, ResyncStatus, RunnerLockedError
from ocean_core.catalog import Catalog, RunStart, SQLiteCatalog
from tests.support import Source, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


async def _start_blocked_run(ocean: Ocean, source: Source, kind: str) -> int:
    """Trigger a run and return its generation once its fetcher of ``kind`` is blocked in I/O."""
    source.block[kind] = 0
    generation = ocean.trigger()
    await source.blocked.wait()
    return generation


async def test_trigger_aborts_a_run_blocked_in_io(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 4)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        first = ocean.trigger()
        await ocean.wait_idle()
        source.data["svc"] = items("s", 2)  # s2 and s3 are now stale
        blocked = await _start_blocked_run(ocean, source, "svc")
        newest = ocean.trigger()
        result = await ocean.wait_idle()

        runs = await ocean.runs()
    assert (first, blocked, newest) == (1, 2, 3)
    assert source.unblocked_by_cancel == 1
    assert [r.generation for r in runs] == [3, 2, 1]
    aborted = runs[1]
    assert aborted.status is ResyncStatus.ABORTED and aborted.deleted == 0
    assert result is not None and result.generation == 3
    assert result.status is ResyncStatus.SUCCEEDED and result.deleted == 2


async def test_aborted_run_deletes_nothing(catalog: Catalog) -> None:
    source = Source({"a": items("a", 2), "b": items("b", 2)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"),
                     integration_id="i") as ocean:
        ocean.trigger()
        await ocean.wait_idle()
        source.data["a"] = items("a", 1)
        await _start_blocked_run(ocean, source, "b")  # kind a completes, then b blocks
        source.data["a"] = items("a", 2)  # the new run sees a1 again
        ocean.trigger()
        result = await ocean.wait_idle()
        runs = await ocean.runs()

    assert runs[1].status is ResyncStatus.ABORTED and runs[1].deleted == 0
    assert result is not None and result.deleted == 0
    assert await identifiers(catalog, "i", "a") == ["a0", "a1"]


async def test_burst_of_triggers_runs_at_most_one_stale_run(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 2)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        await _start_blocked_run(ocean, source, "svc")
        generations = [ocean.trigger() for _ in range(100)]
        result = await ocean.wait_idle()
        runs = await ocean.runs()

    assert generations == list(range(2, 102))
    assert [r.generation for r in runs] == [101, 1]
    assert result is not None and result.generation == 101
    assert result.status is ResyncStatus.SUCCEEDED


async def test_spread_out_burst_coalesces(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 2)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        await _start_blocked_run(ocean, source, "svc")
        for _ in range(100):  # each trigger lets every other task run before the next
            ocean.trigger()
            await anyio.lowlevel.checkpoint()
        await ocean.wait_idle()
        runs = await ocean.runs(limit=200)

    newest, *older = runs
    assert newest.generation == 101 and newest.status is ResyncStatus.SUCCEEDED
    assert len(older) < 10  # coalesced: not a run per trigger
    assert all(r.status is ResyncStatus.ABORTED and r.deleted == 0 for r in older)
    spans = sorted((r.started_at, r.ended_at) for r in runs)  # one run at a time
    assert all(end is not None and end <= start for (_, end), (start, _) in pairwise(spans))


async def test_wait_idle_counts_a_run_that_has_not_started(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping_for("svc"))
    async with ocean:
        generation = ocean.trigger()
        result = await ocean.wait_idle()
    assert result is not None and result.generation == generation


async def test_entering_starts_no_resync(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping_for("svc"))
    async with ocean:
        assert await ocean.wait_idle() is None
    assert await ocean.runs() == []


async def test_resync_inside_the_runtime_waits_for_its_generation(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping_for("svc"))
    async with ocean:
        result = await ocean.resync()
    assert result.generation == 1 and result.status is ResyncStatus.SUCCEEDED


async def test_trigger_needs_the_running_runtime(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": []}), catalog=catalog, mapping=mapping_for("svc"))
    with pytest.raises(NotRunningError):
        ocean.trigger()


async def test_generations_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    source = Source({"svc": items("s", 2)})
    catalog = SQLiteCatalog(path)
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
    assert [(await ocean.resync()).generation for _ in range(2)] == [1, 2]
    await catalog.close()

    reopened = SQLiteCatalog(path)
    async with Ocean(source, catalog=reopened, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        assert ocean.trigger() == 3
        await ocean.wait_idle()
    assert (await Ocean(source, catalog=reopened, mapping=mapping_for("svc"),
                        integration_id="i").resync()).generation == 4
    await reopened.close()


async def test_one_runner_per_integration(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 2)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i"):
        second = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
        with pytest.raises(RunnerLockedError, match="'i'"):
            await second.resync()
        other = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="j")
        assert (await other.resync()).status is ResyncStatus.SUCCEEDED


async def test_exit_aborts_the_run_in_flight(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 2)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        await _start_blocked_run(ocean, source, "svc")
    [run] = await ocean.runs()
    assert run.status is ResyncStatus.ABORTED and run.ended_at is not None


class _FlakyCatalog:
    """A catalog that fails to store one generation, as a database going away would."""

    def __init__(self, inner: Catalog) -> None:
        self.inner, self.fail_next = inner, True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def begin_run(self, integration_id: str, generation: int) -> RunStart:
        """Where a run stores its generation (and takes its live mark)."""
        if self.fail_next:
            self.fail_next = False
            raise CatalogError("database went away")
        return await self.inner.begin_run(integration_id, generation)


async def test_a_catalog_failure_fails_the_run_and_the_runtime_goes_on(catalog: Catalog) -> None:
    flaky: Any = _FlakyCatalog(catalog)
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=flaky, mapping=mapping_for("svc"))
    async with ocean:
        ocean.trigger()
        failed = await ocean.wait_idle()
        ocean.trigger()
        recovered = await ocean.wait_idle()

    assert failed is not None and failed.status is ResyncStatus.FAILED
    assert "database went away" in (failed.error or "")
    assert failed.deleted == 0
    assert recovered is not None and recovered.status is ResyncStatus.SUCCEEDED
