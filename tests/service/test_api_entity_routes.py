"""``GET /api/entities/{integration}/{blueprint}/{identifier}`` (relations resolved) and
``GET /api/blueprints``: what the dashboard's entity browser reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.service.conftest import serving
from tests.service.support import gated, write_config

pytestmark = pytest.mark.anyio

# Services point at team-{i % 10}; with four teams, team-4..team-9 exist nowhere.
SHOP = {"id": "shop", "type": "fake", "config": {"kinds": {"service": 12, "team": 4}}}


async def test_an_entity_with_its_relations_resolved(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, SHOP, gated("g", items=2))) as served:
        for integration_id in ("shop", "g"):
            await served.idle(integration_id)
        found = await served.client.get("/api/entities/shop/service/service-1")
        dangling = await served.client.get("/api/entities/shop/service/service-7")
        missing = await served.client.get("/api/entities/shop/service/service-99")
        other = await served.client.get("/api/entities/g/item/item-1")
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["integration_id"], body["kind"], body["blueprint"], body["identifier"]) == (
        "shop", "service", "service", "service-1")
    assert body["title"] == "Service 1" and body["properties"]["index"] == 1
    assert body["relations"] == {"team": "team-1"}
    assert body["links"] == [{
        "name": "team", "many": False, "query": None, "unchecked": 0,
        "targets": [{"identifier": "team-1", "entity": {
            "integration_id": "shop", "blueprint": "team", "identifier": "team-1",
            "title": "Team 1"}}],
    }]
    assert dangling.json()["links"][0]["targets"] == [{"identifier": "team-7", "entity": None}]
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no entity 'shop/service/service-99'"
    assert other.json()["links"] == []


async def test_an_identifier_with_slashes_is_one_path_segment_or_more(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, gated("g", items=2, prefix="a/b"))) as served:
        await served.idle("g")
        encoded = await served.client.get("/api/entities/g/item/a%2Fb-0")
        plain = await served.client.get("/api/entities/g/item/a/b-1")
    assert encoded.json()["identifier"] == "a/b-0"
    assert plain.json()["identifier"] == "a/b-1"


async def test_blueprints_per_integration(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, SHOP, gated("g", items=2))) as served:
        for integration_id in ("shop", "g"):
            await served.idle(integration_id)
        everything = (await served.client.get("/api/blueprints")).json()
        one = (await served.client.get("/api/blueprints", params={"integration": "g"})).json()
        unknown = (await served.client.get("/api/blueprints", params={"integration": "x"}))
    assert everything == [
        {"integration_id": "shop", "blueprint": "service"},
        {"integration_id": "shop", "blueprint": "team"},
        {"integration_id": "g", "blueprint": "item"},
    ]
    assert one == [{"integration_id": "g", "blueprint": "item"}]
    assert unknown.json() == []


async def test_the_routes_need_the_token(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, SHOP), token=None) as served:
        entity = await served.client.get("/api/entities/shop/service/service-1")
        blueprints = await served.client.get("/api/blueprints")
    assert entity.status_code == blueprints.status_code == 401


async def test_a_config_path_changed_through_the_api_is_relative_to_the_config_file(
    tmp_path: Path,
) -> None:
    folder = {"id": "f", "type": "tests.config.test_config_paths:Folder",
              "config": {"folder": "data"}, "resync_on_start": False}
    (tmp_path / "conf").mkdir()
    path = write_config(tmp_path / "conf", folder)
    async with serving(path) as served:
        before = (await served.client.get("/api/integrations/f")).json()["config"]
        patched = await served.client.patch("/api/integrations/f",
                                            json={"config": {"folder": "other"}})
        await served.ended(patched.json())
        after = (await served.client.get("/api/integrations/f")).json()["config"]
    assert before["folder"] == str(tmp_path / "conf" / "data")
    assert after["folder"] == str(tmp_path / "conf" / "other")
