"""Recorded GitLab responses: fixture files served the way GitLab paginates them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.gitlab import GitLabIntegration
from ocean_core.http import RetryPolicy
from ocean_core.testing import RecordedTransport, recorded_transport

FIXTURES = Path(__file__).with_name("fixtures")
API = "/api/v4"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def keyset(*payloads: list[dict[str, Any]]) -> Handler:
    """A keyset listing: the next page is ``id_after=<last id>``, linked with ``Link``."""

    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.params.get("pagination") == "keyset"
        after = request.url.params.get("id_after")
        index = (
            0
            if after is None
            else 1 + next(i for i, page in enumerate(payloads) if str(page[-1]["id"]) == after)
        )
        headers = {}
        if index + 1 < len(payloads):
            following = request.url.copy_set_param("id_after", str(payloads[index][-1]["id"]))
            headers["Link"] = f'<{following}>; rel="next"'
        return httpx.Response(200, json=payloads[index], headers=headers)

    return serve


def offset(*payloads: list[dict[str, Any]]) -> Handler:
    """An offset listing with GitLab's headers: ``X-Next-Page`` is empty on the last page."""

    def serve(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": request.url.params.get("per_page", "20"),
            "X-Next-Page": str(page + 1) if page < len(payloads) else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "X-Total": str(sum(len(p) for p in payloads)),
            "X-Total-Pages": str(len(payloads)),
        }
        return httpx.Response(200, json=payloads[page - 1], headers=headers)

    return serve


def routes(**overrides: Any) -> dict[str, Any]:
    """The recorded instance: group ``acme`` with subgroup ``acme/platform`` and 3 projects."""
    base: dict[str, Any] = {
        f"{API}/groups/acme": load("group_acme.json"),
        f"{API}/groups/10/descendant_groups": offset(load("descendant_groups.json")),
        f"{API}/groups/acme/projects": keyset(
            load("projects_page1.json"), load("projects_page2.json")
        ),
        f"{API}/groups/acme/merge_requests": offset(
            load("merge_requests_page1.json"), load("merge_requests_page2.json")
        ),
        f"{API}/groups/acme/issues": offset(load("issues.json")),
        f"{API}/projects/101/pipelines": load("pipelines_101.json"),
        f"{API}/projects/102/pipelines": load("pipelines_102.json"),
    }
    base.update(overrides)
    return base


CONFIG: dict[str, Any] = {
    "token": "glpat-s3cr3t-t0ken-value",
    "base_url": "https://gitlab.example.com",
    "groups": ["acme"],
    "page_size": 2,
    "requests_per_second": 1000,
}


async def no_sleep(seconds: float) -> None:
    del seconds


def make(
    transport: RecordedTransport | None = None, **config: Any
) -> tuple[GitLabIntegration, RecordedTransport]:
    """An integration on recorded routes (default: ``routes()``) that never really sleeps."""
    transport = transport if transport is not None else recorded_transport(routes())
    policy = RetryPolicy(sleep=no_sleep, jitter=lambda low, high: high)
    return GitLabIntegration({**CONFIG, **config}, transport=transport, retry=policy), transport
