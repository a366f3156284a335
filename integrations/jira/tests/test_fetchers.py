"""The fetchers on recorded Jira Cloud responses: pagination, JQL, auth, retries."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations.jira import JiraIntegration
from integrations.jira.config import DEFAULT_FIELDS, DEFAULT_JQL
from ocean_core.errors import PaginationError, TerminalHTTPError
from ocean_core.http import RetryPolicy
from ocean_core.testing import recorded_transport

from .conftest import API, CONFIG, load, make, routes

Batches = list[list[dict[str, Any]]]


async def collect(batches: AsyncIterator[Any]) -> Batches:
    return [list(batch) async for batch in batches]


def keys(batches: Batches, key: str = "key") -> list[list[Any]]:
    return [[item[key] for item in batch] for batch in batches]


@pytest.mark.anyio
async def test_projects_page_by_start_at_until_total() -> None:
    integration, transport = make()
    assert keys(await collect(integration.projects())) == [["ABC", "OPS"], ["MKT"]]
    params = [r.url.params for r in transport.requests]
    assert [(p["startAt"], p["maxResults"]) for p in params] == [("0", "2"), ("2", "2")]
    assert params[0]["expand"] == "description,lead"


@pytest.mark.anyio
async def test_issues_follow_next_page_token_with_the_configured_jql() -> None:
    integration, transport = make(jql="project in (ABC, OPS) AND statusCategory != Done")
    assert keys(await collect(integration.issues())) == [["ABC-1", "ABC-2"], ["OPS-7"]]
    params = [r.url.params for r in transport.requests]
    assert [p.get("nextPageToken") for p in params] == [None, "Ch0jU3RyaW5nJlFVSkQmSlNNRjIwMjQ="]
    assert all(p["jql"] == "project in (ABC, OPS) AND statusCategory != Done" for p in params)
    assert params[0]["fields"] == ",".join(DEFAULT_FIELDS)
    assert params[0]["maxResults"] == "2"
    assert transport.requests[0].url.path == f"{API}/search/jql"


@pytest.mark.anyio
async def test_issues_default_to_a_bounded_jql_and_custom_fields() -> None:
    integration, transport = make(issue_fields=["summary", "customfield_10016"])
    await collect(integration.issues())
    assert transport.requests[0].url.params["jql"] == DEFAULT_JQL
    # `updated` comes too, whatever the config asks for: it is the issue kind's cursor.
    assert transport.requests[0].url.params["fields"] == "summary,customfield_10016,updated"


@pytest.mark.anyio
async def test_users_stop_on_a_short_page() -> None:
    integration, transport = make()
    batches = await collect(integration.users())
    assert keys(batches, "displayName") == [["Alice Moreau", "Automation for Jira"], ["Bob Okafor"]]
    assert [r.url.params["startAt"] for r in transport.requests] == ["0", "2"]


@pytest.mark.anyio
async def test_basic_auth_and_bearer_token() -> None:
    integration, transport = make()
    await collect(integration.users())
    expected = base64.b64encode(b"ocean@example.com:ATATT3xFfGF0-s3cr3t-api-token").decode()
    assert transport.requests[0].headers["Authorization"] == f"Basic {expected}"

    bearer, transport = make(email=None, api_token=None, token="eyJhbGciOi-bearer-token")
    await collect(bearer.users())
    assert transport.requests[0].headers["Authorization"] == "Bearer eyJhbGciOi-bearer-token"


@pytest.mark.anyio
async def test_a_token_served_twice_is_a_pagination_error() -> None:
    looping = {**load("issues_page1.json")}

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=looping)

    integration, _ = make(recorded_transport(routes(**{f"{API}/search/jql": serve})))
    with pytest.raises(PaginationError):
        await collect(integration.issues())


@pytest.mark.anyio
async def test_retry_after_is_honoured_with_the_injected_sleep() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    served: list[int] = []

    def limited(request: httpx.Request) -> httpx.Response:
        served.append(1)
        if len(served) == 1:
            headers = {
                "Retry-After": "12",
                "X-RateLimit-Limit": "350",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "2024-05-21T10:15:30Z",
                "RateLimit-Reason": "jira-quota-tenant-based",
            }
            return httpx.Response(429, headers=headers, text="Rate limit exceeded.")
        return httpx.Response(200, json=load("users_page2.json"))

    transport = recorded_transport(routes(**{f"{API}/users/search": limited}))
    integration = JiraIntegration(CONFIG, transport=transport, retry=RetryPolicy(sleep=sleep))
    assert keys(await collect(integration.users()), "displayName") == [["Bob Okafor"]]
    assert slept == [12.0]


@pytest.mark.anyio
async def test_errors_hide_the_credentials() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {"errorMessages": ["Bad token ATATT3xFfGF0-s3cr3t-api-token"], "errors": {}}
        return httpx.Response(401, json=body)

    integration, _ = make(recorded_transport(routes(**{f"{API}/project/search": refuse})))
    with pytest.raises(TerminalHTTPError) as caught:
        await collect(integration.projects())
    assert caught.value.status == 401
    assert "s3cr3t" not in str(caught.value)
    assert "/rest/api/3/project/search" in str(caught.value)
