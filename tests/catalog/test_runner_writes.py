"""Only an integration's runner writes its pages: a page write or delete step from a catalog that
holds no runner lock of the integration is refused (``LockNotHeldError``) before anything is
written, on every catalog; a tool writes through the one named way around it,
``catalog.unfenced()``. And every catalog declares what it can do in one frozen record."""

from __future__ import annotations

import dataclasses

import pytest

from ocean_core.catalog import Catalog, CatalogCapabilities, encode
from ocean_core.errors import CatalogError, LockNotHeldError

pytestmark = pytest.mark.anyio

ROWS = [encode("a", "svc", "A", {}, {}), encode("b", "svc", "B", {}, {})]


async def test_a_write_from_no_runner_is_refused_and_writes_nothing(catalog: Catalog) -> None:
    generation = await catalog.advance_generation("i")
    with pytest.raises(LockNotHeldError) as raised:
        await catalog.write_page("i", "svc", 0, generation, ROWS)
    assert raised.value.integration_id == "i"
    assert "unfenced()" in str(raised.value)  # the message names the way for tools
    assert isinstance(raised.value, CatalogError)
    assert await catalog.count_entities("i") == 0

    await catalog.unfenced().write_page("i", "svc", 0, generation, ROWS)
    later = await catalog.advance_generation("i")
    with pytest.raises(LockNotHeldError):
        await catalog.delete_stale("i", later, threshold=1.0)
    with pytest.raises(LockNotHeldError):
        await catalog.delete_stale("i", later, threshold=1.0, dry_run=True)
    assert await catalog.count_entities("i") == 2


async def test_the_runner_writes_while_it_holds_the_lock_and_not_after(catalog: Catalog) -> None:
    async with catalog.runner_lock("i"):
        generation = await catalog.advance_generation("i")
        outcome = await catalog.write_page("i", "svc", 0, generation, ROWS)
        assert (outcome.upserted, outcome.unchanged) == (2, 0)
        with pytest.raises(LockNotHeldError):  # the lock is per integration
            await catalog.write_page("other", "svc", 0, generation, ROWS)
        verdict = await catalog.delete_stale("i", generation, threshold=1.0)
        assert (verdict.deleted, verdict.superseded) == (0, False)
    with pytest.raises(LockNotHeldError):
        await catalog.write_page("i", "svc", 1, generation, ROWS)
    assert [e.identifier for e in await catalog.list_entities("i")] == ["a", "b"]


async def test_a_tool_writes_and_deletes_through_unfenced(catalog: Catalog) -> None:
    tool = catalog.unfenced()
    first = await catalog.advance_generation("i")
    assert (await tool.write_page("i", "svc", 0, first, ROWS)).upserted == 2
    second = await catalog.advance_generation("i")
    assert (await tool.write_page("i", "svc", 0, second, ROWS[:1])).unchanged == 1
    plan = await tool.delete_stale("i", second, threshold=1.0, dry_run=True)
    assert (plan.deleted, plan.stale) == (0, 1)
    assert (await tool.delete_stale("i", second, threshold=1.0)).deleted == 1
    assert [e.identifier for e in await catalog.list_entities("i")] == ["a"]


async def test_every_catalog_declares_its_capabilities_in_a_frozen_record(
    catalog: Catalog, request: pytest.FixtureRequest
) -> None:
    capabilities = catalog.capabilities
    assert isinstance(capabilities, CatalogCapabilities)
    with pytest.raises(dataclasses.FrozenInstanceError):
        capabilities.shared = True  # type: ignore[misc]
    shared = "postgres" in request.node.callspec.id
    assert capabilities == CatalogCapabilities(shared=shared, overlapped_writes=shared)
    assert not hasattr(catalog, "shared") and not hasattr(catalog, "overlapped_writes")


async def test_still_holds_tells_whether_this_catalog_holds_the_lock(catalog: Catalog) -> None:
    assert not await catalog.still_holds("i")
    async with catalog.runner_lock("i"):
        assert await catalog.still_holds("i")
        assert not await catalog.still_holds("other")
    assert not await catalog.still_holds("i")
