"""Whole resyncs: conformance, an unchanged second run, deletes after a clean run only."""

from __future__ import annotations

import httpx
import pytest

from ocean_core import ResyncStatus
from ocean_core.catalog import SQLiteCatalog
from ocean_core.testing import assert_conforms, recorded_transport, run_resync

from .conftest import ORG_FILES, MakeGitHub, as_routes, recorded, user_routes


@pytest.mark.anyio
async def test_org_scope_conforms(make_github: MakeGitHub) -> None:
    report = await assert_conforms(lambda: make_github()[0], time_limit=10)
    assert {c.name for c in report.checks} >= {"fetch:team", "fetch:member", "failure:workflow"}


@pytest.mark.anyio
async def test_user_scope_resync(make_github: MakeGitHub) -> None:
    integration, transport = make_github(user_routes(), org=None, user="octocat")
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    assert list(outcome.result.kinds) == ["repository", "pull-request", "issue", "workflow"]
    assert sorted((e.blueprint, e.identifier) for e in outcome.entities) == [
        ("githubIssue", "octocat/Hello-World#1347"),
        ("githubPullRequest", "octocat/Hello-World#1347"),
        ("githubRepository", "octocat/Hello-World"),
        ("githubRepository", "octocat/Spoon-Knife"),
        ("githubWorkflow", "octocat/Spoon-Knife/5"),
    ]
    assert not any(r.url.path.startswith("/orgs/") for r in transport.requests)


@pytest.mark.anyio
async def test_unchanged_rerun_failed_run_keeps_all_clean_run_deletes(
    make_github: MakeGitHub,
) -> None:
    catalog = SQLiteCatalog(":memory:")
    try:
        first = await run_resync(make_github()[0], catalog=catalog)
        assert first.result.status is ResyncStatus.SUCCEEDED, first.result
        assert len(first.entities) == 23
        assert first.result.kinds["pull-request"].upserted == 5

        second = await run_resync(make_github()[0], catalog=catalog)
        assert second.result.status is ResyncStatus.SUCCEEDED
        assert all(stats.upserted == 0 for stats in second.result.kinds.values())
        assert second.result.kinds["repository"].unchanged == 4
        assert second.result.deleted == 0

        recordings = recorded(*ORG_FILES)
        first_page, second_page = recordings["/repos/acme-corp/api/pulls"]
        recordings["/repos/acme-corp/api/pulls"] = [first_page[:1], second_page]  # drop #41

        # A kind that fails (members: 502 after the retries) skips the delete phase.
        routes = as_routes(recordings)
        routes["/orgs/acme-corp/members"] = lambda request: httpx.Response(
            502, json={"message": "Server Error"}
        )
        broken = await run_resync(make_github(routes)[0], catalog=catalog)
        assert broken.result.status is ResyncStatus.FAILED
        assert broken.result.kinds["member"].errors == 1
        assert broken.result.deleted == 0
        assert broken.result.delete_skipped_reason
        assert len(broken.entities) == 23

        # The next clean run deletes what is gone.
        clean = await run_resync(make_github(as_routes(recordings))[0], catalog=catalog)
        assert clean.result.status is ResyncStatus.SUCCEEDED
        assert clean.result.deleted == 1
        identifiers = {e.identifier for e in clean.entities}
        assert "acme-corp/api#41" not in identifiers
        assert "acme-corp/api#42" in identifiers
    finally:
        await catalog.close()


@pytest.mark.anyio
async def test_an_unknown_org_fails_without_deleting(make_github: MakeGitHub) -> None:
    integration, _ = make_github(recorded_transport({}).routes)
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.FAILED
    details = outcome.result.kinds["repository"].error_details
    assert "404" in details[0].message


@pytest.mark.anyio
async def test_one_or_eight_at_a_time_give_the_same_catalog(make_github: MakeGitHub) -> None:
    serial_github, serial_transport = make_github(max_concurrency=1)
    concurrent_github, concurrent_transport = make_github(max_concurrency=8)
    serial = await run_resync(serial_github)
    concurrent = await run_resync(concurrent_github)
    assert serial.result.status is concurrent.result.status is ResyncStatus.SUCCEEDED
    assert len(serial.entities) == 23
    assert sorted(map(repr, concurrent.entities)) == sorted(map(repr, serial.entities))
    assert sorted(concurrent_transport.requested_paths()) == sorted(
        serial_transport.requested_paths()
    )


@pytest.mark.anyio
async def test_a_run_lists_the_repositories_once_for_every_kind(make_github: MakeGitHub) -> None:
    integration, transport = make_github()
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.SUCCEEDED
    paths = transport.requested_paths()
    assert [p for p in paths if p.startswith("/orgs/acme-corp/repos")] == [
        "/orgs/acme-corp/repos?per_page=100&sort=full_name&type=all",
        "/orgs/acme-corp/repos?per_page=100&sort=full_name&type=all&page=2",
    ]
    assert len(paths) == len(set(paths))  # no listing, and no page of one, asked twice
    kinds = outcome.result.kinds
    assert kinds["pull-request"].requests == 5 and kinds["repository"].requests == 2
    assert all(stats.in_flight == 0 for stats in kinds.values())
