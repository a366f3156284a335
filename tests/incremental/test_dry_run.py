"""Rule 9 in dry runs, on every catalog: ``Ocean.dry_run(incremental=True)`` fetches the kinds
with a cursor from their committed cursors as an incremental run would, reports what their
``Deleted`` batches (and the changed items their selector now drops) would remove and which
cursor each kind would commit, and applies, commits and sweeps nothing. A full dry run reports
``Deleted`` batches too."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_core import Ocean, ResyncStatus, RunMode
from ocean_core.catalog import Catalog
from tests.incremental.support import Desk, item
from tests.support import identifiers, mapping_for

pytestmark = pytest.mark.anyio


async def _state(catalog: Catalog, integration_id: str) -> tuple[Any, ...]:
    entities = await catalog.list_entities(integration_id)
    cursors = {k: c.value for k, c in (await catalog.cursors(integration_id)).items()}
    return (await catalog.generation(integration_id), len(await catalog.runs(integration_id)),
            cursors, [(e.identifier, e.title) for e in entities])


async def test_an_incremental_dry_run_says_what_the_incremental_run_then_does(
    catalog: Catalog,
) -> None:
    source = Desk({"team": [item("x", 1)], "ticket": [item("t1", 10), item("t2", 20)]},
                  plain={"team"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("team", "ticket"),
                  integration_id="i")
    await ocean.resync()
    source.data["ticket"] = [item("t1", 25, name="renamed"), item("t2", 20), item("t3", 30)]
    source.gone["ticket"] = [item("t2", 31)]
    del source.data["ticket"][1]  # t2 is gone, and reported so
    before = await _state(catalog, "i")

    report = await ocean.dry_run(incremental=True)

    assert await _state(catalog, "i") == before  # no entity, cursor, generation or record
    assert report.mode is RunMode.INCREMENTAL and source.sinces["ticket"] == [None, 20]
    team, ticket = report.kinds["team"], report.kinds["ticket"]
    assert team.skipped and team.fetched == 0 and not ticket.skipped
    assert (ticket.since, ticket.cursor) == (20, 31)
    assert (ticket.created, ticket.changed, ticket.unchanged) == (1, 1, 0)
    assert ticket.removed == 1 and [r.identifier for r in ticket.removed_sample] == ["t2"]
    assert (ticket.deleted, report.stale, report.would_delete) == (0, 0, 1)
    assert report.outcome is ResyncStatus.SUCCEEDED and report.delete_skipped_reason is None
    assert [v.guard for v in report.guards] == ["errors"]

    run = await ocean.resync(incremental=True)  # what the dry run said is what it does
    stats = run.kinds["ticket"]
    assert (stats.upserted, stats.unchanged, stats.deleted, stats.cursor) == (
        ticket.created + ticket.changed, ticket.unchanged, ticket.removed, ticket.cursor)
    assert run.deleted == report.would_delete
    assert await identifiers(catalog, "i", "ticket") == ["t1", "t3"]


async def test_an_incremental_dry_run_reports_what_its_selector_now_drops(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 10, value=1), item("t2", 20, value=1)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket", selector=".value == 1"),
                  integration_id="i")
    await ocean.resync()
    source.data["ticket"][1] = item("t2", 21, value=0)  # closed: the selector drops it

    report = await ocean.dry_run(incremental=True)

    ticket = report.kinds["ticket"]
    assert (ticket.filtered, ticket.removed, report.would_delete) == (1, 1, 1)
    assert [r.identifier for r in ticket.removed_sample] == ["t2"]
    assert await identifiers(catalog, "i") == ["t1", "t2"]
    run = await ocean.resync(incremental=True)
    assert run.kinds["ticket"].deleted == 1 and await identifiers(catalog, "i") == ["t1"]


async def test_a_kind_with_an_error_would_commit_no_cursor(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 10), item("t2", 20)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"] += [item("t3", 30), item("t4", 40)]
    source.fail["ticket"] = 1  # after its first page, t2 and t3

    report = await ocean.dry_run(incremental=True)

    ticket = report.kinds["ticket"]
    assert ticket.cursor is None and (ticket.fetched, ticket.errors) == (2, 1)
    assert ticket.error_details[0].stage.value == "fetch"
    assert report.outcome is ResyncStatus.FAILED
    [verdict] = report.guards
    assert (verdict.guard, verdict.passed) == ("errors", False)
    run = await ocean.resync(incremental=True)
    assert run.status is ResyncStatus.FAILED and run.kinds["ticket"].cursor is None


async def test_a_cursor_of_another_fingerprint_counts_as_none(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 10), item("t2", 20)]})
    await Ocean(source, catalog=catalog, mapping=mapping_for("ticket"),
                integration_id="i").resync()
    changed = mapping_for("ticket")
    changed["resources"][0]["port"]["entity"]["mappings"]["title"] = '.name + "!"'
    ocean = Ocean(source, catalog=catalog, mapping=changed, integration_id="i")

    report = await ocean.dry_run(incremental=True)

    ticket = report.kinds["ticket"]
    assert source.sinces["ticket"] == [None, None]
    assert (ticket.since, ticket.cursor, ticket.changed) == (None, 20, 2)


async def test_an_ordered_kind_would_commit_up_to_its_last_clean_page(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 10)]}, ordered={"ticket"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"] += [item("t2", 20), item("t3", 30), item("t4", 40)]
    source.fail["ticket"] = 1  # after the first page: t1 and t2

    report = await ocean.dry_run(incremental=True)
    run = await ocean.resync(incremental=True)

    assert report.kinds["ticket"].cursor == run.kinds["ticket"].cursor == 20


async def test_a_full_dry_run_reports_deleted_batches_apart_from_the_sweep(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 10), item("t2", 20), item("t3", 30)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"] = [item("t2", 20)]  # t3 gone silently: the sweep's
    source.gone["ticket"] = [item("t1", 40), item("t9", 40)]  # t9 was never there

    report = await ocean.dry_run()

    ticket = report.kinds["ticket"]
    assert report.mode is RunMode.FULL and (ticket.since, ticket.cursor) == (None, 40)
    assert (ticket.removed, ticket.deleted, report.stale, report.would_delete) == (1, 1, 1, 2)
    assert [r.identifier for r in ticket.removed_sample] == ["t1"]
    assert [r.identifier for r in ticket.deleted_sample] == ["t3"]
    run = await ocean.resync()
    assert (run.kinds["ticket"].deleted, run.deleted) == (1, 2)
    assert run.kinds["ticket"].cursor == ticket.cursor


async def test_an_item_reported_gone_then_yielded_again_is_created_again(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 10)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()

    async def gone_then_back(since: Any = None) -> Any:
        from ocean_core import Deleted

        yield Deleted([item("t1", 20)])
        yield [item("t1", 21)]

    source.fetcher = lambda kind: gone_then_back  # type: ignore[method-assign]
    report = await ocean.dry_run(incremental=True)
    run = await ocean.resync(incremental=True)

    ticket = report.kinds["ticket"]
    assert (ticket.removed, ticket.created, ticket.unchanged) == (1, 1, 0)
    assert (run.kinds["ticket"].deleted, run.kinds["ticket"].upserted) == (1, 1)
    assert await identifiers(catalog, "i") == ["t1"]


async def test_ocean_try_passes_over_deleted_batches(catalog: Catalog) -> None:
    from ocean_core.engine._trial import try_kind

    source = Desk({"ticket": [item("t1", 10), item("t2", 20), item("t3", 30)]}, batch_size=1)
    source.gone["ticket"] = [item("t0", 5)]
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")

    report = await try_kind(ocean.integration, ocean.plan.steps, "i", limit=5)

    assert [trial.entities[0]["identifier"] for trial in report.items] == ["t1", "t2", "t3"]
    assert report.fetched == 4 and report.fetch_errors == []  # the Deleted item counted


async def test_a_kind_whose_since_cannot_be_worked_out_does_not_run(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 10), item("t2", 20)]}, lag={"ticket": "5m"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()  # a numeric cursor, and a lag that is a duration

    report = await ocean.dry_run(incremental=True)
    run = await ocean.resync(incremental=True)

    ticket = report.kinds["ticket"]
    assert (ticket.fetched, ticket.errors, ticket.cursor) == (0, 1, None)
    assert ticket.error_details[0].stage.value == "cursor"
    assert ticket.error_details[0].message == run.kinds["ticket"].error_details[0].message
    assert report.outcome is ResyncStatus.FAILED and source.sinces["ticket"] == [None]
