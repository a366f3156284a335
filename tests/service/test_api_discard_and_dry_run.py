"""``DELETE /api/integrations/{id}/changes`` discards what ``PATCH`` changed; ``POST
.../resync`` with ``{"dry_run": true}`` answers what a run would do, and does nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import Served, serving
from tests.service.support import write_config

pytestmark = pytest.mark.anyio


def _fake(**config: Any) -> dict[str, Any]:
    return {"id": "f", "type": "fake", "config": {"kinds": {"service": 3}, **config}}


def _titled(title: str) -> dict[str, Any]:
    return {"resources": [{"kind": "service", "selector": {"query": "true"}, "port": {"entity": {
        "mappings": {"identifier": ".id", "title": title, "blueprint": '"service"'}}}}]}


async def _titles(served: Served) -> list[str]:
    items = (await served.client.get("/api/entities", params={"integration": "f"})).json()
    return [e["title"] for e in items["items"]]


async def _state(served: Served) -> dict[str, Any]:
    body: dict[str, Any] = (await served.client.get("/api/integrations/f")).json()
    return body


async def test_the_state_says_what_the_api_changed_and_since_when(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _fake())) as served:
        await served.idle("f")
        before = await _state(served)
        patched = await served.client.patch("/api/integrations/f", json={
            "mapping": _titled('"changed"'), "config": {"kinds": {"service": 2}}})
        await served.ended(patched.json())
        after = await _state(served)
        listed = (await served.client.get("/api/integrations")).json()[0]
    assert before["api_changes"] is None
    changes = after["api_changes"]
    assert changes["settings"] == ["mapping", "config.kinds.service"]
    assert datetime.fromisoformat(changes["changed_at"]).tzinfo is not None
    assert listed["api_changes"] == changes


async def test_delete_changes_discards_them_and_resyncs_with_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, _fake())
    async with serving(config) as served:
        await served.idle("f")
        patched = await served.client.patch("/api/integrations/f",
                                            json={"mapping": _titled('"changed"')})
        await served.ended(patched.json())
        changed = await _titles(served)
        response = await served.client.delete("/api/integrations/f/changes")
        ended = await served.ended(response.json())
        reset = await _titles(served)
        state = await _state(served)
        again = await served.client.delete("/api/integrations/f/changes")
        second = await served.ended(again.json())
        unknown = await served.client.delete("/api/integrations/nope/changes")
    assert changed == ["changed"] * 3
    assert response.status_code == 202 and response.headers["Location"].endswith(
        ended["run_id"])
    assert ended["status"] == "succeeded" and ended["run"]["trigger"] == "config"
    assert reset == ["Service 0", "Service 1", "Service 2"]
    assert state["api_changes"] is None and state["changed_through_api"] is False
    assert state["mapping"] is None
    assert again.status_code == 202 and second["run"]["trigger"] == "api"  # nothing to discard
    assert unknown.status_code == 404 and unknown.json()["known"] == ["f"]
    async with serving(config) as served:  # nothing is applied again at the next start
        await served.idle("f")
        assert await _titles(served) == ["Service 0", "Service 1", "Service 2"]
        assert (await _state(served))["api_changes"] is None


async def test_a_dry_run_answers_the_report_and_does_nothing(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _fake(kinds={"service": 5}))) as served:
        await served.idle("f")
    edited = write_config(tmp_path, {**_fake(kinds={"service": 3}, revision=1),
                                     "resync_on_start": False})
    async with serving(edited) as served:
        before = await _state(served)
        history = (await served.client.get("/api/integrations/f/resyncs")).json()["items"]
        response = await served.client.post("/api/integrations/f/resync",
                                             json={"dry_run": True})
        after = await _state(served)
        again = (await served.client.get("/api/integrations/f/resyncs")).json()["items"]
        entities = (await served.client.get("/api/entities", params={"limit": 100})).json()
        schema = (await served.client.get("/openapi.json")).json()
    assert response.status_code == 200, response.text
    report = response.json()
    service = report["kinds"]["service"]
    assert (service["changed"], service["unchanged"], service["deleted"]) == (3, 0, 2)
    assert service["changed_sample"][0]["fields"] == [
        {"path": "properties.revision", "old": "0", "new": "1"}]
    assert [e["identifier"] for e in service["deleted_sample"]] == ["service-3", "service-4"]
    assert report["would_delete"] == 2 and report["outcome"] == "succeeded"
    assert after["generation"] == before["generation"] == report["generation"] == 1
    assert again == history  # no run recorded
    assert len(entities["items"]) == 5 and {e["properties"]["revision"]
                                            for e in entities["items"]} == {0}
    responses = schema["paths"]["/api/integrations/{integration_id}/resync"]["post"]["responses"]
    assert {"200", "202"} <= set(responses)
