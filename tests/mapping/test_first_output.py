"""Every mapped field takes its expression's first output and evaluates no further: a later
output that would fail is never evaluated. (``repeat(1)`` and ``range(1e9)``, which aborted the
process when every output was collected, run in a real ``ocean sail``: tests/reliability/
test_jq_bomb.py.)"""

from __future__ import annotations

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import MemoryCatalog
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio


def _with_property(expression: str, selector: str = "true") -> dict[str, object]:
    mapping = mapping_for("svc", selector=selector)
    mapping["resources"][0]["port"]["entity"]["mappings"]["properties"]["extra"] = expression
    return mapping


@pytest.mark.parametrize(("expression", "first"), [
    pytest.param('1, error("a second output is never evaluated")', 1, id="error-after-first"),
    pytest.param("limit(3; repeat(.value))", 0, id="limit"),
    pytest.param("empty", None, id="no-output"),
])
async def test_a_field_takes_the_first_output_only(expression: str, first: object) -> None:
    catalog = MemoryCatalog()
    data = {"svc": [dict(i, value=0) for i in items("s", 3)]}
    ocean = Ocean(Source(data), catalog=catalog, mapping=_with_property(expression),
                  integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert result.kinds["svc"].upserted == 3
    for entity in await catalog.list_entities("i"):
        assert entity.properties["extra"] == first


async def test_the_selector_and_items_to_parse_take_the_first_output_only() -> None:
    catalog = MemoryCatalog()
    mapping = mapping_for("svc", selector='true, error("never")')
    port = mapping["resources"][0]["port"]
    port["itemsToParse"] = '[.value], error("never")'
    port["entity"]["mappings"]["identifier"] = ".id + \"-\" + (.item | tostring)"
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping,
                  integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert result.kinds["svc"].upserted == 2
