"""``/metrics`` exports each HTTP integration's requests, retries and rate-limit waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from ocean_core import Entity, kind
from ocean_core.http import HTTPIntegration, RetryPolicy, raise_for_status
from tests.service.conftest import serving
from tests.service.support import write_config
from tests.service.test_observability import _samples

pytestmark = pytest.mark.anyio


class ShopConfig(BaseModel):
    base_url: str = "https://shop.example.com"
    max_concurrency: int = 2


async def _no_wait(seconds: float) -> None:
    del seconds


class Shop(HTTPIntegration):
    """Its API refuses the first request with a 429 and a 503, then answers."""

    type = "shop-metrics"
    config_model = ShopConfig

    def __init__(self, config: Any = None) -> None:
        answers = [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(503)]

        def serve(request: httpx.Request) -> httpx.Response:
            return answers.pop(0) if answers else httpx.Response(200, json=[{"id": "lamp"}])

        super().__init__(config, transport=httpx.MockTransport(serve),
                         retry=RetryPolicy(sleep=_no_wait))

    @kind("product")
    async def products(self) -> AsyncIterator[list[Entity]]:
        async with self.client() as client:
            items = raise_for_status(await client.get("/products")).json()
        yield [Entity(identifier=item["id"], blueprint="product") for item in items]


async def test_http_requests_retries_and_rate_limit_waits_per_integration(
    tmp_path: Path,
) -> None:
    shop = {"id": "shop", "type": "tests.service.test_http_metrics:Shop"}
    config = write_config(tmp_path, shop, {"id": "f", "type": "fake"})
    async with serving(config) as served:
        await served.idle("shop")
        response = await served.client.get("/metrics")
    samples = _samples(response.text)
    shop_label = (("integration", "shop"),)
    assert samples[("ocean_http_requests_total", shop_label)] == 3
    assert samples[("ocean_http_retries_total", shop_label)] == 2
    assert samples[("ocean_http_rate_limited_total", shop_label)] == 1
    assert ("ocean_http_rate_limit_waits_total", shop_label) in samples
    assert samples[("ocean_http_requests_in_flight", shop_label)] == 0
    assert ("ocean_http_requests_total", (("integration", "f"),)) not in samples
