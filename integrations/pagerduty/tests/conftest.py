"""Recorded PagerDuty responses, served by offset, and a builder for the integration under test."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.pagerduty import PagerDutyIntegration
from ocean_core.http import RetryPolicy
from ocean_core.testing import RecordedTransport, recorded_transport

FIXTURES = Path(__file__).with_name("fixtures")
TOKEN = "u+Xy7secretTOKENvalue42"
NOW = datetime(2024, 6, 12, 12, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def load(name: str) -> dict[str, Any]:
    """One recorded response body from ``fixtures/``."""
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return body


def by_offset(*bodies: dict[str, Any]) -> Handler:
    """Serve each recorded page at the ``offset`` it was recorded with, as PagerDuty does."""
    pages = {body["offset"]: body for body in bodies}

    def serve(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        if offset not in pages:
            return httpx.Response(400, json={"error": {"message": "Invalid offset"}})
        return httpx.Response(200, json=pages[offset])

    return serve


def empty(collection: str) -> dict[str, Any]:
    """An empty listing, as PagerDuty answers when nothing matches."""
    return {collection: [], "limit": 100, "offset": 0, "total": None, "more": False}


def routes(**overrides: Any) -> dict[str, Any]:
    """The recorded account; ``overrides`` replace routes by path (``incidents=...``)."""
    recorded: dict[str, Any] = {
        "/services": by_offset(load("services_page1"), load("services_page2")),
        "/incidents": by_offset(load("incidents")),
        "/escalation_policies": by_offset(load("escalation_policies")),
        "/schedules": by_offset(load("schedules")),
        "/oncalls": by_offset(load("oncalls_page1"), load("oncalls_page2")),
    }
    recorded.update({f"/{path}": route for path, route in overrides.items()})
    return recorded


class Sleeps(list[float]):
    """A fake sleep that records how long it was asked to wait."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make(
    transport: RecordedTransport | None = None,
    sleeps: Sleeps | None = None,
    **config: Any,
) -> PagerDutyIntegration:
    """The integration over ``transport`` (default: the recorded account), never really waiting."""
    retry = RetryPolicy(sleep=sleeps if sleeps is not None else Sleeps(),
                        jitter=lambda low, high: high)
    settings = {"token": TOKEN, "page_size": 2, "requests_per_second": 1000, **config}
    return PagerDutyIntegration(
        settings,
        transport=transport if transport is not None else recorded_transport(routes()),
        retry=retry,
        clock=lambda: NOW,
    )
