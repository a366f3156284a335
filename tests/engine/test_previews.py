"""The item an error is about is kept as JSON (what the fetcher yielded), never a Python repr."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ocean_core import Entity, Ocean, ResyncStatus
from ocean_core.catalog import Catalog
from ocean_core.engine._prepare import preview
from tests.support import Source, mapping_for

pytestmark = pytest.mark.anyio


async def test_an_item_error_keeps_the_item_as_json(catalog: Catalog) -> None:
    bad = {"id": None, "name": "Café \"x\"", "tags": [True, None], "n": 1.5}
    ocean = Ocean(Source({"svc": [bad]}), catalog=catalog, mapping=mapping_for("svc"),
                  integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.FAILED
    [detail] = result.kinds["svc"].error_details
    assert json.loads(detail.item or "") == bad  # JSON: null, true, double quotes


def test_a_value_json_cannot_hold_is_its_text_and_a_long_item_is_cut() -> None:
    assert json.loads(preview({"price": Decimal("1.50"), 7: b"raw"})) == {
        "price": "1.50", "7": "b'raw'"}
    entity = json.loads(preview(Entity(identifier="a", blueprint="b", properties={"x": 1})))
    assert (entity["identifier"], entity["properties"]) == ("a", {"x": 1})
    long = preview({"text": "y" * 1000})
    assert long.startswith('{"text":"yyy') and long.endswith("...") and len(long) == 303


def test_an_item_too_deep_for_json_still_has_a_bounded_preview() -> None:
    deep: list[object] = []
    for _ in range(10_000):
        deep = [deep]

    assert len(preview(deep)) < 100
