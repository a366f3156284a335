"""Knowledge bases through the API: create, list, delete (which deletes no entity and no
integration), attach and detach, their entities, and resyncs scoped to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import Served, serving
from tests.service.support import gated, write_config

pytestmark = pytest.mark.anyio


def _config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path, gated("a", items=3), gated("b", items=2, prefix="thing"),
        gated("c", items=1, prefix="other"),
    )


async def _ready(served: Served) -> None:
    for integration_id in ("a", "b", "c"):
        await served.idle(integration_id)


async def _new(served: Served, name: str = "Team docs", **more: Any) -> dict[str, Any]:
    response = await served.client.post("/api/knowledge-bases", json={"name": name, **more})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _attach(served: Served, path: str, integration_id: str) -> None:
    response = await served.client.post(
        f"{path}/integrations", json={"integration_id": integration_id}
    )
    assert response.status_code == 201, response.text


async def test_create_get_list_and_choose_an_id(tmp_path: Path) -> None:
    async with serving(_config(tmp_path)) as served:
        first = await _new(served)
        second = await _new(served, "Ops", id="ops")
        again = await served.client.post("/api/knowledge-bases", json={"name": "X", "id": "ops"})
        listed = (await served.client.get("/api/knowledge-bases")).json()
        got = (await served.client.get("/api/knowledge-bases/ops")).json()
        missing = await served.client.get("/api/knowledge-bases/nope")
        bad = await served.client.post("/api/knowledge-bases", json={"name": ""})
    assert first["name"] == "Team docs" and first["integration_ids"] == []
    assert len(first["id"]) == 32 and second["id"] == "ops"
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    assert [kb["id"] for kb in listed] == [first["id"], "ops"]
    assert got == second
    assert missing.status_code == 404 and missing.json()["what"] == "knowledge base"
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "name"


async def test_attach_is_idempotent_and_needs_a_configured_integration(tmp_path: Path) -> None:
    async with serving(_config(tmp_path)) as served:
        kb = await _new(served)
        path = f"/api/knowledge-bases/{kb['id']}/integrations"
        first = await served.client.post(path, json={"integration_id": "a"})
        twice = await served.client.post(path, json={"integration_id": "a"})
        await served.client.post(path, json={"integration_id": "b"})
        unknown = await served.client.post(path, json={"integration_id": "zz"})
        no_kb = await served.client.post("/api/knowledge-bases/x/integrations",
                                         json={"integration_id": "a"})
        listed = (await served.client.get(path)).json()
        kb_after = (await served.client.get(f"/api/knowledge-bases/{kb['id']}")).json()
    assert first.status_code == 201 and twice.status_code == 200
    assert twice.json()["attached_at"] == first.json()["attached_at"]
    assert first.json()["integration"]["id"] == "a"
    assert unknown.status_code == 404 and unknown.json()["known"] == ["a", "b", "c"]
    assert no_kb.status_code == 404 and no_kb.json()["what"] == "knowledge base"
    assert [item["integration_id"] for item in listed] == ["a", "b"]
    assert listed[0]["integration"]["status"] in ("idle", "running", "pending")
    assert kb_after["integration_ids"] == ["a", "b"]


async def test_detach_and_delete_delete_no_entity_and_no_integration(tmp_path: Path) -> None:
    async with serving(_config(tmp_path)) as served:
        await _ready(served)
        kb = await _new(served)
        path = f"/api/knowledge-bases/{kb['id']}"
        for integration_id in ("a", "b"):
            await _attach(served, path, integration_id)
        before = (await served.client.get("/api/entities")).json()["items"]
        detached = await served.client.delete(f"{path}/integrations/b")
        not_attached = await served.client.delete(f"{path}/integrations/b")
        deleted = await served.client.delete(path)
        gone = await served.client.get(path)
        after = (await served.client.get("/api/entities")).json()["items"]
        integrations = [i["id"] for i in (await served.client.get("/api/integrations")).json()]
    assert detached.status_code == 204
    assert not_attached.status_code == 404
    assert not_attached.json()["known"] == ["a"]
    assert not_attached.json()["knowledge_base"] == kb["id"]
    assert deleted.status_code == 204 and gone.status_code == 404
    assert after == before and len(after) == 6
    assert integrations == ["a", "b", "c"]


async def test_the_entities_of_a_knowledge_base_are_those_of_its_integrations(
    tmp_path: Path,
) -> None:
    async with serving(_config(tmp_path)) as served:
        await _ready(served)
        kb = await _new(served)
        path = f"/api/knowledge-bases/{kb['id']}"
        empty = (await served.client.get(f"{path}/entities")).json()
        for integration_id in ("a", "c"):
            await _attach(served, path, integration_id)
        pages, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = (await served.client.get(f"{path}/entities", params=params)).json()
            pages.append([(e["integration_id"], e["identifier"]) for e in body["items"]])
            if (cursor := body["next_cursor"]) is None:
                break
        searched = (await served.client.get(f"{path}/entities", params={"q": "OTHER"})).json()
        outside = await served.client.get(f"{path}/entities", params={"integration": "b"})
    assert empty == {"items": [], "next_cursor": None}
    assert pages == [[("a", "item-0"), ("a", "item-1")], [("a", "item-2"), ("c", "other-0")]]
    assert [e["identifier"] for e in searched["items"]] == ["other-0"]
    assert outside.status_code == 404 and outside.json()["known"] == ["a", "c"]


async def test_a_scoped_resync_runs_an_attached_integration_only(tmp_path: Path) -> None:
    async with serving(_config(tmp_path)) as served:
        await _ready(served)
        kb = await _new(served, id="docs")
        await served.client.post("/api/knowledge-bases/docs/integrations",
                                 json={"integration_id": "a"})
        response = await served.client.post("/api/knowledge-bases/docs/integrations/a/resync")
        ended = await served.ended(response.json())
        refused = await served.client.post("/api/knowledge-bases/docs/integrations/b/resync")
        generation_b = served.service.get("b").ocean.generation
    assert kb["id"] == "docs"
    assert response.status_code == 202 and ended["status"] == "succeeded"
    assert ended["run"]["trigger"] == "kb" and ended["generation"] == 2
    assert refused.status_code == 404
    assert refused.json() == {
        "detail": "integration 'b' is not attached to knowledge base 'docs' (attached: a)",
        "error": "not_found", "what": "integration", "key": "b", "known": ["a"],
        "knowledge_base": "docs",
    }
    assert generation_b == 1  # nothing was triggered
