"""A catalog that refuses writes (a read-only SQLite file, a full disk; simulated by a catalog
whose writes raise ``CatalogError``): a trigger or a PATCH answers 503 with the reason
(``Retry-After`` only when the error is transient), nothing is started, and the integration's
state names the failure until a write succeeds again. A run whose own records are refused ends
``failed`` in its handle and in the state, with the reason.

Before the fix a trigger answered 202 with a handle that then 404ed (or stayed ``running``),
the state said ``idle`` with the previous run, and a PATCH answered 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ocean_core.api import create_app
from ocean_core.catalog import Catalog
from ocean_core.config import load_config
from ocean_core.errors import CatalogError, TransientCatalogError
from ocean_core.service import OceanService
from tests.reliability._catalogs import Unwritable
from tests.service.support import GATES, TOKEN, Gate, gated, write_config

pytestmark = pytest.mark.anyio
READ_ONLY = "attempt to write a readonly database"


@asynccontextmanager
async def _served(tmp_path: Path, catalog: Catalog, **config: Any
                  ) -> AsyncIterator[tuple[httpx.AsyncClient, Any, OceanService]]:
    loaded = load_config(write_config(tmp_path, gated("f", items=4, **config)))
    store: Any = Unwritable(catalog)
    async with OceanService(loaded, catalog=store) as service:
        transport = httpx.ASGITransport(app=create_app(loaded, service=service))
        async with httpx.AsyncClient(transport=transport, base_url="http://ocean",
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            yield client, store, service


async def _idle(service: OceanService) -> None:
    with anyio.fail_after(20):
        await service.get("f").ocean.wait_idle()


async def test_a_trigger_the_catalog_cannot_record_is_503_and_shown(
    tmp_path: Path, catalog: Catalog
) -> None:
    async with _served(tmp_path, catalog) as (client, store, service):
        await _idle(service)
        before = (await client.get("/api/integrations/f")).json()
        store.refusing = CatalogError(READ_ONLY)
        refused = await client.post("/api/integrations/f/resync")
        patched = await client.patch("/api/integrations/f", json={"name": "New"})
        empty = await client.patch("/api/integrations/f", json={})
        state = (await client.get("/api/integrations/f")).json()
        store.refusing = TransientCatalogError("database is locked")
        busy = await client.post("/api/integrations/f/resync")
        store.refusing = None
        healed = await client.post("/api/integrations/f/resync")
        assert healed.status_code == 202, healed.text
        await _idle(service)
        after = (await client.get("/api/integrations/f")).json()

    for answer in (refused, patched, empty):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "unavailable"
        assert READ_ONLY in answer.json()["detail"]
        assert "retry-after" not in answer.headers
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert READ_ONLY in state["catalog_error"]
    assert (state["status"], state["generation"], state["name"]) == (
        "idle", before["generation"], before["name"])  # nothing started, nothing changed
    assert after["catalog_error"] is None
    assert after["last_run"]["id"] == healed.json()["run_id"]
    assert after["last_run"]["status"] == "succeeded"


async def test_a_run_whose_records_are_refused_ends_failed_in_its_handle(
    tmp_path: Path, catalog: Catalog
) -> None:
    GATES["g"] = gate = Gate()
    try:
        async with _served(tmp_path, catalog, gate="g") as (client, store, service):
            with anyio.fail_after(20):
                await gate.reached.wait()  # the start run is recorded `running`, mid-fetch
            run_id = service.get("f").ocean.current_run.id  # type: ignore[union-attr]
            store.refusing = CatalogError(READ_ONLY)
            gate.release.set()
            await _idle(service)
            handle = (await client.get(f"/api/integrations/f/resyncs/{run_id}")).json()
            state = (await client.get("/api/integrations/f")).json()
    finally:
        GATES.clear()
    assert handle["status"] == "failed", handle
    assert READ_ONLY in handle["run"]["error"]
    assert state["status"] == "idle"
    assert state["last_run"]["id"] == run_id and state["last_run"]["status"] == "failed"
