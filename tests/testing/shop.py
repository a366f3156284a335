"""A tiny HTTP-backed integration the test kit's tests run on, with its recorded payloads."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast

import httpx

from ocean_core import Integration, kind
from ocean_core.http import create_client, paginate_link
from ocean_core.testing import RecordedTransport, pages, recorded_transport

MAPPING: dict[str, Any] = {
    "resources": [
        {
            "kind": kind_name,
            "selector": {"query": "true"},
            "port": {
                "entity": {
                    "mappings": {
                        "identifier": ".id",
                        "title": ".name",
                        "blueprint": f'"{kind_name}"',
                        "properties": {"price": ".price"},
                    }
                }
            },
        }
        for kind_name in ("product", "order")
    ]
}


def product(number: int) -> dict[str, Any]:
    return {"id": f"p{number}", "name": f"Product {number}", "price": number * 10}


def shop_routes() -> dict[str, Any]:
    return {
        "/products": pages([product(1), product(2)], [product(3), product(4)], [product(5)]),
        "/orders": [{"id": "o1", "name": "Order 1", "price": 30}],
    }


class Shop(Integration):
    type = "shop-test"
    default_mapping = MAPPING

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__()
        self.transport = transport

    def client(self) -> httpx.AsyncClient:
        return create_client("https://shop.example.com", transport=self.transport)

    async def _list(self, path: str) -> AsyncGenerator[list[Any], None]:
        # aclosing: a fetcher cut short (a failure, a cancel) closes its listing at once.
        async with self.client() as client, aclosing(
            cast(AsyncGenerator[list[Any], None], paginate_link(client, path, {"per_page": 2}))
        ) as listing:
            async for page in listing:
                yield page

    @kind("product")
    async def products(self) -> AsyncIterator[list[Any]]:
        async with aclosing(self._list("/products")) as listing:
            async for page in listing:
                yield page

    @kind("order")
    async def orders(self) -> AsyncIterator[list[Any]]:
        async with aclosing(self._list("/orders")) as listing:
            async for page in listing:
                yield page


def shop(routes: dict[str, Any] | None = None) -> tuple[Shop, RecordedTransport]:
    transport = recorded_transport(routes if routes is not None else shop_routes())
    return Shop(transport=transport), transport
