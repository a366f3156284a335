"""``Deleted`` batches (rule 9): what the source reports gone is deleted, in full and
incremental runs alike, keyed by the same mapping, atomically with the generation check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ocean_core import Deleted, Entity, Integration, Ocean, ResyncStatus, kind
from ocean_core.catalog import Catalog
from tests.incremental.support import Desk, item
from tests.support import identifiers, mapping_for

pytestmark = pytest.mark.anyio


async def test_reported_deletes_go_in_an_incremental_run_and_are_counted(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 10), item("t2", 20), item("t3", 30)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    gone = source.data["ticket"].pop(0)
    source.gone["ticket"].append({"id": gone["id"], "updated": 40})  # a tombstone: its id

    run = await ocean.resync(incremental=True)

    assert run.status is ResyncStatus.SUCCEEDED
    assert run.kinds["ticket"].deleted == 1 and run.deleted == 1
    assert run.kinds["ticket"].cursor == 40  # the tombstone's cursor counts too
    assert await identifiers(catalog, "i") == ["t2", "t3"]


async def test_reported_deletes_go_in_a_full_run_too_and_add_to_its_sweep(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item(f"t{n}", n) for n in range(5)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    del source.data["ticket"][:2]
    source.gone["ticket"].append({"id": "t0"})  # t1 goes silently: the sweep's

    run = await ocean.resync()

    assert (run.kinds["ticket"].deleted, run.deleted) == (1, 2)
    assert await identifiers(catalog, "i") == ["t2", "t3", "t4"]


async def test_a_deleted_item_needs_only_what_its_key_is_mapped_from_not_the_selector(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 1, value=5)]})
    mapping = mapping_for("ticket", selector=".value > 0")  # a tombstone has no value
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")
    await ocean.resync()
    source.data["ticket"].clear()
    source.gone["ticket"].append({"id": "t1"})

    run = await ocean.resync(incremental=True)

    assert run.kinds["ticket"].deleted == 1
    assert await identifiers(catalog, "i") == []


class Entities(Integration):
    type = "entities"

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[Any] = []

    @kind("svc", may_be_empty=True)
    async def services(self) -> AsyncIterator[Any]:
        for batch in self.batches:
            yield batch


async def test_entities_can_be_reported_deleted(catalog: Catalog) -> None:
    source = Entities()
    svc = [Entity(identifier=f"s{n}", blueprint="svc") for n in range(3)]
    source.batches = [svc]
    ocean = Ocean(source, catalog=catalog, integration_id="i")
    await ocean.resync()
    source.batches = [svc[1:], Deleted([svc[0]])]

    run = await ocean.resync()

    assert run.kinds["svc"].deleted == 1
    assert await identifiers(catalog, "i") == ["s1", "s2"]


async def test_a_deleted_item_without_a_key_is_an_error_of_its_kind(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 1), item("t2", 2)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.gone["ticket"] += [{"updated": 3}, {"id": "t1", "updated": 3}]

    run = await ocean.resync(incremental=True)

    assert run.status is ResyncStatus.FAILED
    [detail] = run.kinds["ticket"].error_details
    assert detail.stage.value == "map" and "identifier is null" in detail.message
    assert run.kinds["ticket"].deleted == 1  # the good one still goes
    assert run.kinds["ticket"].cursor is None
    assert await identifiers(catalog, "i") == ["t2"]


async def test_a_superseded_run_deletes_nothing(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 1), item("t2", 2)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.gone["ticket"].append({"id": "t1", "updated": 3})

    async def newer_generation(kind: str, number: int) -> None:
        # Another runner moved the generation on while this run was fetching.
        await catalog.advance_generation("i")

    source.on_batch = newer_generation
    run = await ocean.resync(incremental=True)

    assert run.kinds["ticket"].deleted == 0
    assert await identifiers(catalog, "i") == ["t1", "t2"]


async def test_a_deleted_batch_lands_after_the_pages_before_it(catalog: Catalog) -> None:
    """A key written and then reported gone in one run is gone; reported gone and then
    written again, it is back: the batches apply in the order they came."""
    source = Entities()
    one = Entity(identifier="one", blueprint="svc")
    two = Entity(identifier="two", blueprint="svc")
    source.batches = [[one], Deleted([one]), Deleted([two]), [two]]
    ocean = Ocean(source, catalog=catalog, integration_id="i")

    await ocean.resync()

    assert await identifiers(catalog, "i") == ["two"]


async def test_a_plan_counts_reported_deletes_without_applying_them(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 1), item("t2", 2)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"].pop(0)
    source.gone["ticket"].append({"id": "t1", "updated": 3})

    plan = await ocean.resync(plan_only=True)

    assert plan.would_delete == 1 and plan.deleted == 0
    assert await identifiers(catalog, "i") == ["t1", "t2"]
    assert (await catalog.cursors("i"))["ticket"].value == 2  # a plan commits no cursor
