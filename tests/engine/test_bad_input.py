"""Bad mappings are refused before any fetch; bad items are errors that block the delete."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_core import MappingError, Ocean, ResyncStatus
from ocean_core.catalog import Catalog
from tests.support import Source, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


def _mapping(**mappings: Any) -> dict[str, Any]:
    mapping = mapping_for("svc")
    mapping["resources"][0]["port"]["entity"]["mappings"].update(mappings)
    return mapping


@pytest.mark.parametrize(
    ("mapping", "field", "words"),
    [
        (_mapping(identifier=".id |||"), "resources[0]."
         "port.entity.mappings.identifier", "jq compile error"),
        (_mapping(properties={"url": ".links["}), "port.entity.mappings.properties.url",
         "jq compile error"),
        ({"resources": [{"kind": "svc", "port": {"entity": {"mappings": {}}}}]},
         "resources[0].port.entity.mappings.identifier", "required"),
        ({"resources": [{"kind": "svc", "colour": "red", "port": {"entity": {"mappings": {
            "identifier": ".id", "blueprint": '"x"'}}}}]}, "resources[0].colour", "unknown key"),
        (mapping_for("nope"), "resources[0].kind", "no fetcher provides kind 'nope'"),
    ],
)
async def test_invalid_mapping_is_refused_when_ocean_is_built(
    catalog: Catalog, mapping: dict[str, Any], field: str, words: str
) -> None:
    fetched: list[str] = []

    async def record(kind: str, number: int) -> None:
        fetched.append(kind)

    source = Source({"svc": items("s", 2)})
    source.on_batch = record
    with pytest.raises(MappingError) as caught:
        Ocean(source, catalog=catalog, mapping=mapping)
    assert field in str(caught.value) and words in str(caught.value)
    assert fetched == []


async def test_bad_items_are_errors_with_the_item_and_block_the_delete(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 3)})
    mapping = mapping_for("svc")
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")
    await ocean.resync()
    source.data["svc"] = [
        {"id": "s0", "name": "ok", "value": 0},
        {"id": None, "name": "null id", "value": 0},
        {"id": 7, "name": "number id", "value": 0},
        "not an object",
    ]

    result = await ocean.resync()

    stats = result.kinds["svc"]
    assert result.status is ResyncStatus.FAILED
    assert (stats.upserted + stats.unchanged, stats.errors) == (1, 3)
    messages = [d.message for d in stats.error_details]
    assert "identifier is null" in messages[0] and "null id" in (stats.error_details[0].item or "")
    assert "identifier must be a string, got int 7" in messages[1]
    assert "item must be an object, got str" in messages[2]
    assert result.deleted == 0
    assert await identifiers(catalog, "i") == ["s0", "s1", "s2"]


async def test_a_property_that_raises_names_the_field(catalog: Catalog) -> None:
    mapping = _mapping(properties={"number": ".name | tonumber"})
    ocean = Ocean(Source({"svc": items("s", 1)}), catalog=catalog, mapping=mapping)

    result = await ocean.resync()

    [detail] = result.kinds["svc"].error_details
    assert result.status is ResyncStatus.FAILED
    assert "resources[0].port.entity.mappings.properties.number: jq error" in detail.message


async def test_values_json_cannot_hold_are_item_errors(catalog: Catalog) -> None:
    data = [{"id": "a", "name": "bytes", "value": b"\x00"}, {"id": "b", "name": "ok", "value": 1}]
    source = Source({"svc": data})
    source_mapping = mapping_for("svc")

    class Raw(Source):
        async def _fetch(self, kind: str) -> Any:
            from ocean_core import Entity

            yield [Entity(identifier="a", blueprint="svc", properties={"v": b"\x00"}),
                   Entity(identifier="b", blueprint="svc", properties={"v": 1})]

    result = await Ocean(Raw(source.data), catalog=catalog, mapping=None).resync()

    assert result.kinds["svc"].errors == 1
    assert "cannot be stored as JSON" in result.kinds["svc"].error_details[0].message
    assert source_mapping  # the raw-dict path maps through jq, which rejects bytes earlier


async def test_fetcher_yielding_a_non_list_is_a_fetch_error(catalog: Catalog) -> None:
    class Wrong(Source):
        async def _fetch(self, kind: str) -> Any:
            yield {"id": "x"}

    result = await Ocean(Wrong({"svc": []}), catalog=catalog, mapping=mapping_for("svc")).resync()

    [detail] = result.kinds["svc"].error_details
    assert detail.stage.value == "fetch" and "must yield lists of items, got dict" in detail.message


async def test_a_nul_character_in_a_key_or_title_is_an_item_error_on_every_catalog(
    catalog: Catalog,
) -> None:
    data = [{"id": "a\x00b", "name": "nul id", "value": 1},
            {"id": "c", "name": "nul \x00 title", "value": 2},
            {"id": "d", "name": "fine", "value": {"text": "nul \x00 in JSON is fine"}}]
    result = await Ocean(Source({"svc": data}), catalog=catalog, mapping=mapping_for("svc"),
                         integration_id="i").resync()

    assert result.kinds["svc"].errors == 2 and result.kinds["svc"].upserted == 1
    assert "NUL character" in result.kinds["svc"].error_details[0].message
    assert await identifiers(catalog, "i") == ["d"]
