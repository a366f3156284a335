from __future__ import annotations

import pytest

from ocean_core import Entity, ResyncStatus
from ocean_core.testing import MemoryCatalog, run_resync
from tests.testing.shop import shop


@pytest.mark.anyio
async def test_run_resync_returns_result_and_entities() -> None:
    integration, transport = shop()
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.SUCCEEDED
    assert sorted(e.identifier for e in outcome.entities) == ["o1", "p1", "p2", "p3", "p4", "p5"]
    assert outcome.result.kinds["product"].fetched == 5
    assert len(transport.requests) == 4  # three product pages, one order page


@pytest.mark.anyio
async def test_previous_entities_are_deleted_when_gone() -> None:
    catalog = MemoryCatalog()
    old = Entity(identifier="p9", blueprint="product", kind="product")
    integration, _ = shop()
    outcome = await run_resync(integration, catalog=catalog, previous=[old])
    assert "p9" not in {e.identifier for e in outcome.entities}
    assert outcome.result.deleted == 1
