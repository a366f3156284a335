"""The read API: integration state, paged run history, and entities with filters and cursors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import Served, serving
from tests.service.support import gated, write_config

pytestmark = pytest.mark.anyio


async def _all_pages(served: Served, path: str, **params: Any) -> list[list[Any]]:
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = (await served.client.get(path, params=query)).json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_integration_state_says_what_ran_and_what_is_next(tmp_path: Path) -> None:
    item = {**gated("a", items=2), "name": "A", "scheduled_resync_interval": "1h30m"}
    async with serving(write_config(tmp_path, item)) as served:
        await served.idle("a")
        state = (await served.client.get("/api/integrations")).json()[0]
        detail = (await served.client.get("/api/integrations/a")).json()
    assert state["status"] == "idle" and state["generation"] == 1 and state["name"] == "A"
    assert state["current_run"] is None and state["pending_run"] is None
    last = state["last_run"]
    assert last["status"] == "succeeded" and last["kinds"]["item"]["upserted"] == 2
    assert state["last_started_at"] == last["started_at"]
    assert state["last_ended_at"] == last["ended_at"]
    schedule = state["schedule"]
    assert schedule["interval"] == "1h30m" and schedule["interval_seconds"] == 5400
    assert state["next_scheduled_run_at"] == schedule["next_run_at"]
    assert schedule["skipped_ticks"] == 0
    assert detail["kinds"] == ["item"]
    assert detail["config"] == {"items": 2, "gate": None, "prefix": "item"}
    assert {k: detail[k] for k in state} == state


async def test_run_history_pages_newest_first(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, gated("a", items=2))) as served:
        await served.idle("a")
        for _ in range(4):
            response = await served.client.post("/api/integrations/a/resync")
            await served.ended(response.json())
        pages = await _all_pages(served, "/api/integrations/a/resyncs", limit=2)
    assert [[r["generation"] for r in page] for page in pages] == [[5, 4], [3, 2], [1]]
    assert all(r["kinds"]["item"]["fetched"] == 2 for page in pages for r in page)


async def test_history_shows_errors_and_why_the_delete_was_skipped(tmp_path: Path) -> None:
    config = {"kinds": {"service": 3}, "fail": {"service": 0}}
    failing = {"id": "f", "type": "fake", "config": config}
    async with serving(write_config(tmp_path, failing)) as served:
        await served.idle("f")
        run = (await served.client.get("/api/integrations/f/resyncs")).json()["items"][0]
    assert run["status"] == "failed"
    assert run["kinds"]["service"]["errors"] == 1
    assert run["kinds"]["service"]["error_details"][0]["stage"] == "fetch"
    assert run["delete_skipped_reason"] == "1 kind(s) had errors: service"


async def test_entities_filter_search_and_page(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, gated("a", items=5), gated("b", items=3, prefix="thing"),
        {"id": "f", "type": "fake", "config": {"kinds": {"service": 2, "team": 1}}},
    )
    async with serving(config) as served:
        for integration_id in ("a", "b", "f"):
            await served.idle(integration_id)
        pages = await _all_pages(served, "/api/entities", limit=3)
        everything = [(e["integration_id"], e["identifier"]) for page in pages for e in page]
        by_integration = await _all_pages(served, "/api/entities", integration="b", limit=2)
        teams = (await served.client.get("/api/entities", params={"kind": "team"})).json()
        blueprint = (await served.client.get("/api/entities", params={"blueprint": "service"}))
        search = (await served.client.get("/api/entities", params={"q": "ITEM 3"})).json()
        by_title = (await served.client.get("/api/entities", params={"q": "service 1"})).json()
        bad = await served.client.get("/api/entities", params={"cursor": "garbage"})
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert len(everything) == len(set(everything)) == 11
    assert everything == sorted(everything)  # key order: integration, blueprint, identifier
    assert [[e["identifier"] for e in p] for p in by_integration] == [
        ["thing-0", "thing-1"], ["thing-2"]
    ]
    assert [e["identifier"] for e in teams["items"]] == ["team-0"]
    assert [e["identifier"] for e in blueprint.json()["items"]] == ["service-0", "service-1"]
    assert [e["identifier"] for e in search["items"]] == ["item-3"]
    assert [e["identifier"] for e in by_title["items"]] == ["service-1"]
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "cursor"
