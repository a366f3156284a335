"""The fault matrix: a source of three kinds with four batches each, and a fault at every kind
and batch position (a fetch error, a catalog write error, a mapping error, a cancellation by a
new trigger and one by shutdown). After each faulty run: nothing deleted, the later kinds
synced, the run recorded with the right status and reason; the next clean run converges.

Each test walks all twelve positions, one integration instance per position, on every catalog
(memory, SQLite, PostgreSQL) and both anyio backends."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import Catalog
from ocean_core.errors import CatalogError
from ocean_core.results import ResyncResult
from tests.reliability._support import expected, record, snapshot
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio

KINDS = ("a", "b", "c")
BATCHES = 4
BATCH_SIZE = 2
POSITIONS = [(kind, batch) for kind in KINDS for batch in range(BATCHES)]


def _before() -> dict[str, list[dict[str, Any]]]:
    return {kind: items(kind, BATCHES * BATCH_SIZE) for kind in KINDS}


def _after() -> dict[str, list[dict[str, Any]]]:
    """Every item changed (value 1) and the last of each kind gone: three stale entities, still
    four batches per kind (the last one of a single item)."""
    return {kind: items(kind, BATCHES * BATCH_SIZE - 1, value=1) for kind in KINDS}


def _mapping() -> dict[str, Any]:
    """``mapping_for`` with a value that must be a number: a string raises a jq error."""
    mapping = mapping_for(*KINDS)
    for resource in mapping["resources"]:
        resource["port"]["entity"]["mappings"]["properties"]["value"] = (
            '.value | if type == "number" then . else error("value must be a number") end'
        )
    return mapping


class _FailingWrite:
    """A catalog whose write of one page (kind, page number) fails, as a full disk would."""

    def __init__(self, inner: Catalog, kind: str, seq: int) -> None:
        self.inner, self.kind, self.seq = inner, kind, seq

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def write_page(
        self, integration_id: str, kind: str, seq: int, *args: Any, **kw: Any
    ) -> Any:
        if (kind, seq) == (self.kind, self.seq):
            raise CatalogError(f"disk full writing page {seq} of {kind}")
        return await self.inner.write_page(integration_id, kind, seq, *args, **kw)


async def _prepared(catalog: Catalog, integration_id: str) -> Source:
    """A source whose first clean run is in the catalog, then changed to ``_after()``."""
    source = Source(_before(), batch_size=BATCH_SIZE)
    first = await Ocean(source, catalog=catalog, mapping=_mapping(),
                        integration_id=integration_id).resync()
    assert first.status is ResyncStatus.SUCCEEDED
    assert await snapshot(catalog, integration_id) == expected(_before())
    source.data = _after()
    return source


async def _check_nothing_lost(
    catalog: Catalog, integration_id: str, fault_kind: str, unwritten: set[str],
    later_synced: bool,
) -> None:
    """Every entity of before the run is still there. The kinds before the faulted one are
    synced, and so are the later ones if the run went on; in the faulted kind, the items of
    ``unwritten`` keep their old value and the others (written before the fault) stay."""
    now = await snapshot(catalog, integration_id)
    assert set(expected(_before())) <= set(now), "an entity was deleted by a faulty run"
    after, before = expected(_after()), expected(_before())
    for key, value in now.items():
        kind, identifier = key
        if key not in after:
            assert value == before[key]  # the stale one: still there, unchanged
            continue
        position = KINDS.index(kind) - KINDS.index(fault_kind)
        synced = (
            position < 0 or (position > 0 and later_synced)
            or (position == 0 and identifier not in unwritten)
        )
        assert value == (after[key] if synced else before[key]), (key, synced)


def _from_batch(kind: str, batch: int) -> set[str]:
    return {f"{kind}{i}" for i in range(batch * BATCH_SIZE, BATCHES * BATCH_SIZE)}


async def _check_record(
    ocean: Ocean, result: ResyncResult, status: ResyncStatus, kind: str, stage: str | None
) -> None:
    assert result.status is status, (result.status, result.delete_skipped_reason)
    assert result.deleted == 0
    reason = result.delete_skipped_reason or ""
    if stage is None:
        assert reason.startswith("aborted"), reason
    else:
        assert reason == f"1 kind(s) had errors: {kind}", reason
        assert result.kinds[kind].errors >= 1
        assert {d.stage.value for d in result.kinds[kind].error_details} == {stage}
        for other in KINDS:
            if other != kind:
                assert result.kinds[other].errors == 0
                assert result.kinds[other].finished
    [stored] = [r for r in await ocean.runs() if r.id == result.id]
    assert stored.status is status and stored.delete_skipped_reason == result.delete_skipped_reason
    assert stored.ended_at is not None and stored.deleted == 0


async def _converges(ocean: Ocean, source: Source, catalog: Catalog, deleted: int = 3) -> None:
    clean = await ocean.resync()
    assert clean.status is ResyncStatus.SUCCEEDED, clean.delete_skipped_reason
    assert clean.deleted == deleted
    assert await snapshot(catalog, ocean.integration_id) == expected(source.data)


@pytest.mark.parametrize("fault", ["fetch", "write", "map"])
async def test_a_fault_at_every_position_loses_nothing_and_the_next_run_converges(
    catalog: Catalog, fault: str
) -> None:
    for kind, batch in POSITIONS:
        integration_id = f"{fault}-{kind}-{batch}"
        source = await _prepared(catalog, integration_id)
        store: Any = catalog
        if fault == "fetch":
            source.fail[kind] = batch
        elif fault == "write":
            store = _FailingWrite(catalog, kind, batch)
        else:
            source.data[kind][batch * BATCH_SIZE]["value"] = "not a number"
        ocean = Ocean(source, catalog=store, mapping=_mapping(), integration_id=integration_id)

        failed = await ocean.resync()

        await _check_record(ocean, failed, ResyncStatus.FAILED, kind, fault)
        unwritten = (
            {f"{kind}{batch * BATCH_SIZE}"} if fault == "map" else _from_batch(kind, batch)
        )
        await _check_nothing_lost(catalog, integration_id, kind, unwritten, later_synced=True)
        source.fail.clear()
        source.data = _after()
        await _converges(Ocean(source, catalog=catalog, mapping=_mapping(),
                               integration_id=integration_id), source, catalog)
    record("fault_matrix", positions=len(POSITIONS), faults_survived=len(POSITIONS),
           runs=3 * len(POSITIONS))


@pytest.mark.parametrize("how", ["trigger", "shutdown"])
async def test_a_cancellation_at_every_position_loses_nothing_and_the_next_run_converges(
    catalog: Catalog, how: str
) -> None:
    for kind, batch in POSITIONS:
        integration_id = f"cancel-{how}-{kind}-{batch}"
        source = await _prepared(catalog, integration_id)
        source.block[kind] = batch
        ocean = Ocean(source, catalog=catalog, mapping=_mapping(), integration_id=integration_id)
        async with ocean:
            ocean.trigger()
            await source.blocked.wait()
            cancelled = ocean.current_run
            assert cancelled is not None
            if how == "trigger":
                # The next generation's run must not delete the faulty run's view: take a copy
                # of the source as it stands, and stop the new run before it can delete, by a
                # fetch failure, so what the aborted run left can be checked.
                source.fail[KINDS[-1]] = BATCHES - 1
                ocean.trigger()
                after_abort = await ocean.wait_idle()
                assert after_abort is not None and after_abort.status is ResyncStatus.FAILED
        assert source.unblocked_by_cancel == 1
        [aborted] = [r for r in await ocean.runs() if r.id == cancelled.id]
        await _check_record(ocean, aborted, ResyncStatus.ABORTED, kind, None)
        if how == "shutdown":
            await _check_nothing_lost(catalog, integration_id, kind, _from_batch(kind, batch),
                                      later_synced=False)
        else:
            assert set(expected(_before())) <= set(await snapshot(catalog, integration_id))
        source.fail.clear()
        await _converges(Ocean(source, catalog=catalog, mapping=_mapping(),
                               integration_id=integration_id), source, catalog)
    record("fault_matrix", positions=len(POSITIONS), faults_survived=len(POSITIONS),
           runs=3 * len(POSITIONS))
