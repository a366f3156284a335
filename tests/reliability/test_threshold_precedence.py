"""The deletion threshold is decided in one place (``ocean_core._threshold``), in the order
docs/resync-rules.md gives: ``Ocean(deletion_threshold=)``, the mapping's
``entityDeletionThreshold``, the config's ``deletion_threshold``, the type's default; at
construction and again whenever the runtime is reconfigured (a PATCH takes effect at once).

Before the fix, the config's value was passed as ``Ocean``'s explicit argument, so it beat the
mapping's, and a PATCHed ``entityDeletionThreshold`` was ignored until a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ocean_core.api import create_app
from ocean_core.assembly import build_ocean
from ocean_core.catalog import Catalog, MemoryCatalog
from ocean_core.config import load_config
from ocean_core.service import OceanService
from tests.service.support import TOKEN, write_config

THRESHOLD_KEY = "entityDeletionThreshold"


def _mapping(threshold: float | None = None) -> dict[str, Any]:
    mapping: dict[str, Any] = {"resources": [{
        "kind": "service", "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": ".id", "title": ".name", "blueprint": '"service"', "properties": {},
        }}},
    }]}
    if threshold is not None:
        mapping[THRESHOLD_KEY] = threshold
    return mapping


@pytest.mark.parametrize(
    ("configured", "in_mapping", "expected"),
    [(0.8, 0.2, 0.2), (0.8, None, 0.8), (None, 0.3, 0.3), (None, None, 0.9)],
    ids=["mapping-beats-config", "config", "mapping", "type-default"],
)
def test_the_mapping_beats_the_config_which_beats_the_type(
    tmp_path: Path, configured: float | None, in_mapping: float | None, expected: float
) -> None:
    item: dict[str, Any] = {"id": "f", "type": "fake", "mapping": _mapping(in_mapping)}
    if configured is not None:
        item["deletion_threshold"] = configured
    ocean = build_ocean(load_config(write_config(tmp_path, item)), 0, MemoryCatalog())
    assert ocean.deletion_threshold == expected



@pytest.mark.anyio
async def test_a_patched_threshold_guards_the_next_run(tmp_path: Path, catalog: Catalog) -> None:
    config = load_config(write_config(tmp_path, {
        "id": "f", "type": "fake", "config": {"kinds": {"service": 10}, "latency": 0},
        "mapping": _mapping(), "deletion_threshold": 0.9,
    }))
    async with OceanService(config, catalog=catalog) as service:
        ocean = service.get("f").ocean
        with anyio.fail_after(20):
            await ocean.wait_idle()
        transport = httpx.ASGITransport(app=create_app(config, service=service))
        async with httpx.AsyncClient(transport=transport, base_url="http://ocean",
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            # 6 of 10 entities would go: more than the PATCHed 30%, less than the config's 90%.
            response = await client.patch("/api/integrations/f", json={
                "mapping": _mapping(0.3), "config": {"kinds": {"service": 4}},
            })
            assert response.status_code == 202, response.text
            with anyio.fail_after(20):
                record = await ocean.wait_idle()
    assert ocean.deletion_threshold == 0.3
    assert record is not None and record.deleted == 0, record
    assert record.status.value == "failed"
    assert (record.delete_skipped_reason or "").startswith(
        "deletion threshold: 6 of 10 entities (60%) would be deleted"), record
    assert len(await catalog.list_entities("f")) == 10
