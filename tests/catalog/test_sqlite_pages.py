"""Rules 4 and 5 at the catalog seam: per-page seen tracking, case by case.

Each contract case runs against SQLiteCatalog (in memory and on disk) and MemoryCatalog, so the
page logic cannot drift from the plain per-entity one. The "no row rewritten" cases count row
writes with TEMP triggers on the SQLite connection itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from ocean_core.catalog import Catalog, MemoryCatalog, PageOutcome, SQLiteCatalog, encode
from ocean_core.catalog._rows import EntityRow
from ocean_core.errors import CatalogError
from tests.catalog._support import entity_writes, install_write_counters, row

pytestmark = pytest.mark.anyio

NO_WRITES = {"insert": 0, "update": 0, "delete": 0}


@pytest.fixture(params=["memory", "sqlite-memory", "sqlite-file"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    store: Catalog
    if request.param == "memory":
        store = MemoryCatalog()
    else:
        store = SQLiteCatalog(":memory:" if request.param == "sqlite-memory" else tmp_path / "c.db")
    yield store
    await store.close()


@pytest.fixture(params=["sqlite-memory", "sqlite-file"])
async def sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SQLiteCatalog]:
    store = SQLiteCatalog(":memory:" if request.param == "sqlite-memory" else tmp_path / "c.db")
    yield store
    await store.close()


Pages = dict[str, Sequence[Sequence[EntityRow]]]


async def resync(
    catalog: Catalog, pages: Pages, integration_id: str = "i", *, delete: bool = True
) -> tuple[list[PageOutcome], int]:
    """One resync the way the engine does it: under the runner lock, bump, write each kind's
    pages in order, then (if ``delete``) a clean delete with threshold 1.0. Returns the
    outcomes and deleted count."""
    async with catalog.runner_lock(integration_id):
        generation = await catalog.advance_generation(integration_id)
        outcomes = [
            await catalog.write_page(integration_id, kind, seq, generation, list(rows))
            for kind, kind_pages in pages.items()
            for seq, rows in enumerate(kind_pages)
        ]
        if not delete:
            return outcomes, 0
        outcome = await catalog.delete_stale(integration_id, generation, threshold=1.0)
    assert outcome.skipped_reason is None and not outcome.superseded
    return outcomes, outcome.deleted


async def keys(catalog: Catalog, integration_id: str = "i") -> list[tuple[str, str, str | None]]:
    return [
        (e.identifier, e.kind or "", e.title)
        for e in await catalog.list_entities(integration_id)
    ]


# -- rule 5: a no-op resync rewrites nothing --------------------------------------------------


async def test_noop_resync_is_all_fast_path_and_updates_no_row(sqlite: SQLiteCatalog) -> None:
    pages: Pages = {
        "svc": [[row("s0"), row("s1", title="one")], [row("s2", v=2), row("s3")]],
        "team": [[row("t0", "team"), row("t1", "team", x=[1, 2])]],
    }
    first, _ = await resync(sqlite, pages)
    assert [o.upserted for o in first] == [2, 2, 2]
    await install_write_counters(sqlite)

    second, deleted = await resync(sqlite, pages)

    assert second == [PageOutcome(upserted=0, unchanged=2)] * 3
    assert deleted == 0
    assert await entity_writes(sqlite) == NO_WRITES
    assert await sqlite.count_entities("i") == 6


async def test_reordered_page_rewrites_no_row(sqlite: SQLiteCatalog) -> None:
    await resync(sqlite, {"svc": [[row("s0"), row("s1"), row("s2")]]})
    await install_write_counters(sqlite)

    outcomes, deleted = await resync(sqlite, {"svc": [[row("s2"), row("s0"), row("s1")]]})

    assert outcomes == [PageOutcome(upserted=0, unchanged=3)]
    assert deleted == 0
    assert await entity_writes(sqlite) == NO_WRITES


async def test_changed_entity_rewrites_only_its_row(sqlite: SQLiteCatalog) -> None:
    await resync(sqlite, {"svc": [[row("s0"), row("s1"), row("s2")], [row("s3")]]})
    await install_write_counters(sqlite)

    outcomes, _ = await resync(
        sqlite, {"svc": [[row("s0"), row("s1", title="new"), row("s2")], [row("s3")]]}
    )

    assert outcomes == [PageOutcome(1, 2), PageOutcome(0, 1)]
    assert await entity_writes(sqlite) == {"insert": 0, "update": 1, "delete": 0}


# -- rule 4: what a clean run deletes, and what it must keep ----------------------------------


async def test_entity_removed_from_middle_of_page_is_deleted(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0"), row("s1"), row("s2")], [row("s3")]]})

    outcomes, deleted = await resync(catalog, {"svc": [[row("s0"), row("s2")], [row("s3")]]})

    assert outcomes == [PageOutcome(0, 2), PageOutcome(0, 1)]
    assert deleted == 1
    assert await keys(catalog) == [("s0", "svc", None), ("s2", "svc", None), ("s3", "svc", None)]


async def test_entity_moving_to_a_later_page_is_kept(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0"), row("s1")], [row("s2")]]})

    outcomes, deleted = await resync(catalog, {"svc": [[row("s0")], [row("s1"), row("s2")]]})

    assert outcomes == [PageOutcome(0, 1), PageOutcome(0, 2)]
    assert deleted == 0
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s1", "s2"]
    # And once more unchanged: page 0 must not still vouch for s1 through a stale digest.
    _, deleted = await resync(catalog, {"svc": [[row("s0")], [row("s2")]]})
    assert deleted == 1
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s2"]


async def test_entity_moving_to_an_earlier_page_is_kept(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0")], [row("s1"), row("s2")]]})

    _, deleted = await resync(catalog, {"svc": [[row("s0"), row("s2")], [row("s1")]]})

    assert deleted == 0
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s1", "s2"]
    # Page 1 gave s2 away: an identical page 1 next time must not resurrect its old digest.
    _, deleted = await resync(catalog, {"svc": [[row("s0")], [row("s1"), row("s2")]]})
    assert deleted == 0
    _, deleted = await resync(catalog, {"svc": [[row("s0")], [row("s1")]]})
    assert deleted == 1
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s1"]


async def test_entity_moving_to_another_kind_changes_kind_and_is_kept(catalog: Catalog) -> None:
    await resync(catalog, {"a": [[row("s0"), row("s1")]], "b": [[row("s2")]]})

    outcomes, deleted = await resync(catalog, {"a": [[row("s0")]], "b": [[row("s2"), row("s1")]]})

    assert outcomes == [PageOutcome(0, 1), PageOutcome(0, 2)]
    assert deleted == 0
    assert await keys(catalog) == [("s0", "a", None), ("s1", "b", None), ("s2", "b", None)]
    assert (await catalog.count_entities("i", "a"), await catalog.count_entities("i", "b")) == (
        1, 2,
    )


async def test_page_that_becomes_empty(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0")], [row("s1"), row("s2")], [row("s3")]]})

    outcomes, deleted = await resync(catalog, {"svc": [[row("s0")], [], [row("s3")]]})

    assert outcomes == [PageOutcome(0, 1), PageOutcome(0, 0), PageOutcome(0, 1)]
    assert deleted == 2
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s3"]
    # Empty again (fast path on an empty page), then filled again.
    _, deleted = await resync(catalog, {"svc": [[row("s0")], [], [row("s3")]]})
    assert deleted == 0
    outcomes, deleted = await resync(catalog, {"svc": [[row("s0")], [row("s1")], [row("s3")]]})
    assert (outcomes[1], deleted) == (PageOutcome(1, 0), 0)
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s1", "s3"]


async def test_trailing_pages_that_disappear(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0")], [row("s1")], [row("s2")]]})

    _, deleted = await resync(catalog, {"svc": [[row("s0"), row("s2")]]})

    assert deleted == 1
    assert [k for k, _, _ in await keys(catalog)] == ["s0", "s2"]


async def test_duplicates_within_a_page_last_wins(catalog: Catalog) -> None:
    page = [row("s0", title="first"), row("s1"), row("s0", title="last")]

    outcomes, _ = await resync(catalog, {"svc": [page]})
    assert outcomes == [PageOutcome(upserted=2, unchanged=1)]
    assert await keys(catalog) == [("s0", "svc", "last"), ("s1", "svc", None)]

    outcomes, deleted = await resync(catalog, {"svc": [page]})
    assert (outcomes, deleted) == ([PageOutcome(upserted=0, unchanged=3)], 0)

    outcomes, _ = await resync(catalog, {"svc": [[row("s0", title="last"), row("s0")]]})
    assert outcomes == [PageOutcome(upserted=1, unchanged=1)]
    assert await keys(catalog) == [("s0", "svc", None)]


async def test_kind_dropped_entirely(catalog: Catalog) -> None:
    both: Pages = {"a": [[row("a0"), row("a1")], [row("a2")]], "b": [[row("b0")]]}
    await resync(catalog, both)

    # An unclean run without kind "a" deletes nothing...
    await resync(catalog, {"b": [[row("b0")]]}, delete=False)
    assert await catalog.count_entities("i", "a") == 3
    # ...a clean one deletes all of it.
    _, deleted = await resync(catalog, {"b": [[row("b0")]]})
    assert deleted == 3
    assert await catalog.count_entities("i", "a") == 0
    assert await keys(catalog) == [("b0", "b", None)]
    # And back: the kind's pages start from scratch.
    outcomes, deleted = await resync(catalog, both)
    assert ([o.upserted for o in outcomes], deleted) == ([2, 1, 0], 0)


async def test_unclean_run_then_clean_run(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0"), row("s1")]]})
    await resync(catalog, {"svc": [[row("s0")]]}, delete=False)
    assert await catalog.count_entities("i") == 2

    # s1 was dropped by the unclean run's rewrite of page 0: the next clean pass deletes it,
    # even though page 0 now matches the digest the unclean run left behind.
    outcomes, deleted = await resync(catalog, {"svc": [[row("s0")]]})

    assert (outcomes, deleted) == ([PageOutcome(0, 1)], 1)
    assert [k for k, _, _ in await keys(catalog)] == ["s0"]


async def test_two_integrations_with_the_same_identifiers_are_independent(
    catalog: Catalog,
) -> None:
    await resync(catalog, {"svc": [[row("s0"), row("s1", title="one")]]}, "one")
    await resync(catalog, {"svc": [[row("s0"), row("s1", title="two")]]}, "two")
    assert await catalog.generation("one") == await catalog.generation("two") == 1

    # The same page (same digest) for "two" must not be served by "one"'s page row.
    outcomes, deleted = await resync(catalog, {"svc": [[row("s0")]]}, "one")
    assert (outcomes, deleted) == ([PageOutcome(0, 1)], 1)
    outcomes, deleted = await resync(catalog, {"svc": [[row("s0"), row("s1", title="two")]]}, "two")
    assert (outcomes, deleted) == ([PageOutcome(0, 2)], 0)

    assert await keys(catalog, "one") == [("s0", "svc", None)]
    assert await keys(catalog, "two") == [("s0", "svc", None), ("s1", "svc", "two")]
    assert (await catalog.generation("one"), await catalog.generation("two")) == (2, 2)
    # A run of "one" that writes nothing deletes only "one"'s entities.
    _, deleted = await resync(catalog, {}, "one")
    assert deleted == 1
    assert await catalog.count_entities("one") == 0
    assert await catalog.count_entities("two") == 2


async def test_superseded_generation_deletes_nothing(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0"), row("s1"), row("s2")]]})
    generation = await catalog.advance_generation("i")
    await catalog.unfenced().write_page("i", "svc", 0, generation, [row("s0")])
    newer = await catalog.advance_generation("i")  # a new trigger arrives before the delete
    assert newer == generation + 1

    for dry_run in (True, False):
        outcome = await catalog.unfenced().delete_stale(
            "i", generation, threshold=1.0, dry_run=dry_run
        )
        assert outcome.superseded
        assert outcome.deleted == 0
        assert outcome.skipped_reason is not None and "superseded" in outcome.skipped_reason
    assert await catalog.count_entities("i") == 3


async def test_dry_run_counts_and_deletes_nothing(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0"), row("s1"), row("s2")]]})
    generation = await catalog.advance_generation("i")
    await catalog.unfenced().write_page("i", "svc", 0, generation, [row("s1")])

    outcome = await catalog.unfenced().delete_stale("i", generation, threshold=1.0, dry_run=True)

    assert (outcome.deleted, outcome.stale, outcome.total) == (0, 2, 3)
    assert outcome.skipped_reason is None and not outcome.superseded
    stale = await catalog.stale_entities("i", generation)
    assert [e.identifier for e in stale] == ["s0", "s2"]
    assert await catalog.count_entities("i") == 3


async def test_threshold_skip_names_the_counts(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row(f"s{i}") for i in range(4)]]})
    generation = await catalog.advance_generation("i")
    await catalog.unfenced().write_page("i", "svc", 0, generation, [row("s0")])

    outcome = await catalog.unfenced().delete_stale("i", generation, threshold=0.5)

    assert (outcome.deleted, outcome.stale, outcome.total) == (0, 3, 4)
    assert not outcome.superseded
    assert outcome.skipped_reason is not None
    assert "3 of 4" in outcome.skipped_reason and "threshold" in outcome.skipped_reason
    assert await catalog.count_entities("i") == 4


async def test_threshold_is_a_strict_bound(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row(f"s{i}") for i in range(4)]]})
    generation = await catalog.advance_generation("i")
    await catalog.unfenced().write_page("i", "svc", 0, generation, [row("s0"), row("s1")])

    # Exactly 50%: allowed.
    outcome = await catalog.unfenced().delete_stale("i", generation, threshold=0.5)

    assert (outcome.deleted, outcome.stale, outcome.total, outcome.skipped_reason) == (
        2, 2, 4, None,
    )


# -- SQLite plumbing -------------------------------------------------------------------------


async def test_failed_write_leaves_no_transaction_open(tmp_path: Path) -> None:
    """A write that fails with an error that is not an ``sqlite3.Error`` (here: a seq too big
    for an SQLite integer, raised by the driver as ``OverflowError``) must roll back: otherwise
    the connection stays inside ``BEGIN IMMEDIATE``, holding the file's write lock against
    every other process, and this catalog's next write fails."""
    path = tmp_path / "catalog.db"
    catalog, other = SQLiteCatalog(path), SQLiteCatalog(path)
    try:
        generation = await catalog.advance_generation("i")
        with pytest.raises((OverflowError, CatalogError)):
            await catalog.unfenced().write_page("i", "svc", 2**63, generation, [row("s0")])

        assert await catalog.advance_generation("i") == generation + 1
        assert await other.advance_generation("j") == 1
        assert await catalog.count_entities("i") == 0
    finally:
        await catalog.close()
        await other.close()


# -- the shared row encoding (ocean_core/catalog/_rows.py): no collisions -------------------


async def test_title_none_and_title_string_none_differ(catalog: Catalog) -> None:
    await resync(catalog, {"svc": [[row("s0", title=None)]]})

    outcomes, _ = await resync(catalog, {"svc": [[row("s0", title="None")]]})

    assert outcomes == [PageOutcome(upserted=1, unchanged=0)]
    assert await keys(catalog) == [("s0", "svc", "None")]


async def test_page_digest_separates_keys_containing_separators(sqlite: SQLiteCatalog) -> None:
    await resync(sqlite, {"svc": [[encode('b","c', "a", None, {}, {})]]})

    outcomes, deleted = await resync(sqlite, {"svc": [[encode("c", 'a","b', None, {}, {})]]})

    assert (outcomes, deleted) == ([PageOutcome(upserted=1, unchanged=0)], 1)
    assert [(e.blueprint, e.identifier) for e in await sqlite.list_entities("i")] == [
        ('a","b', "c")
    ]
