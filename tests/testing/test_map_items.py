"""``map_items``: raw items applied as a live change through an integration's mapping."""

from __future__ import annotations

import pytest

from ocean_core.testing import map_items
from tests.testing.shop import Shop, product

pytestmark = pytest.mark.anyio


async def test_items_map_through_the_default_mapping_sorted_by_key() -> None:
    entities = await map_items(Shop(), "product", [product(2), product(1)])
    assert [(e.identifier, e.title, e.properties) for e in entities] == [
        ("p1", "Product 1", {"price": 10}), ("p2", "Product 2", {"price": 20})]


async def test_another_mapping_and_its_selector_apply() -> None:
    mapping = {"resources": [{
        "kind": "product", "selector": {"query": ".price > 10"},
        "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"item"'}}}}]}
    entities = await map_items(Shop(), "product", [product(1), product(2)], mapping=mapping)
    assert [(e.blueprint, e.identifier) for e in entities] == [("item", "p2")]


async def test_an_item_the_mapping_cannot_map_fails_with_its_error() -> None:
    with pytest.raises(AssertionError, match=r"mapping .product. items failed: .*identifier"):
        await map_items(Shop(), "product", [{"name": "no id"}])
