from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from integrations.fake import FakeIntegration
from integrations.packages import PackagesIntegration
from ocean_core import kind
from ocean_core.testing import assert_conforms, check_conformance, recorded_transport
from tests.testing.shop import Shop, product, shop, shop_routes


def failed(report: Any) -> set[str]:
    return {check.name for check in report.failures}


@pytest.mark.anyio
async def test_http_integration_conforms() -> None:
    report = await assert_conforms(lambda: shop()[0])
    names = {check.name for check in report.checks}
    assert names == {"fetch:product", "fetch:order", "mapping", "pagination",
                     "failure:product", "failure:order"}


@pytest.mark.anyio
async def test_mapping_error_on_an_item_fails_the_mapping_check() -> None:
    routes = shop_routes()
    routes["/orders"] = [{"name": "no id"}]
    report = await check_conformance(lambda: shop(routes)[0])
    assert "mapping" in failed(report)
    assert "fetch:order" not in failed(report)


@pytest.mark.anyio
async def test_empty_kind_fails_its_fetch_check() -> None:
    routes = shop_routes()
    routes["/orders"] = []
    report = await check_conformance(lambda: shop(routes)[0])
    assert failed(report) == {"fetch:order"}
    with pytest.raises(AssertionError, match="fetch:order: the fetcher yielded no items"):
        await assert_conforms(lambda: shop(routes)[0])


class Endless(Shop):
    @kind("order")
    async def orders(self) -> AsyncIterator[list[Any]]:
        while True:
            await anyio.sleep(0.01)
            yield [{"id": "o1", "name": "Order 1", "price": 1}]


@pytest.mark.anyio
async def test_a_kind_that_never_ends_fails_pagination() -> None:
    def make() -> Endless:
        return Endless(transport=recorded_transport({"/products": [product(1)]}))

    report = await check_conformance(make, time_limit=0.3)
    assert "pagination" in failed(report)
    message = next(c.message for c in report.checks if c.name == "pagination")
    assert "'order'" in message


@pytest.mark.anyio
async def test_bundled_fake_integration_conforms() -> None:
    await assert_conforms(lambda: FakeIntegration({"kinds": {"service": 5}}))


@pytest.mark.anyio
async def test_bundled_fake_with_several_batches_conforms() -> None:
    await assert_conforms(
        lambda: FakeIntegration({"kinds": {"service": 7, "team": 3}, "batch_size": 2})
    )


@pytest.mark.anyio
async def test_bundled_packages_integration_conforms() -> None:
    await assert_conforms(PackagesIntegration)
