"""Rule 9 on every catalog: incremental runs fetch from the committed cursor, never sweep,
commit only what a clean kind saw; full runs commit the cursors they saw; a changed mapping
or config resets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ocean_core import Ocean, ResyncStatus, RunMode
from ocean_core.catalog import Catalog
from ocean_core.errors import ConfigError
from tests.incremental.support import Desk, item
from tests.support import identifiers, mapping_for

pytestmark = pytest.mark.anyio


def desk(**kinds: list[dict[str, Any]]) -> Desk:
    return Desk(dict(kinds))


async def test_an_incremental_run_fetches_from_the_cursor_the_last_run_committed(
    catalog: Catalog,
) -> None:
    source = desk(ticket=[item("t1", 10), item("t2", 20)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")

    full = await ocean.resync()
    source.data["ticket"].append(item("t3", 30))
    source.data["ticket"][0] = item("t1", 25, name="renamed")
    incremental = await ocean.resync(incremental=True)

    assert source.sinces["ticket"] == [None, 20]
    assert full.mode is RunMode.FULL and incremental.mode is RunMode.INCREMENTAL
    assert (full.kinds["ticket"].since, full.kinds["ticket"].cursor) == (None, 20)
    stats = incremental.kinds["ticket"]
    assert (stats.since, stats.cursor) == (20, 30)
    assert incremental.status is ResyncStatus.SUCCEEDED
    # t1 (25) and t3 (30) fetched, and t2 again: the boundary item is inclusive, unchanged
    assert (stats.fetched, stats.upserted, stats.unchanged) == (3, 2, 1)
    titles = {e.identifier: e.title for e in await catalog.list_entities("i")}
    assert titles == {"t1": "renamed", "t2": "t2", "t3": "t3"}
    assert (await catalog.cursors("i"))["ticket"].value == 30


async def test_an_incremental_run_never_sweeps(catalog: Catalog) -> None:
    source = desk(ticket=[item("t1", 10), item("t2", 20)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    del source.data["ticket"][0]  # gone without a tombstone: only a full run can tell

    incremental = await ocean.resync(incremental=True)
    assert incremental.status is ResyncStatus.SUCCEEDED
    assert incremental.deleted == 0 and incremental.delete_skipped_reason is None
    assert await identifiers(catalog, "i") == ["t1", "t2"]

    full = await ocean.resync()
    assert full.deleted == 1
    assert await identifiers(catalog, "i") == ["t2"]


async def test_kinds_without_a_cursor_are_skipped_in_an_incremental_run(
    catalog: Catalog,
) -> None:
    source = Desk({"team": [item("x", 1)], "ticket": [item("t1", 10)]}, plain={"team"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("team", "ticket"),
                  integration_id="i")
    await ocean.resync()
    source.data["team"].append(item("y", 2))

    run = await ocean.resync(incremental=True)

    assert run.kinds["team"].skipped and run.kinds["team"].fetched == 0
    assert not run.kinds["ticket"].skipped
    assert source.sinces["ticket"] == [None, 10]
    assert await identifiers(catalog, "i", "team") == ["x"]
    assert run.status is ResyncStatus.SUCCEEDED


async def test_a_kind_that_fails_commits_no_cursor_so_the_next_run_does_it_again(
    catalog: Catalog,
) -> None:
    source = desk(ticket=[item("t1", 10), item("t2", 20)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"] += [item("t3", 30), item("t4", 40), item("t5", 50)]
    source.fail["ticket"] = 1  # after t2, t3 are written

    failed = await ocean.resync(incremental=True)
    assert failed.status is ResyncStatus.FAILED
    assert failed.kinds["ticket"].cursor is None
    assert (await catalog.cursors("i"))["ticket"].value == 20
    assert await identifiers(catalog, "i") == ["t1", "t2", "t3"]  # what was written stays

    source.fail.clear()
    again = await ocean.resync(incremental=True)
    assert source.sinces["ticket"][-1] == 20
    assert again.kinds["ticket"].cursor == 50
    assert await identifiers(catalog, "i") == ["t1", "t2", "t3", "t4", "t5"]


async def test_an_ordered_kind_commits_its_cursor_with_each_page_and_resumes_there(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item(f"t{n}", n) for n in range(1, 7)]}, ordered={"ticket"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    source.fail["ticket"] = 2  # pages [1, 2] and [3, 4] written, then the fetch fails

    failed = await ocean.resync()
    assert failed.status is ResyncStatus.FAILED
    assert failed.kinds["ticket"].cursor == 4
    assert (await catalog.cursors("i"))["ticket"].value == 4

    source.fail.clear()
    resumed = await ocean.resync(incremental=True)
    assert source.sinces["ticket"][-1] == 4
    assert resumed.kinds["ticket"].fetched == 3  # 4 again (unchanged), 5 and 6
    assert resumed.kinds["ticket"].cursor == 6
    assert await identifiers(catalog, "i") == [f"t{n}" for n in range(1, 7)]


async def test_an_unordered_kind_commits_nothing_until_it_ends(catalog: Catalog) -> None:
    source = desk(ticket=[item(f"t{n}", n) for n in range(1, 7)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    source.fail["ticket"] = 2

    await ocean.resync()

    assert await catalog.cursors("i") == {}


async def test_the_lag_is_subtracted_from_the_committed_cursor(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 100)]}, lag={"ticket": 15})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()

    run = await ocean.resync(incremental=True)

    assert source.sinces["ticket"] == [None, 85]
    assert run.kinds["ticket"].since == 85
    assert run.kinds["ticket"].cursor is None  # nothing new: the committed one stays
    assert (await catalog.cursors("i"))["ticket"].value == 100


async def test_timestamps_are_normalised_and_a_duration_lag_moves_since_back(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", "2026-12-03T11:00:00+01:00"),
                              item("t2", "2026-12-03T09:30:00Z")]}, lag={"ticket": "5m"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")

    full = await ocean.resync()
    await ocean.resync(incremental=True)

    assert full.kinds["ticket"].cursor == "2026-12-03T10:00:00Z"  # t1, in UTC
    assert source.sinces["ticket"][1] == datetime(2026, 12, 3, 9, 55, tzinfo=UTC)


async def test_items_older_than_the_cursor_but_inside_the_lag_are_not_missed(
    catalog: Catalog,
) -> None:
    """Clock skew: a change committed at the source after the last run, stamped by a clock
    behind the one that stamped the cursor, carries a cursor below it; the lag still takes it."""
    at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    stamp = lambda moment: moment.isoformat()  # noqa: E731
    source = Desk({"ticket": [item("t1", stamp(at))]}, lag={"ticket": "2m"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    late = item("t2", stamp(at - timedelta(seconds=90)))  # inside the lag: taken
    too_late = item("t3", stamp(at - timedelta(minutes=3)))  # beyond it: a full run's job
    source.data["ticket"] += [late, too_late]

    run = await ocean.resync(incremental=True)

    assert run.status is ResyncStatus.SUCCEEDED
    assert await identifiers(catalog, "i") == ["t1", "t2"]
    assert run.kinds["ticket"].cursor is None  # t1 is still the highest


async def test_a_changed_mapping_resets_the_cursor_a_full_fetch_without_a_sweep(
    catalog: Catalog,
) -> None:
    source = desk(ticket=[item("t1", 10), item("t2", 20)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    del source.data["ticket"][0]

    ocean.reconfigure(mapping=mapping_for("ticket", selector=".value >= 0"))
    run = await ocean.resync(incremental=True)

    assert source.sinces["ticket"] == [None, None]
    assert run.kinds["ticket"].since is None and run.kinds["ticket"].cursor == 20
    assert await identifiers(catalog, "i") == ["t1", "t2"]  # no sweep: t1 stays for now
    assert source.sinces["ticket"][-1] is None
    await ocean.resync(incremental=True)
    assert source.sinces["ticket"][-1] == 20  # committed under the new mapping: used


async def test_a_changed_config_resets_the_cursors(catalog: Catalog) -> None:
    from integrations.fake.integration import FakeIntegration

    config = {"kinds": {"service": 5}, "incremental": True, "batch_size": 2}
    ocean = Ocean(FakeIntegration(config), catalog=catalog, integration_id="i")
    await ocean.resync()
    again = await ocean.resync(incremental=True)
    assert again.kinds["service"].since == 4

    ocean.reconfigure(FakeIntegration({**config, "batch_size": 3}))  # how, not what: kept
    kept = await ocean.resync(incremental=True)
    ocean.reconfigure(FakeIntegration({**config, "kinds": {"service": 6}}))
    reset = await ocean.resync(incremental=True)

    assert kept.kinds["service"].since == 4
    assert reset.kinds["service"].since is None
    assert reset.kinds["service"].fetched == 6


async def test_a_cursor_that_does_not_compile_is_refused_naming_the_kind(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": []}, cursor={"ticket": ".updated |"})
    with pytest.raises(ConfigError) as caught:
        Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    assert caught.value.problems[0].field == "@kind('ticket').cursor"


async def test_a_null_cursor_is_ignored_and_counted(catalog: Catalog) -> None:
    source = desk(ticket=[item("t1", None), item("t2", 7)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")

    run = await ocean.resync()

    assert run.status is ResyncStatus.SUCCEEDED
    assert (run.kinds["ticket"].cursor_nulls, run.kinds["ticket"].cursor) == (1, 7)
    assert await identifiers(catalog, "i") == ["t1", "t2"]


@pytest.mark.parametrize("values", [[1, "yesterday"], [1, "2026-12-03T10:00:00Z"], [True]])
async def test_a_cursor_value_that_does_not_compare_fails_the_kind(
    catalog: Catalog, values: list[Any]
) -> None:
    source = desk(ticket=[item(f"t{n}", v) for n, v in enumerate(values)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")

    run = await ocean.resync()

    assert run.status is ResyncStatus.FAILED
    [detail] = run.kinds["ticket"].error_details
    assert detail.stage.value == "cursor" and "cursor .updated" in detail.message
    assert await catalog.cursors("i") == {}
    assert len(await identifiers(catalog, "i")) == len(values)  # the items are still written


async def test_the_empty_kind_guard_does_not_fire_in_an_incremental_run(
    catalog: Catalog,
) -> None:
    source = Desk({"ticket": [item("t1", 10)]}, strict={"ticket"})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"] = []

    incremental = await ocean.resync(incremental=True)  # nothing changed is no error
    full = await ocean.resync()  # but a full run that finds nothing is

    assert incremental.status is ResyncStatus.SUCCEEDED and incremental.errors == 0
    assert full.status is ResyncStatus.FAILED
    assert full.kinds["ticket"].error_details[0].stage.value == "guard"


async def test_an_incremental_run_removes_a_changed_item_its_selector_now_drops(
    catalog: Catalog,
) -> None:
    source = desk(ticket=[item("t1", 10, value=1), item("t2", 20, value=1)])
    mapping = mapping_for("ticket", selector=".value > 0")
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")
    await ocean.resync()
    source.data["ticket"][0] = item("t1", 30, value=0)  # no longer selected

    run = await ocean.resync(incremental=True)

    assert run.kinds["ticket"].deleted == 1 and run.deleted == 1
    assert await identifiers(catalog, "i") == ["t2"]


async def test_plan_only_cannot_be_incremental(catalog: Catalog) -> None:
    ocean = Ocean(desk(ticket=[]), catalog=catalog, mapping=mapping_for("ticket"),
                  integration_id="i")
    with pytest.raises(ConfigError, match="cannot be incremental"):
        await ocean.resync(plan_only=True, incremental=True)


async def test_a_full_run_restores_what_an_incremental_run_changed_if_the_source_says_so(
    catalog: Catalog,
) -> None:
    """An entity changed by key leaves its page's digest stale: the next full run must write
    that page, not mark it seen by the digest of what it held before."""
    source = desk(ticket=[item("t1", 10), item("t2", 20)])
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"][1] = item("t2", 30, name="changed")
    await ocean.resync(incremental=True)
    source.data["ticket"][1] = item("t2", 20)  # the source went back (a revert)

    await ocean.resync()

    titles = {e.identifier: e.title for e in await catalog.list_entities("i")}
    assert titles == {"t1": "t1", "t2": "t2"}
