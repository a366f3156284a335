"""PATCH /api/integrations/{id}: any body triggers; a changed config or mapping is validated,
applied and kept across restarts first; an invalid one changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import Served, serving
from tests.service.support import gated, write_config

pytestmark = pytest.mark.anyio


def _mapping(title: str) -> dict[str, Any]:
    return {"resources": [{
        "kind": "service",
        "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": ".id", "title": title, "blueprint": '"service"', "properties": {},
        }}},
    }]}


def _fake(**config: Any) -> dict[str, Any]:
    return {"id": "f", "type": "fake", "config": {"kinds": {"service": 3}, **config}}


async def _patch(served: Served, body: dict[str, Any]) -> dict[str, Any]:
    response = await served.client.patch("/api/integrations/f", json=body)
    assert response.status_code == 202, response.text
    return await served.ended(response.json())


async def _titles(served: Served) -> list[str]:
    items = (await served.client.get("/api/entities", params={"integration": "f"})).json()
    return [e["title"] for e in items["items"]]


async def test_an_empty_patch_triggers_a_resync_the_history_shows(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _fake())) as served:
        await served.idle("f")
        ended = await _patch(served, {})
        history = (await served.client.get("/api/integrations/f/resyncs")).json()["items"]
        detail = (await served.client.get("/api/integrations/f")).json()
    assert ended["status"] == "succeeded" and ended["generation"] == 2
    assert [(r["id"], r["trigger"]) for r in history] == [
        (ended["run_id"], "api"), (history[1]["id"], "start")
    ]
    assert detail["changed_through_api"] is False


async def test_a_changed_mapping_is_applied_before_the_resync(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _fake())) as served:
        await served.idle("f")
        before = await _titles(served)
        ended = await _patch(served, {"mapping": _mapping('"Svc " + .id')})
        after = await _titles(served)
        detail = (await served.client.get("/api/integrations/f")).json()
    assert before == ["Service 0", "Service 1", "Service 2"]
    assert ended["run"]["trigger"] == "config"
    assert ended["run"]["kinds"]["service"]["upserted"] == 3
    assert after == ["Svc service-0", "Svc service-1", "Svc service-2"]
    assert detail["mapping"] == _mapping('"Svc " + .id') and detail["changed_through_api"]


async def test_a_change_is_kept_across_restarts(tmp_path: Path) -> None:
    config = write_config(tmp_path, _fake())
    async with serving(config) as served:
        await served.idle("f")
        await _patch(served, {"config": {"kinds": {"service": 2}}, "name": "Two"})
    async with serving(config) as served:
        await served.idle("f")
        detail = (await served.client.get("/api/integrations/f")).json()
        titles = await _titles(served)
    assert detail["config"]["kinds"] == {"service": 2} and detail["name"] == "Two"
    assert titles == ["Service 0", "Service 1"]


async def test_the_file_wins_over_an_older_api_change(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _fake())) as served:
        await served.idle("f")
        await _patch(served, {"config": {"kinds": {"service": 2}}})
    edited = write_config(tmp_path, _fake(kinds={"service": 4}))  # the operator edits the file
    async with serving(edited) as served:
        await served.idle("f")
        detail = (await served.client.get("/api/integrations/f")).json()
    assert detail["config"]["kinds"] == {"service": 4}
    assert detail["changed_through_api"] is False


async def test_an_invalid_mapping_is_422_and_changes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, _fake())
    async with serving(config) as served:
        await served.idle("f")
        before = (await served.client.get("/api/integrations/f")).json()
        bad = _mapping(".name | nosuchfunction")
        bad["resources"][0]["kind"] = "nope"
        response = await served.client.patch("/api/integrations/f", json={"mapping": bad})
        after = (await served.client.get("/api/integrations/f")).json()
        history = (await served.client.get("/api/integrations/f/resyncs")).json()["items"]
    assert response.status_code == 422
    fields = [problem["field"] for problem in response.json()["detail"]]
    assert fields == [
        "mapping.resources[0].kind", "mapping.resources[0].port.entity.mappings.title"
    ]
    assert "nope" in response.json()["detail"][0]["msg"]
    assert after == before  # same generation, mapping, config, last run
    assert len(history) == 1
    async with serving(config) as served:  # nothing was stored either
        detail = (await served.client.get("/api/integrations/f")).json()
    assert detail["mapping"] is None and detail["changed_through_api"] is False


async def test_an_invalid_config_is_422_naming_the_field(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, gated("f", items=2))) as served:
        await served.idle("f")
        response = await served.client.patch(
            "/api/integrations/f", json={"config": {"items": "many", "colour": 1}}
        )
        generation = served.service.get("f").ocean.generation
    problems = response.json()["detail"]
    assert response.status_code == 422
    assert [p["field"] for p in problems] == ["config.items", "config.colour"]
    assert '"many"' in problems[0]["msg"]
    assert generation == 1


async def test_unknown_patch_keys_are_422(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, gated("f", items=2))) as served:
        response = await served.client.patch("/api/integrations/f", json={"type": "other"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "type"


async def test_a_selector_key_the_integration_does_not_take_is_422(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _fake())) as served:
        await served.idle("f")
        mapping = _mapping(".name")
        mapping["resources"][0]["selector"]["jql"] = "project = X"
        response = await served.client.patch("/api/integrations/f", json={"mapping": mapping})
        detail = (await served.client.get("/api/integrations/f")).json()
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "mapping.resources[0].selector.jql"
    assert detail["mapping"] is None and detail["generation"] == 1
