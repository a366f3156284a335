"""Rule 4: delete only after a fully clean pass of the current generation, within guards."""

from __future__ import annotations

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import Catalog
from tests.support import Source, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


async def test_superseded_run_cannot_delete_when_it_reaches_the_delete_step(
    catalog: Catalog,
) -> None:
    source = Source({"svc": items("s", 4)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
    await ocean.resync()
    source.data["svc"] = items("s", 3)

    async def another_runner_triggers(kind: str, number: int) -> None:
        # As a trigger seen by another process would: the generation moves on in the catalog
        # while this run keeps going, uncancelled, to its delete step.
        await catalog.advance_generation("i")

    source.on_batch = another_runner_triggers
    result = await ocean.resync()

    assert result.status is ResyncStatus.ABORTED
    assert result.deleted == 0
    assert "superseded" in (result.delete_skipped_reason or "")
    assert "s3" in await identifiers(catalog, "i")


async def test_one_integration_never_deletes_another_ones_entities(catalog: Catalog) -> None:
    a = Ocean(Source({"svc": items("s", 3)}), catalog=catalog, mapping=mapping_for("svc"),
              integration_id="a")
    b_source = Source({"svc": items("s", 3)})
    b = Ocean(b_source, catalog=catalog, mapping=mapping_for("svc"), integration_id="b")
    await a.resync()
    await b.resync()
    b_source.data["svc"] = items("s", 2)

    result = await b.resync()

    assert result.deleted == 1
    assert await identifiers(catalog, "a") == ["s0", "s1", "s2"]
    assert await identifiers(catalog, "b") == ["s0", "s1"]


async def test_deletion_threshold_skips_the_delete(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 10)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i",
                  deletion_threshold=0.5)
    await ocean.resync()
    source.data["svc"] = items("s", 4)

    result = await ocean.resync()

    assert result.status is ResyncStatus.FAILED
    assert result.deleted == 0
    assert "threshold" in (result.delete_skipped_reason or "")
    assert "6 of 10" in (result.delete_skipped_reason or "")
    assert len(await identifiers(catalog, "i")) == 10


async def test_default_threshold_is_ninety_percent(catalog: Catalog) -> None:
    source = Source({"a": items("a", 10), "b": items("b", 1)}, may_be_empty={"a"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"), integration_id="i")
    await ocean.resync()
    source.data["a"] = []

    skipped = await ocean.resync()  # 10 of 11 (91%) would go

    assert skipped.status is ResyncStatus.FAILED and skipped.deleted == 0
    assert "threshold" in (skipped.delete_skipped_reason or "")

    source.data["a"] = items("a", 1)
    cleaned = await ocean.resync()  # 9 of 11 (82%) may go

    assert cleaned.status is ResyncStatus.SUCCEEDED and cleaned.deleted == 9


async def test_mapping_threshold_is_honoured(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 10)})
    mapping = {**mapping_for("svc"), "entityDeletionThreshold": 0.2}
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")
    await ocean.resync()
    source.data["svc"] = items("s", 7)

    result = await ocean.resync()

    assert result.deleted == 0 and "threshold" in (result.delete_skipped_reason or "")


async def test_empty_kind_guard(catalog: Catalog) -> None:
    source = Source({"a": items("a", 3), "b": items("b", 3)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"), integration_id="i")
    await ocean.resync()
    source.data["a"] = []

    result = await ocean.resync()

    assert result.status is ResyncStatus.FAILED
    assert result.kinds["a"].errors == 1
    assert result.kinds["a"].error_details[0].stage.value == "guard"
    assert "may_be_empty" in result.kinds["a"].error_details[0].message
    assert result.deleted == 0
    assert len(await identifiers(catalog, "i", "a")) == 3


async def test_kind_declared_may_be_empty_can_empty(catalog: Catalog) -> None:
    source = Source({"a": items("a", 3), "b": items("b", 3)}, may_be_empty={"a"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"), integration_id="i")
    await ocean.resync()
    source.data["a"] = []

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED
    assert result.deleted == 3


async def test_plan_reports_what_a_clean_run_would_delete(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 5)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
    first = await ocean.resync()
    source.data["svc"] = items("s", 3)

    plan = await ocean.resync(plan_only=True)

    assert plan.would_delete == 2 and plan.deleted == 0
    stale = await catalog.stale_entities("i", plan.generation)
    assert sorted(e.identifier for e in stale) == ["s3", "s4"]
    assert len(await identifiers(catalog, "i")) == 5
    assert first.would_delete is None
