"""``Ocean.dry_run()``: every kind fetched and mapped, compared with the catalog, nothing
written; per kind what a run would create, change (with a field diff), leave and delete, and
the delete phase's guards as a run would decide them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import Catalog
from tests.support import Source, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


async def _state(catalog: Catalog, integration_id: str) -> tuple[Any, ...]:
    entities = await catalog.list_entities(integration_id)
    return (await catalog.generation(integration_id), len(await catalog.runs(integration_id)),
            [(e.identifier, e.title, e.properties) for e in entities])


async def test_counts_diffs_and_deletions_and_writes_nothing(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 6), "team": items("t", 2)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc", "team"), integration_id="i")
    await ocean.resync()
    before = await _state(catalog, "i")
    source.data["svc"] = [*items("s", 4), {"id": "s9", "name": "new", "value": 0}]
    source.data["svc"][1] = {"id": "s1", "name": "renamed", "value": 7}

    report = await ocean.dry_run()

    svc, team = report.kinds["svc"], report.kinds["team"]
    assert (svc.fetched, svc.created, svc.changed, svc.unchanged, svc.deleted) == (5, 1, 1, 3, 2)
    assert (team.created, team.changed, team.unchanged, team.deleted) == (0, 0, 2, 0)
    assert [(r.blueprint, r.identifier) for r in svc.created_sample] == [("svc", "s9")]
    assert [r.identifier for r in svc.deleted_sample] == ["s4", "s5"]
    [change] = svc.changed_sample
    assert change.identifier == "s1"
    assert [(f.path, f.old, f.new) for f in change.fields] == [
        ("title", '"s 1"', '"renamed"'), ("properties.value", "0", "7")]
    assert (report.entities, report.stale, report.would_delete) == (8, 2, 2)
    assert report.outcome is ResyncStatus.SUCCEEDED and report.delete_skipped_reason is None
    assert {v.guard: v.passed for v in report.guards} == {
        "errors": True, "deletion_threshold": True}
    assert await _state(catalog, "i") == before  # no entity, generation or run record

    result = await ocean.resync()  # what the dry run said is what a run does
    assert (result.kinds["svc"].upserted, result.deleted) == (2, 2)
    assert await identifiers(catalog, "i", "svc") == ["s0", "s1", "s2", "s3", "s9"]


async def test_the_guards_say_what_a_run_would_skip(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 10), "team": items("t", 2)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc", "team"), integration_id="i",
                  deletion_threshold=0.5)
    await ocean.resync()

    source.data["svc"] = items("s", 2)  # 8 of 12 would go: over the threshold
    over = await ocean.dry_run()
    source.data["svc"], source.data["team"] = items("s", 10), []  # a kind that had some
    empty = await ocean.dry_run()

    assert over.outcome is ResyncStatus.FAILED and over.would_delete == 0
    assert over.stale == 8 and over.kinds["svc"].deleted == 8
    threshold = next(v for v in over.guards if v.guard == "deletion_threshold")
    assert not threshold.passed and "8 of 12 entities" in threshold.detail
    assert over.delete_skipped_reason == threshold.detail
    assert empty.outcome is ResyncStatus.FAILED and empty.kinds["team"].errors == 1
    assert [v.guard for v in empty.guards if not v.passed] == ["errors", "empty_kind"]
    assert empty.delete_skipped_reason == "1 kind(s) had errors: team"
    assert (await ocean.resync()).status is ResyncStatus.FAILED  # as the dry run said


async def test_item_and_fetch_errors_are_the_runs_own(catalog: Catalog) -> None:
    source = Source({"svc": [{"id": None, "name": "x", "value": 0}, *items("s", 3)]})
    source.fail["svc"] = 1  # after the first batch of two
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")

    report = await ocean.dry_run()

    svc = report.kinds["svc"]
    assert (svc.fetched, svc.created, svc.errors) == (2, 1, 2)
    assert [d.stage.value for d in svc.error_details] == ["map", "fetch"]
    assert svc.error_details[1].traceback and "Boom" in svc.error_details[1].traceback
    assert report.outcome is ResyncStatus.FAILED
    assert await catalog.list_entities("i") == []


class _Config(BaseModel):
    token: SecretStr = SecretStr("s3cr3t-value")


class _Leaky(Source):
    config_model = _Config


async def test_a_diff_never_shows_a_secret(catalog: Catalog) -> None:
    source = _Leaky({"svc": [{"id": "a", "name": "x", "value": "v1", "api_token": "t1"}]})
    mapping = mapping_for("svc")
    mapping["resources"][0]["port"]["entity"]["mappings"]["properties"] = {
        "value": ".value", "api_token": ".api_token"}
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")
    await ocean.resync()
    source.data["svc"] = [{"id": "a", "name": "x", "value": "with s3cr3t-value inside",
                           "api_token": "t2"}]

    [change] = (await ocean.dry_run()).kinds["svc"].changed_sample

    shown = {f.path: (f.old, f.new) for f in change.fields}
    assert shown["properties.value"] == ('"v1"', '"with ********** inside"')
    assert shown["properties.api_token"] == ("**********", "**********")
    assert "s3cr3t" not in change.model_dump_json()
