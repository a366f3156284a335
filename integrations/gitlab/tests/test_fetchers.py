"""The fetchers on recorded GitLab responses: paths, pagination, filters, retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations.gitlab import GitLabIntegration
from ocean_core.errors import TerminalHTTPError
from ocean_core.http import RetryPolicy
from ocean_core.testing import recorded_transport

from .conftest import API, load, make, offset, routes

Batches = list[list[dict[str, Any]]]


async def collect(batches: AsyncIterator[Any]) -> Batches:
    return [list(batch) async for batch in batches]


def ids(batches: Batches, key: str = "id") -> list[Any]:
    return [item[key] for batch in batches for item in batch]


@pytest.mark.anyio
async def test_groups_are_the_root_then_its_descendants() -> None:
    integration, transport = make()
    batches = await collect(integration.groups())
    assert ids(batches, "full_path") == ["acme", "acme/platform"]
    first = transport.requests[0]
    assert first.url.params["with_projects"] == "false"
    assert first.headers["PRIVATE-TOKEN"] == "glpat-s3cr3t-t0ken-value"
    assert str(first.url).startswith("https://gitlab.example.com/api/v4/groups/acme?")


@pytest.mark.anyio
async def test_projects_follow_keyset_links_across_pages() -> None:
    integration, transport = make()
    batches = await collect(integration.projects())
    assert [ids([b]) for b in batches] == [[101, 102], [103]]
    params = [r.url.params for r in transport.requests]
    assert [p.get("id_after") for p in params] == [None, "102"]
    assert all(p["pagination"] == "keyset" and p["order_by"] == "id" for p in params)
    assert params[0]["include_subgroups"] == "true"
    assert params[0]["with_shared"] == "false"
    assert params[0]["per_page"] == "2"


@pytest.mark.anyio
async def test_projects_fall_back_to_offset_when_keyset_is_refused() -> None:
    pages = offset(load("projects_page1.json"), load("projects_page2.json"))

    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("pagination") == "keyset":
            return httpx.Response(405, json={"message": "405 Method Not Allowed"})
        return pages(request)

    transport = recorded_transport(routes(**{f"{API}/groups/acme/projects": serve}))
    integration, _ = make(transport)
    assert ids(await collect(integration.projects())) == [101, 102, 103]
    assert [r.url.params.get("page") for r in transport.requests] == [None, None, "2"]


@pytest.mark.anyio
async def test_merge_requests_follow_x_next_page() -> None:
    integration, transport = make()
    batches = await collect(integration.merge_requests())
    assert ids(batches, "iid") == [12, 13, 3]
    params = [r.url.params for r in transport.requests]
    assert [p.get("page") for p in params] == [None, "2"]
    assert params[0]["state"] == "opened"
    assert params[0]["scope"] == "all"
    assert params[0]["non_archived"] == "false"


@pytest.mark.anyio
async def test_state_all_sends_no_state_filter() -> None:
    integration, transport = make(merge_request_state="all", issue_state="closed")
    await collect(integration.merge_requests())
    assert "state" not in transport.requests[0].url.params
    await collect(integration.issues())
    assert transport.requests[-1].url.params["state"] == "closed"


@pytest.mark.anyio
async def test_pipelines_are_the_newest_per_project_with_their_project() -> None:
    integration, transport = make(pipelines_per_project=5, max_concurrency=1)
    items = [item for batch in await collect(integration.pipelines()) for item in batch]
    assert [(p["__project"]["path_with_namespace"], p["id"]) for p in items] == [
        ("acme/api", 90012),
        ("acme/api", 90007),
        ("acme/platform/web", 89950),
    ]
    asked = [r for r in transport.requests if r.url.path.endswith("/pipelines")]
    assert [r.url.path for r in asked] == [
        f"{API}/projects/101/pipelines",
        f"{API}/projects/102/pipelines",
    ]
    assert asked[0].url.params["per_page"] == "5"
    assert asked[0].url.params["sort"] == "desc"


@pytest.mark.anyio
async def test_no_pipelines_when_disabled() -> None:
    integration, transport = make(pipelines_per_project=0)
    assert await collect(integration.pipelines()) == []
    assert transport.requests == []


@pytest.mark.anyio
async def test_nested_configured_groups_are_read_once_and_paths_are_encoded() -> None:
    platform = {**load("group_acme.json"), "id": 11, "full_path": "acme/platform"}
    transport = recorded_transport(
        routes(
            **{
                f"{API}/groups/acme/platform": platform,
                f"{API}/groups/acme/platform/issues": offset([]),
            }
        )
    )
    integration, _ = make(transport, groups=["acme/platform", "acme", "acme/platform/"])
    await collect(integration.groups())
    assert transport.requested_paths()[0] == f"{API}/groups/acme?with_projects=false"
    single, _ = make(transport, groups=["acme/platform"])
    await collect(single.issues())
    assert transport.requested_paths()[-1].startswith(f"{API}/groups/acme%2Fplatform/issues?")


@pytest.mark.anyio
async def test_without_groups_the_member_groups_are_read() -> None:
    member = [{"full_path": "acme/platform"}, {"full_path": "acme"}, {"full_path": "zeta"}]
    zeta = {**load("group_acme.json"), "id": 30, "full_path": "zeta"}
    transport = recorded_transport(
        routes(
            **{
                f"{API}/groups": offset(member),
                f"{API}/groups/zeta": zeta,
                f"{API}/groups/30/descendant_groups": offset([]),
            }
        )
    )
    integration, _ = make(transport, groups=[], max_concurrency=1)  # one root at a time: in order
    assert ids(await collect(integration.groups()), "full_path") == [
        "acme",
        "acme/platform",
        "zeta",
    ]
    assert transport.requests[0].url.params["min_access_level"] == "10"


@pytest.mark.anyio
async def test_retry_after_is_honoured_with_the_injected_sleep() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    calls: list[int] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            headers = {
                "Retry-After": "7",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": "1716281000",
            }
            return httpx.Response(429, headers=headers, json={"message": "Retry later"})
        return httpx.Response(200, json=load("issues.json"), headers={"X-Next-Page": ""})

    transport = recorded_transport(routes(**{f"{API}/groups/acme/issues": limited}))
    policy = RetryPolicy(sleep=sleep, max_delay=60.0)
    integration = GitLabIntegration(
        {"groups": ["acme"], "requests_per_second": 1000}, transport=transport, retry=policy
    )
    assert len(ids(await collect(integration.issues()))) == 2
    assert slept == [7.0]


def test_ratelimit_reset_is_read_as_epoch_seconds() -> None:
    policy = RetryPolicy(clock=lambda: 1_716_281_000.0, jitter=lambda low, high: high)
    exhausted = httpx.Response(
        503, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "1716281012"}
    )
    assert policy.delay(1, exhausted) == 12.0
    # With quota left, GitLab's RateLimit-Reset is no hint: plain backoff (0.5 s on try 1).
    plenty = httpx.Response(
        502, headers={"RateLimit-Remaining": "1999", "RateLimit-Reset": "1716281060"}
    )
    assert policy.delay(1, plenty) == 0.5


@pytest.mark.anyio
async def test_errors_name_the_path_and_hide_the_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "401 Unauthorized glpat-s3cr3t-t0ken-value"})

    transport = recorded_transport(routes(**{f"{API}/groups/acme": refuse}))
    integration, _ = make(transport)
    with pytest.raises(TerminalHTTPError) as caught:
        await collect(integration.groups())
    assert caught.value.status == 401
    assert "glpat-s3cr3t-t0ken-value" not in str(caught.value)
    assert "/api/v4/groups/acme" in str(caught.value)


def _numbered(pages: int, *, total: bool) -> Any:
    """An offset listing of ``pages`` pages of two merge requests, with or without
    ``X-Total-Pages``."""
    payloads = [[{"iid": 2 * n + i, "project_id": 101} for i in range(2)] for n in range(pages)]
    serve = offset(*payloads)

    def answer(request: httpx.Request) -> httpx.Response:
        response = serve(request)
        if not total:
            del response.headers["X-Total-Pages"]
        return response

    return answer


@pytest.mark.anyio
async def test_with_the_page_count_known_the_other_pages_are_fetched_at_once() -> None:
    transport = recorded_transport(
        routes(**{f"{API}/groups/acme/merge_requests": _numbered(5, total=True)})
    )
    integration, _ = make(transport, max_concurrency=8)
    batches = await collect(integration.merge_requests())
    assert sorted(ids(batches, "iid")) == list(range(10))
    asked = [r.url.params.get("page") for r in transport.requests]
    assert asked[0] is None and sorted(asked[1:]) == ["2", "3", "4", "5"]


@pytest.mark.anyio
async def test_without_the_page_count_the_listing_follows_x_next_page() -> None:
    transport = recorded_transport(
        routes(**{f"{API}/groups/acme/merge_requests": _numbered(4, total=False)})
    )
    integration, _ = make(transport, max_concurrency=8)
    assert ids(await collect(integration.merge_requests()), "iid") == list(range(8))
    assert [r.url.params.get("page") for r in transport.requests] == [None, "2", "3", "4"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fetch", ["groups", "projects", "merge_requests", "issues", "pipelines"]
)
async def test_eight_at_a_time_give_the_same_pages_as_one(fetch: str) -> None:
    serial, serial_transport = make(max_concurrency=1)
    concurrent, concurrent_transport = make(max_concurrency=8)
    one = await collect(getattr(serial, fetch)())
    eight = await collect(getattr(concurrent, fetch)())
    assert sorted(map(repr, [i for b in eight for i in b])) == sorted(
        map(repr, [i for b in one for i in b])
    )
    assert sorted(concurrent_transport.requested_paths()) == sorted(
        serial_transport.requested_paths()
    )
