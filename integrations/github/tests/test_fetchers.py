"""The fetchers on the recorded payloads: pagination, per-repository listings, config filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from loguru import logger

from integrations.github import GitHubIntegration
from integrations.github._api import UnexpectedPayload
from ocean_core.testing import RecordedTransport

from .conftest import MakeGitHub, org_routes, user_routes

Batches = list[list[dict[str, Any]]]


async def _collect(batches: AsyncIterator[Any]) -> Batches:
    return [list(batch) async for batch in batches]


def _requests(transport: RecordedTransport) -> list[tuple[str, dict[str, str]]]:
    return [(r.url.path, dict(r.url.params)) for r in transport.requests]


@pytest.mark.anyio
async def test_repositories_follow_the_link_header(make_github: MakeGitHub) -> None:
    integration, transport = make_github()
    batches = await _collect(integration.repositories())
    assert [[repo["full_name"] for repo in batch] for batch in batches] == [
        ["acme-corp/api", "acme-corp/billing"],
        ["acme-corp/legacy-portal", "acme-corp/web"],
    ]
    first = {"per_page": "100", "sort": "full_name", "type": "all"}
    assert _requests(transport) == [
        ("/orgs/acme-corp/repos", first),
        ("/orgs/acme-corp/repos", {**first, "page": "2"}),
    ]


@pytest.mark.anyio
async def test_page_size_is_sent_as_per_page(make_github: MakeGitHub) -> None:
    integration, transport = make_github(page_size=30)
    await _collect(integration.members())
    assert [r.url.params["per_page"] for r in transport.requests] == ["30", "30"]


@pytest.mark.anyio
async def test_pull_requests_of_every_repository_in_pages(make_github: MakeGitHub) -> None:
    integration, transport = make_github(max_concurrency=1)  # one repository at a time: in order
    batches = await _collect(integration.pull_requests())
    assert [[(pr["__repository"], pr["number"]) for pr in batch] for batch in batches] == [
        [("acme-corp/api", 42), ("acme-corp/api", 41)],
        [("acme-corp/api", 38)],
        [("acme-corp/billing", 7)],
        [("acme-corp/web", 113)],  # legacy-portal has none: no empty batch
    ]
    pulls = [(path, params) for path, params in _requests(transport) if path.endswith("/pulls")]
    assert pulls == [
        ("/repos/acme-corp/api/pulls", {"state": "open", "per_page": "100"}),
        ("/repos/acme-corp/api/pulls", {"state": "open", "per_page": "100", "page": "2"}),
        ("/repos/acme-corp/billing/pulls", {"state": "open", "per_page": "100"}),
        ("/repos/acme-corp/legacy-portal/pulls", {"state": "open", "per_page": "100"}),
        ("/repos/acme-corp/web/pulls", {"state": "open", "per_page": "100"}),
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("fetch", ["pull_requests", "issues", "workflows"])
async def test_eight_repositories_at_a_time_give_the_same_pages(
    make_github: MakeGitHub, fetch: str
) -> None:
    one, one_transport = make_github(max_concurrency=1)
    eight, eight_transport = make_github(max_concurrency=8)
    serial = await _collect(getattr(one, fetch)())
    concurrent = await _collect(getattr(eight, fetch)())
    assert sorted(map(repr, concurrent)) == sorted(map(repr, serial))
    assert sorted(one_transport.requested_paths()) == sorted(eight_transport.requested_paths())


@pytest.mark.anyio
async def test_state_selects_pull_requests(make_github: MakeGitHub) -> None:
    integration, transport = make_github(state="closed", repositories=["api"])
    batches = await _collect(integration.pull_requests())
    assert [(pr["number"], pr["state"]) for batch in batches for pr in batch] == [
        (35, "closed"),
        (33, "closed"),
    ]
    assert {r.url.params["state"] for r in transport.requests if "pulls" in r.url.path} == {
        "closed"
    }


@pytest.mark.anyio
async def test_issues_exclude_pull_requests_and_disabled_trackers(
    make_github: MakeGitHub,
) -> None:
    integration, transport = make_github(max_concurrency=1)
    batches = await _collect(integration.issues())
    items = [item for batch in batches for item in batch]
    assert [(i["__repository"], i["number"]) for i in items] == [
        ("acme-corp/api", 44),
        ("acme-corp/api", 40),
        ("acme-corp/web", 120),
    ]
    assert all("pull_request" not in item for item in items)
    # billing has issues turned off (has_issues: false): it is not asked at all.
    assert "/repos/acme-corp/billing/issues" not in {path for path, _ in _requests(transport)}


@pytest.mark.anyio
async def test_workflows_are_unwrapped_from_their_envelope(make_github: MakeGitHub) -> None:
    integration, _ = make_github(max_concurrency=1)
    batches = await _collect(integration.workflows())
    assert [[(w["__repository"], w["id"], w["name"]) for w in batch] for batch in batches] == [
        [("acme-corp/api", 161335, "CI"), ("acme-corp/api", 161336, "Release")],
        [("acme-corp/billing", 269289, "CI")],
        [("acme-corp/legacy-portal", 98172, "Nightly build")],
        [("acme-corp/web", 170021, "Deploy preview")],
    ]


@pytest.mark.anyio
async def test_a_workflows_body_without_its_list_is_an_error(make_github: MakeGitHub) -> None:
    routes = org_routes()
    routes["/repos/acme-corp/api/actions/workflows"] = {"total_count": 0}
    integration, _ = make_github(routes)
    with pytest.raises(UnexpectedPayload, match="'workflows' list"):
        await _collect(integration.workflows())


@pytest.mark.anyio
async def test_repositories_restrict_every_kind(make_github: MakeGitHub) -> None:
    integration, transport = make_github(repositories=["web", "API"])
    repos = await _collect(integration.repositories())
    assert [r["name"] for batch in repos for r in batch] == ["api", "web"]
    workflows = await _collect(integration.workflows())
    assert {w["__repository"] for batch in workflows for w in batch} == {
        "acme-corp/api",
        "acme-corp/web",
    }
    asked = {path for path, _ in _requests(transport) if path.startswith("/repos/")}
    assert asked == {
        "/repos/acme-corp/api/actions/workflows",
        "/repos/acme-corp/web/actions/workflows",
    }


@pytest.mark.anyio
async def test_teams_and_members(make_github: MakeGitHub) -> None:
    integration, _ = make_github()
    teams = await _collect(integration.teams())
    assert [[t["slug"] for t in batch] for batch in teams] == [
        ["platform", "platform-oncall", "frontend"]
    ]
    members = await _collect(integration.members())
    assert [[m["login"] for m in batch] for batch in members] == [
        ["octocat", "hubot"],
        ["monalisa"],
    ]


@pytest.mark.anyio
async def test_user_scope_reads_the_users_repositories_and_no_org(
    make_github: MakeGitHub,
) -> None:
    integration, transport = make_github(user_routes(), org=None, user="octocat")
    repos = await _collect(integration.repositories())
    assert [r["full_name"] for batch in repos for r in batch] == [
        "octocat/Hello-World",
        "octocat/Spoon-Knife",
    ]
    assert transport.requests[0].url.params.get("type") is None
    assert await _collect(integration.teams()) == []
    assert await _collect(integration.members()) == []
    assert not any(r.url.path.startswith("/orgs/") for r in transport.requests)


def test_user_scope_declares_org_kinds_empty_and_maps_without_them() -> None:
    user = GitHubIntegration({"user": "octocat"})
    may_be_empty = {spec.name: spec.may_be_empty for spec in user.kinds()}
    assert may_be_empty == {
        "repository": False,
        "pull-request": True,
        "issue": True,
        "team": True,
        "member": True,
        "workflow": True,
    }
    mapping = user.get_default_mapping()
    assert mapping is not None
    assert [r["kind"] for r in mapping["resources"]] == [
        "repository",
        "pull-request",
        "issue",
        "workflow",
    ]
    org = GitHubIntegration({"org": "acme-corp"})
    assert {s.name for s in org.kinds() if not s.may_be_empty} == {"repository", "member"}
    assert org.get_default_mapping() == GitHubIntegration.default_mapping


@pytest.mark.anyio
async def test_a_missing_repository_fails_the_kind(make_github: MakeGitHub) -> None:
    routes = org_routes()
    routes["/repos/acme-corp/web/pulls"] = lambda request: httpx.Response(
        404, json={"message": "Not Found"}
    )
    integration, _ = make_github(routes)
    with pytest.raises(Exception, match="404"):
        await _collect(integration.pull_requests())


@pytest.mark.anyio
async def test_a_configured_repository_that_does_not_exist_is_reported(
    make_github: MakeGitHub,
) -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message}")
    try:
        integration, _ = make_github(repositories=["api", "ghost"])
        repos = await _collect(integration.repositories())
    finally:
        logger.remove(sink)
    assert [r["name"] for batch in repos for r in batch] == ["api"]
    assert lines == [
        "github: acme-corp has no repositories named ghost (listed at /orgs/acme-corp/repos)\n"
    ]
