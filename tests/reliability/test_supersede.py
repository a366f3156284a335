"""A trigger that lands just as a blocked fetcher is released must still abort the run in
flight (rules 2 and 4): found by the model-based test (``test_model.py``)."""

from __future__ import annotations

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import MemoryCatalog
from tests.reliability._support import expected, snapshot
from tests.reliability.test_model import ModelSource
from tests.support import mapping_for

pytestmark = pytest.mark.anyio


async def test_a_trigger_as_a_blocked_fetcher_is_released_aborts_the_run() -> None:
    catalog = MemoryCatalog()
    source = ModelSource()
    source.data = {"a": [{"id": "a1", "name": "a 1", "value": 0},
                         {"id": "a2", "name": "a 2", "value": 0}], "b": []}
    async with Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"),
                     integration_id="m") as ocean:
        ocean.trigger()
        await ocean.wait_idle()
        del source.data["a"][1]  # a2 is stale
        source.hold["a"] = 0
        blocked = ocean.trigger()
        await source.blocked.wait()
        source.release.set()  # the fetcher's I/O completes...
        newer = ocean.trigger()  # ...and in the same tick a newer trigger comes
        await ocean.wait_idle()
        runs = {r.generation: r for r in await ocean.runs()}

    assert newer == blocked + 1
    superseded = runs[blocked]
    assert superseded.status is ResyncStatus.ABORTED, (superseded.status, superseded.deleted)
    assert superseded.deleted == 0
    assert runs[newer].status is ResyncStatus.SUCCEEDED and runs[newer].deleted == 1
    assert await snapshot(catalog, "m") == expected(source.data)
