"""Recorded Jira Cloud responses, served the way each endpoint pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.jira import JiraIntegration
from ocean_core.http import RetryPolicy
from ocean_core.testing import RecordedTransport, recorded_transport

FIXTURES = Path(__file__).with_name("fixtures")
API = "/rest/api/3"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def by_start_at(*payloads: Any) -> Handler:
    """Pages chosen by ``startAt``: each payload starts where the ones before it end."""

    def size(payload: Any) -> int:
        return len(payload["values"] if isinstance(payload, dict) else payload)

    def serve(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("startAt", "0"))
        offset = 0
        for payload in payloads:
            if offset == start:
                return httpx.Response(200, json=payload)
            offset += size(payload)
        empty: Any = {"values": [], "startAt": start, "total": offset, "isLast": True}
        return httpx.Response(200, json=[] if isinstance(payloads[0], list) else empty)

    return serve


def by_token(*payloads: dict[str, Any]) -> Handler:
    """Pages chosen by ``nextPageToken``: the first has none, each next one the token before."""

    def serve(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("nextPageToken")
        if token is None:
            return httpx.Response(200, json=payloads[0])
        for index, payload in enumerate(payloads[:-1]):
            if payload.get("nextPageToken") == token:
                return httpx.Response(200, json=payloads[index + 1])
        return httpx.Response(400, json={"errorMessages": ["Invalid nextPageToken"]})

    return serve


def routes(**overrides: Any) -> dict[str, Any]:
    """The recorded site: 3 projects, 3 issues, 3 users, each listing over two pages."""
    base: dict[str, Any] = {
        f"{API}/project/search": by_start_at(
            load("projects_page1.json"), load("projects_page2.json")
        ),
        f"{API}/search/jql": by_token(load("issues_page1.json"), load("issues_page2.json")),
        f"{API}/users/search": by_start_at(load("users_page1.json"), load("users_page2.json")),
    }
    base.update(overrides)
    return base


CONFIG: dict[str, Any] = {
    "base_url": "https://example.atlassian.net",
    "email": "ocean@example.com",
    "api_token": "ATATT3xFfGF0-s3cr3t-api-token",
    "page_size": 2,
    "requests_per_second": 1000,
}


async def no_sleep(seconds: float) -> None:
    del seconds


def make(
    transport: RecordedTransport | None = None, **config: Any
) -> tuple[JiraIntegration, RecordedTransport]:
    """An integration on recorded routes (default: ``routes()``) that never really sleeps."""
    transport = transport if transport is not None else recorded_transport(routes())
    policy = RetryPolicy(sleep=no_sleep, jitter=lambda low, high: high)
    merged = {**CONFIG, **config}
    merged = {key: value for key, value in merged.items() if value is not None}
    return JiraIntegration(merged, transport=transport, retry=policy), transport
