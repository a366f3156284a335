"""Two PATCHes of one integration at once (one changes ``config``, the other ``name``): both
are answered 202, both are stored, and after a restart the first clean run deletes nothing.

Before the fix each change was built from the settings read before the other was stored, so
the last store won: the config change was lost, and after a restart the run of the file's
config deleted 40 of the 50 entities. The first write of the change is held until the other
PATCH has got as far as it can (``HeldState``), so the interleaving is the same every time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ocean_core.api import create_app
from ocean_core.catalog import Catalog
from ocean_core.config import load_config
from ocean_core.service import OceanService
from ocean_core.service._overrides import STATE_KEY
from tests.reliability._catalogs import HeldState
from tests.service.support import TOKEN, write_config

pytestmark = pytest.mark.anyio
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


async def _settled(service: OceanService) -> None:
    ocean = service.get("f").ocean
    with anyio.fail_after(20):
        await ocean.wait_idle()


async def test_concurrent_patches_all_survive_a_restart(tmp_path: Path, catalog: Catalog) -> None:
    config = load_config(write_config(tmp_path, {
        "id": "f", "type": "fake", "config": {"kinds": {"service": 10}, "latency": 0},
    }))
    held: Any = HeldState(catalog, STATE_KEY)
    answers: dict[str, httpx.Response] = {}
    async with OceanService(config, catalog=held) as service:
        await _settled(service)
        transport = httpx.ASGITransport(app=create_app(config, service=service))
        async with httpx.AsyncClient(transport=transport, base_url="http://ocean",
                                     headers=HEADERS) as client:

            async def patch(name: str, body: dict[str, Any]) -> None:
                answers[name] = await client.patch("/api/integrations/f", json=body)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(patch, "config", {"config": {"kinds": {"service": 50}}})
                await held.storing.wait()
                tasks.start_soon(patch, "name", {"name": "Fifty"})
                held.go_on.set()
        await _settled(service)

    assert [answers[n].status_code for n in ("config", "name")] == [202, 202], answers
    async with OceanService(config, catalog=catalog) as service:  # a restart
        runner = service.get("f")
        assert runner.settings.config["kinds"] == {"service": 50}
        assert runner.settings.name == "Fifty"
        record = await runner.ocean.resync()
    assert record.status.value == "succeeded", record
    assert record.deleted == 0
    assert len(await catalog.list_entities("f")) == 50
