"""A live change maps as a resync page does, with the same bounds: an expression only jq
evaluates runs in a jq worker, killed past ``mapping_timeout``, so a webhook whose mapping
never ends is an item error and cannot stop the process (issue 19 meets rule 8)."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_core import LiveChange, Ocean
from ocean_core.catalog import MemoryCatalog
from tests.live._source import IID, LiveSource, contents, mapping, svc
from tests.support import loop_gaps

pytestmark = [pytest.mark.anyio, pytest.mark.serial]  # timing bounds: run alone

SLOW = "last(range(3e7))"
"""Some 13 s an item, finite: without the worker the test fails on its assertions, not by
hanging (jq holds the GIL, even from pytest-timeout's thread)."""


def _bounded_mapping() -> dict[str, Any]:
    spec = mapping()
    fields = spec["resources"][0]["port"]["entity"]["mappings"]
    fields["properties"]["slow"] = f"if .slow then {SLOW} else null end"
    return spec


async def test_a_live_upsert_past_mapping_timeout_is_an_item_error_and_the_loop_runs() -> None:
    catalog = MemoryCatalog()
    ocean = Ocean(LiveSource(svc("a")), catalog=catalog, mapping=_bounded_mapping(),
                  integration_id=IID, mapping_timeout=0.5)
    await ocean.resync()
    async with loop_gaps() as gaps:
        report = await ocean.apply(LiveChange("svc", upserted=[svc("a", 5, slow=True)]))

    change = report.changes[0]
    assert (change.errors, change.upserted) == (1, 0)
    assert "timed out after 0.5 s" in change.error_details[0].message
    assert await contents(catalog) == {"a": 0}  # the entity as the run left it
    assert gaps and max(gaps) < 0.4, max(gaps)

    quick = await ocean.apply(LiveChange("svc", upserted=[svc("a", 6)]))
    assert (quick.changes[0].upserted, await contents(catalog)) == (1, {"a": 6})
