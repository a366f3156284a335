"""Incremental runs of the pagerduty integration (rule 9): the incident listing's ``since``
filters on creation, so what changed since the cursor comes from the log entries since (each
with its incident included); an incident no longer in the configured statuses or window is
reported ``Deleted``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from integrations.pagerduty import PagerDutyIntegration
from ocean_core import Deleted
from ocean_core._cursor_values import Lag
from ocean_core.testing import recorded_transport

from .conftest import NOW, make, routes


def _incident(ident: str, status: str, created: datetime) -> dict[str, Any]:
    return {"id": ident, "type": "incident", "status": status,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updated_at": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_incidents_declare_an_updated_at_cursor_with_a_lag() -> None:
    spec = {s.name: s for s in PagerDutyIntegration.declared_kinds()}["incident"]
    assert (spec.cursor, spec.lag, spec.parameters) == (
        ".updated_at", Lag(300.0, duration=True), ("since",))


@pytest.mark.anyio
async def test_changed_incidents_come_from_the_log_entries_since() -> None:
    recent, old = NOW - timedelta(days=1), NOW - timedelta(days=60)
    entries = [
        {"id": "L1", "type": "acknowledge_log_entry", "created_at": "x",
         "incident": _incident("P1", "acknowledged", recent)},
        {"id": "L2", "type": "resolve_log_entry", "incident": _incident("P2", "resolved", recent)},
        {"id": "L3", "type": "annotate_log_entry", "incident": _incident("P3", "triggered", old)},
        {"id": "L4", "type": "notify_log_entry", "incident": {"id": "P4", "type": "reference"}},
    ]
    seen: list[httpx.Request] = []

    def log_entries(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"log_entries": entries, "more": False})

    integration = make(recorded_transport(routes(log_entries=log_entries)))

    batches = [b async for b in integration.incidents(since=NOW - timedelta(minutes=10))]

    assert [[i["id"] for i in b] for b in batches] == [["P1"], ["P2", "P3"]]
    assert isinstance(batches[1], Deleted)  # resolved (only open ones kept), or too old
    params = seen[0].url.params
    assert params["since"] == (NOW - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert params["is_overview"] == "true"
    assert params.get_list("include[]") == ["incidents"]


@pytest.mark.anyio
async def test_a_full_run_still_lists_incidents_by_their_creation_window() -> None:
    transport = recorded_transport(routes())
    integration = make(transport)

    batches = [b async for b in integration.incidents()]

    assert batches and not any(isinstance(b, Deleted) for b in batches)
    assert {r.url.path for r in transport.requests} == {"/incidents"}
    assert transport.requests[0].url.params["since"] == "2024-05-13T12:00:00Z"  # 30 days
