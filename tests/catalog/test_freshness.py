"""Rule 8 in the catalog, on every catalog: a live change newer than a run wins over it for
every key it touched (the run neither overwrites it, nor brings back what it deleted, nor
sweeps what it created), and the next run restores the source. Plus the writes by key
(rule 9) and the cursors that share the same bookkeeping.

Each race is played in order, without tasks: a run begins (its mark), a live change lands,
then the run's writes come, as they would from a fetcher that listed the source before the
change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC

import pytest

from ocean_core.catalog import Catalog, CursorCommit, LiveOutcome, RunStart, encode
from ocean_core.catalog._rows import EntityRow
from ocean_core.errors import LockNotHeldError

pytestmark = pytest.mark.anyio
IID = "i"


def row(identifier: str, value: int = 0, blueprint: str = "svc") -> EntityRow:
    return encode(identifier, blueprint, identifier.upper(), {"v": value}, {})


async def contents(catalog: Catalog) -> dict[str, int]:
    return {e.identifier: e.properties["v"] for e in await catalog.list_entities(IID)}


@asynccontextmanager
async def runner(catalog: Catalog) -> AsyncIterator[Catalog]:
    async with catalog.runner_lock(IID):
        yield catalog


async def run(
    catalog: Catalog, *pages: list[EntityRow], sweep: bool = True
) -> tuple[RunStart, list[tuple[int, int, int]], int]:
    """A whole run: begin, write ``pages``, delete what it did not see."""
    start = await catalog.begin_run(IID, await catalog.generation(IID) + 1)
    outcomes = []
    for seq, rows in enumerate(pages):
        done = await catalog.write_page(IID, "svc", seq, start.generation, rows,
                                        live_mark=start.live_mark)
        outcomes.append((done.upserted, done.unchanged, done.kept))
    deleted = 0
    if sweep:
        verdict = await catalog.delete_stale(IID, start.generation, threshold=1.0,
                                             live_mark=start.live_mark)
        deleted = verdict.deleted
    return start, outcomes, deleted


async def test_begin_run_raises_the_generation_and_takes_the_live_mark(catalog: Catalog) -> None:
    assert await catalog.begin_run(IID, 3) == RunStart(3, 0)
    async with runner(catalog):
        assert (await catalog.apply_live(IID, "svc", [row("a")], [])).live_seq == 1
        assert (await catalog.apply_live(IID, "svc", [], [("svc", "b")])).live_seq == 2
    assert await catalog.begin_run(IID, 2) == RunStart(3, 2)  # at least: never down
    assert await catalog.begin_run(IID, 5) == RunStart(5, 2)
    assert await catalog.generation(IID) == 5


async def test_a_live_change_from_no_runner_is_refused_and_writes_nothing(
    catalog: Catalog,
) -> None:
    with pytest.raises(LockNotHeldError):
        await catalog.apply_live(IID, "svc", [row("a")], [])
    assert await contents(catalog) == {}
    assert await catalog.begin_run(IID, 1) == RunStart(1, 0)  # and raised no live_seq


async def test_apply_live_upserts_by_key_and_tombstones_what_it_deletes(catalog: Catalog) -> None:
    async with runner(catalog):
        first = await catalog.apply_live(IID, "svc", [row("a"), row("b"), row("a", 1)], [])
        assert first == LiveOutcome(live_seq=1, upserted=2, unchanged=0, deleted=0)
        second = await catalog.apply_live(IID, "svc", [row("a", 1), row("b", 2)], [])
        assert second == LiveOutcome(live_seq=2, upserted=1, unchanged=1, deleted=0)
        third = await catalog.apply_live(IID, "svc", [row("c")], [("svc", "a"), ("svc", "z")])
        assert third == LiveOutcome(live_seq=3, upserted=1, unchanged=0, deleted=1)
        both = await catalog.apply_live(IID, "svc", [row("d")], [("svc", "d")])
        assert (both.upserted, both.deleted) == (1, 1)  # deletes come after the upserts
    assert await contents(catalog) == {"b": 2, "c": 0}
    [entity] = [e for e in await catalog.list_entities(IID) if e.identifier == "c"]
    assert (entity.kind, entity.title, entity.integration_id) == ("svc", "C", IID)


async def test_resurrection_a_run_does_not_bring_back_what_a_newer_live_change_deleted(
    catalog: Catalog,
) -> None:
    async with runner(catalog):
        await run(catalog, [row("a"), row("b")])
        start = await catalog.begin_run(IID, 2)  # the run lists a and b ...
        await catalog.apply_live(IID, "svc", [], [("svc", "a"), ("svc", "n")])  # ... then a goes
        done = await catalog.write_page(IID, "svc", 0, 2, [row("a"), row("b")],
                                        live_mark=start.live_mark)
        assert (done.upserted, done.unchanged, done.kept) == (0, 1, 1)
        new_page = await catalog.write_page(IID, "svc", 1, 2, [row("n")], live_mark=start.live_mark)
        assert (new_page.upserted, new_page.kept) == (0, 1)
        verdict = await catalog.delete_stale(IID, 2, threshold=1.0, live_mark=start.live_mark)
        assert (verdict.deleted, verdict.superseded) == (0, False)
        assert await contents(catalog) == {"b": 0}

        # The next run starts after the delete: the source has a and n, so they come back.
        _, outcomes, _ = await run(catalog, [row("a"), row("b")], [row("n")])
    assert outcomes == [(1, 1, 0), (1, 0, 0)]
    assert await contents(catalog) == {"a": 0, "b": 0, "n": 0}


async def test_lost_update_a_run_does_not_overwrite_a_newer_live_upsert(catalog: Catalog) -> None:
    async with runner(catalog):
        await run(catalog, [row("a"), row("b")])
        start = await catalog.begin_run(IID, 2)
        await catalog.apply_live(IID, "svc", [row("a", 7)], [])
        done = await catalog.write_page(IID, "svc", 0, 2, [row("a"), row("b", 1)],
                                        live_mark=start.live_mark)
        assert (done.upserted, done.unchanged, done.kept) == (1, 0, 1)
        verdict = await catalog.delete_stale(IID, 2, threshold=1.0, live_mark=start.live_mark)
        assert verdict.deleted == 0
        assert await contents(catalog) == {"a": 7, "b": 1}

        _, outcomes, _ = await run(catalog, [row("a"), row("b", 1)])
    assert outcomes == [(1, 1, 0)]  # the next run restores the source
    assert await contents(catalog) == {"a": 0, "b": 1}


async def test_live_create_versus_sweep_a_run_keeps_what_a_newer_live_change_created(
    catalog: Catalog,
) -> None:
    async with runner(catalog):
        await run(catalog, [row("a")])
        start = await catalog.begin_run(IID, 2)
        await catalog.apply_live(IID, "svc", [row("c")], [])
        await catalog.write_page(IID, "svc", 0, 2, [row("a")], live_mark=start.live_mark)
        verdict = await catalog.delete_stale(IID, 2, threshold=1.0, live_mark=start.live_mark)
        assert (verdict.deleted, verdict.stale, verdict.kept) == (0, 0, 1)
        assert await contents(catalog) == {"a": 0, "c": 0}

        _, _, deleted = await run(catalog, [row("a")])  # the source never had c
    assert deleted == 1
    assert await contents(catalog) == {"a": 0}


async def test_a_live_change_older_than_the_run_loses_to_it(catalog: Catalog) -> None:
    async with runner(catalog):
        await run(catalog, [row("a")])
        await catalog.apply_live(IID, "svc", [row("a", 5), row("c")], [("svc", "b")])
        _, outcomes, deleted = await run(catalog, [row("a"), row("b")])
    assert (outcomes, deleted) == ([(2, 0, 0)], 1)  # a restored, b written, c swept
    assert await contents(catalog) == {"a": 0, "b": 0}


async def test_a_live_upsert_takes_the_page_digest_so_the_next_run_restores_the_source(
    catalog: Catalog,
) -> None:
    """Between runs a live change alters a member: the next run's page is the source's, as
    before, and must not be marked seen by the digest of before."""
    async with runner(catalog):
        await run(catalog, [row("a"), row("b")])
        await catalog.apply_live(IID, "svc", [row("a", 9)], [])
        _, outcomes, _ = await run(catalog, [row("a"), row("b")])
    assert outcomes == [(1, 1, 0)]
    assert await contents(catalog) == {"a": 0, "b": 0}


async def test_an_unchanged_live_upsert_writes_nothing_but_still_wins(catalog: Catalog) -> None:
    async with runner(catalog):
        await run(catalog, [row("a"), row("b")])
        start = await catalog.begin_run(IID, 2)
        same = await catalog.apply_live(IID, "svc", [row("a")], [])
        assert (same.upserted, same.unchanged) == (0, 1)
        done = await catalog.write_page(IID, "svc", 0, 2, [row("a", 3), row("b", 3)],
                                        live_mark=start.live_mark)
        assert (done.upserted, done.kept) == (1, 1)
    assert await contents(catalog) == {"a": 0, "b": 3}


async def test_a_kept_member_of_a_page_that_goes_is_stale_to_the_next_run(
    catalog: Catalog,
) -> None:
    async with runner(catalog):
        await run(catalog, [row("a")], [row("b"), row("c")])
        start = await catalog.begin_run(IID, 2)
        await catalog.apply_live(IID, "svc", [row("b", 4)], [])
        await catalog.write_page(IID, "svc", 0, 2, [row("a")], live_mark=start.live_mark)
        verdict = await catalog.delete_stale(IID, 2, threshold=1.0, live_mark=start.live_mark)
        assert (verdict.deleted, verdict.kept) == (1, 1)  # b's page went with c, b stayed
        assert await contents(catalog) == {"a": 0, "b": 4}
        _, _, deleted = await run(catalog, [row("a")])
    assert deleted == 1
    assert await contents(catalog) == {"a": 0}


async def test_no_mark_means_no_live_change_is_newer(catalog: Catalog) -> None:
    """A tool's write (``live_mark`` None) overwrites whatever a live change made."""
    async with runner(catalog):
        generation = (await catalog.begin_run(IID, 1)).generation
        await catalog.apply_live(IID, "svc", [row("a", 1)], [("svc", "b")])
        done = await catalog.write_page(IID, "svc", 0, generation, [row("a"), row("b")])
        assert (done.upserted, done.kept) == (2, 0)
    assert await contents(catalog) == {"a": 0, "b": 0}


async def test_write_items_upserts_by_key_and_skips_what_a_newer_live_change_touched(
    catalog: Catalog,
) -> None:
    async with runner(catalog):
        await run(catalog, [row("a"), row("b")])
        start = await catalog.begin_run(IID, 2)
        await catalog.apply_live(IID, "svc", [row("b", 5)], [("svc", "x")])
        done = await catalog.write_items(
            IID, "svc", [row("a", 1), row("b", 1), row("x"), row("n")], live_mark=start.live_mark,
            cursor=CursorCommit({"at": "2026-01-02"}, "f1"),
        )
        assert (done.upserted, done.unchanged, done.kept) == (2, 0, 2)
        assert await contents(catalog) == {"a": 1, "b": 5, "n": 0}
        [(kind, cursor)] = (await catalog.cursors(IID)).items()
        assert (kind, cursor.value, cursor.fingerprint) == ("svc", {"at": "2026-01-02"}, "f1")
        assert cursor.committed_at.tzinfo is UTC

        # A full run after: a's page lost its digest (a changed by key), so it is written;
        # n has no page and the source no longer lists it: stale.
        _, outcomes, deleted = await run(catalog, [row("a"), row("b")])
    assert (outcomes, deleted) == ([(2, 0, 0)], 1)
    assert await contents(catalog) == {"a": 0, "b": 0}


async def test_delete_items_checks_the_generation_and_keeps_newer_live_upserts(
    catalog: Catalog,
) -> None:
    async with runner(catalog):
        await run(catalog, [row("a"), row("b"), row("c")])
        start = await catalog.begin_run(IID, 2)
        await catalog.apply_live(IID, "svc", [row("b", 2)], [])
        keys = [("svc", "a"), ("svc", "b"), ("svc", "zz"), ("svc", "a")]
        assert await catalog.delete_items(IID, keys, generation=1, live_mark=start.live_mark) == 0
        assert await catalog.delete_items(IID, keys, generation=2, live_mark=start.live_mark) == 1
        assert await contents(catalog) == {"b": 2, "c": 0}
        assert await catalog.delete_items(IID, [("svc", "b")], generation=2, live_mark=None) == 1
    assert await contents(catalog) == {"c": 0}


async def test_by_key_writes_and_cursors_are_the_runners_only(catalog: Catalog) -> None:
    generation = await catalog.advance_generation(IID)
    with pytest.raises(LockNotHeldError):
        await catalog.write_items(IID, "svc", [row("a")], live_mark=0)
    with pytest.raises(LockNotHeldError):
        await catalog.delete_items(IID, [("svc", "a")], generation=generation, live_mark=0)
    with pytest.raises(LockNotHeldError):
        await catalog.commit_cursor(IID, "svc", CursorCommit(1, "f"))
    assert await catalog.cursors(IID) == {}
    assert await contents(catalog) == {}


async def test_cursors_are_kept_per_kind_replaced_and_read_as_copies(catalog: Catalog) -> None:
    value = {"since": [1, 2], "text": "ü\u0000"}
    async with runner(catalog):
        await catalog.commit_cursor(IID, "b", CursorCommit(value, "fp-b"))
        await catalog.commit_cursor(IID, "a", CursorCommit(10, "fp-a"))
        await catalog.commit_cursor(IID, "a", CursorCommit(11, "fp-a2"))
    value["since"].append(3)
    found = await catalog.cursors(IID)
    assert list(found) == ["a", "b"]
    assert (found["a"].value, found["a"].fingerprint) == (11, "fp-a2")
    assert found["b"].value == {"since": [1, 2], "text": "ü\u0000"}
    found["b"].value["since"].append(4)
    assert (await catalog.cursors(IID))["b"].value == {"since": [1, 2], "text": "ü\u0000"}
    assert await catalog.cursors("other") == {}
