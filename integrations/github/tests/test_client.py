"""The HTTP side: GitHub's headers, rate-limit waits through an injected sleep, redaction."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from integrations.github import GitHubIntegration
from ocean_core.errors import TerminalHTTPError

from .conftest import MakeGitHub, Sleeps, org_routes

NOW = 1_700_000_000  # the fixed clock of make_github's retry policy
REPOS = "/orgs/acme-corp/repos"


async def _repositories(integration: GitHubIntegration) -> list[str]:
    return [repo["full_name"] async for page in integration.repositories() for repo in page]


def _then_ok(*first: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """A route that answers ``first`` responses in turn, then the recorded first page."""
    queue = list(first)
    recorded = org_routes()[REPOS].payloads[0]

    def serve(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if queue else httpx.Response(200, json=recorded)

    return serve


@pytest.mark.anyio
async def test_every_request_carries_the_github_headers(make_github: MakeGitHub) -> None:
    integration, transport = make_github()
    await _repositories(integration)
    for request in transport.requests:
        assert request.headers["Authorization"] == "Bearer ghp_testtoken123456"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


@pytest.mark.anyio
async def test_no_token_sends_no_authorization(make_github: MakeGitHub) -> None:
    integration, transport = make_github(token=None)
    await _repositories(integration)
    assert all("Authorization" not in request.headers for request in transport.requests)


@pytest.mark.anyio
async def test_exhausted_quota_waits_until_the_reset(
    make_github: MakeGitHub, sleeps: Sleeps
) -> None:
    limited = httpx.Response(
        403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(NOW + 42)},
        json={"message": "API rate limit exceeded for user ID 583231."},
    )
    integration, transport = make_github({REPOS: _then_ok(limited)})
    assert await _repositories(integration) == ["acme-corp/api", "acme-corp/billing"]
    assert sleeps.calls == [42.0]
    assert len(transport.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("status", [403, 429])
async def test_secondary_rate_limit_waits_retry_after(
    make_github: MakeGitHub, sleeps: Sleeps, status: int
) -> None:
    secondary = httpx.Response(
        status,
        headers={"Retry-After": "7", "X-RateLimit-Remaining": "4211"},
        json={"message": "You have exceeded a secondary rate limit."},
    )
    integration, _ = make_github({REPOS: _then_ok(secondary)})
    assert await _repositories(integration) == ["acme-corp/api", "acme-corp/billing"]
    assert sleeps.calls == [7.0]


@pytest.mark.anyio
async def test_a_long_reset_is_capped_by_max_retry_wait(
    make_github: MakeGitHub, sleeps: Sleeps
) -> None:
    limited = httpx.Response(
        403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(NOW + 3600)}
    )
    integration, _ = make_github({REPOS: _then_ok(limited)})
    await _repositories(integration)
    assert sleeps.calls == [900.0]


@pytest.mark.anyio
async def test_a_refusal_is_not_retried_and_the_token_is_redacted(
    make_github: MakeGitHub, sleeps: Sleeps
) -> None:
    refused = httpx.Response(
        403, json={"message": "Resource not accessible by token ghp_testtoken123456"}
    )
    integration, transport = make_github({REPOS: _then_ok(refused)})
    with pytest.raises(TerminalHTTPError) as caught:
        await _repositories(integration)
    assert caught.value.status == 403
    assert "ghp_testtoken123456" not in str(caught.value)
    assert "***" in str(caught.value)
    assert sleeps.calls == [] and len(transport.requests) == 1


@pytest.mark.anyio
async def test_enterprise_base_url(make_github: MakeGitHub) -> None:
    routes = {f"/api/v3{path}": route for path, route in org_routes().items()}
    integration, transport = make_github(routes, base_url="https://ghe.example.com/api/v3")
    assert len(await _repositories(integration)) == 4
    assert [str(r.url.copy_with(query=None)) for r in transport.requests] == [
        "https://ghe.example.com/api/v3/orgs/acme-corp/repos"
    ] * 2


def test_one_rate_limiter_per_instance() -> None:
    first = GitHubIntegration({"org": "acme-corp", "requests_per_second": 5})
    second = GitHubIntegration({"org": "acme-corp"})
    assert first.limiter is not None and second.limiter is not None
    assert first.limiter is not second.limiter
    assert (first.limiter.rate, first.limiter.burst) == (5, 5)
