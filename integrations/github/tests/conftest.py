"""Shared fixtures: the anyio backend and the recorded GitHub payloads.

Each file in ``fixtures/`` maps a request path (optionally with a query the request must carry)
to the response bodies of its pages, as GitHub's REST API returns them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from integrations.github import GitHubConfig, GitHubIntegration
from integrations.github._client import retry_policy
from ocean_core.testing import RecordedTransport, pages, recorded_transport

FIXTURES = Path(__file__).with_name("fixtures")
ORG_FILES = ("repositories", "pull_requests", "issues", "workflows", "teams", "members")
ORG = {"org": "acme-corp", "token": "ghp_testtoken123456", "requests_per_second": 1000}
USER = {"user": "octocat", "requests_per_second": 1000}

Routes = dict[str, Any]
MakeGitHub = Callable[..., tuple[GitHubIntegration, RecordedTransport]]


def recorded(*names: str) -> dict[str, list[Any]]:
    """Path -> list of page bodies, merged from the named fixture files."""
    merged: dict[str, list[Any]] = {}
    for name in names:
        merged.update(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
    return merged


def as_routes(recordings: dict[str, list[Any]]) -> Routes:
    return {path: pages(*bodies) for path, bodies in recordings.items()}


def org_routes() -> Routes:
    return as_routes(recorded(*ORG_FILES))


def user_routes() -> Routes:
    return as_routes(recorded("user"))


class Sleeps:
    """A fake ``sleep`` that records every wait instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_github(sleeps: Sleeps) -> MakeGitHub:
    """An org-scoped integration over the recorded routes, with a retry policy that never
    really waits (``clock`` is fixed at 1_700_000_000, for the reset-header tests)."""

    def make(
        routes: Routes | None = None, **config: Any
    ) -> tuple[GitHubIntegration, RecordedTransport]:
        transport = recorded_transport(routes if routes is not None else org_routes())
        settings = GitHubConfig.model_validate({**ORG, **config})
        retry = retry_policy(
            settings, sleep=sleeps, clock=lambda: 1_700_000_000.0, jitter=lambda low, high: high
        )
        integration = GitHubIntegration(settings, transport=transport, retry=retry)
        return integration, transport

    return make
