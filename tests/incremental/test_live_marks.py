"""Rule 8 in incremental runs and Deleted batches: a live change applied after a run started
wins over that run for every key it touched."""

from __future__ import annotations

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import Catalog, encode
from tests.incremental.support import Desk, item
from tests.support import mapping_for

pytestmark = pytest.mark.anyio


async def test_a_live_change_newer_than_an_incremental_run_wins(catalog: Catalog) -> None:
    source = Desk({"ticket": [item("t1", 10), item("t2", 20)]})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("ticket"), integration_id="i")
    await ocean.resync()
    source.data["ticket"] = [item("t1", 30, name="from the run"), item("t3", 30)]
    source.gone["ticket"] = [{"id": "t2", "updated": 40}]

    async def live_change(kind: str, number: int) -> None:
        if number == 0:  # the run has started: this change is newer than it
            rows = [encode(ident, "ticket", "live", {"value": 9}, {}) for ident in ("t1", "t2")]
            await catalog.apply_live("i", "ticket", rows, [])

    source.on_batch = live_change
    run = await ocean.resync(incremental=True)

    assert run.status is ResyncStatus.SUCCEEDED
    titles = {e.identifier: e.title for e in await catalog.list_entities("i")}
    assert titles == {"t1": "live", "t2": "live", "t3": "t3"}  # neither overwritten nor deleted
    assert run.kinds["ticket"].deleted == 0
