"""A complete integration, resynced three times: create, update, delete.

Run it:  .venv/bin/python examples/shop.py
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

from ocean_core import Integration, Ocean, kind
from ocean_core.catalog import SQLiteCatalog

PRODUCTS = [
    {"id": 1, "name": "Lamp", "price": 30, "category": {"slug": "lighting"}},
    {"id": 2, "name": "Desk", "price": 250, "category": {"slug": "furniture"}},
    {"id": 3, "name": "Chair", "price": 90, "category": {"slug": "furniture"}},
]


class Shop(Integration):
    type = "shop"

    @kind("product")
    async def products(self) -> AsyncIterator[list[dict[str, Any]]]:
        # A real fetcher would page through an API; each yield is one batch.
        yield [dict(p) for p in PRODUCTS]


MAPPING = {
    "resources": [
        {
            "kind": "product",
            "selector": {"query": ".price > 0"},
            "port": {
                "entity": {
                    "mappings": {
                        "identifier": ".id | tostring",
                        "title": ".name",
                        "blueprint": '"product"',
                        "properties": {"price": ".price", "category": ".category.slug"},
                        "relations": {"category": ".category.slug"},
                    }
                }
            },
        }
    ]
}


async def main() -> None:
    catalog = SQLiteCatalog(":memory:")
    ocean = Ocean(Shop(), catalog=catalog, mapping=MAPPING, integration_id="shop-1")

    first = await ocean.resync()
    print(f"1. {first.status.value}: upserted {first.kinds['product'].upserted}")

    PRODUCTS[0]["price"] = 35
    second = await ocean.resync()
    product = second.kinds["product"]
    print(f"2. {second.status.value}: upserted {product.upserted}, unchanged {product.unchanged}")

    del PRODUCTS[2]
    third = await ocean.resync()
    print(f"3. {third.status.value}: deleted {third.deleted}")

    for entity in await catalog.list_entities(integration_id="shop-1"):
        print(f"   {entity.identifier} {entity.title} {entity.properties}")
    await catalog.close()


if __name__ == "__main__":
    anyio.run(main)
