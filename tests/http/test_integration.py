"""``HTTPIntegration``: the client its hooks build, one limiter per instance, the retry seams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from ocean_core import kind
from ocean_core.http import (
    HTTPIntegration,
    RetryPolicy,
    TerminalHTTPError,
    paginate_link,
    raise_for_status,
)
from ocean_core.testing import pages, recorded_transport, run_resync
from tests.http.support import VirtualTime, policy

BASE = "https://api.example.com"
TOKEN = "s3cret-token-value"


class ShopConfig(BaseModel):
    base_url: str = BASE
    token: SecretStr = SecretStr(TOKEN)
    requests_per_second: float | None = 2.5


class Shop(HTTPIntegration):
    type = "shop-http"
    config_model = ShopConfig
    default_mapping: ClassVar[dict[str, Any] | None] = {"resources": [{
        "kind": "product", "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": ".id | tostring", "title": ".name", "blueprint": '"product"',
        }}},
    }]}

    config: ShopConfig

    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.config.token.get_secret_value()}

    @kind("product")
    async def products(self) -> AsyncIterator[list[Any]]:
        async with self.client() as client:
            async for page in paginate_link(client, "/products"):
                yield page


class NoConfig(HTTPIntegration):
    type = "no-config"


class Pinned(NoConfig):
    retry_policy = RetryPolicy(attempts=2)

    def base_url(self) -> str:
        return BASE


def echo(status: int = 200) -> httpx.MockTransport:
    """Answers every request with ``status`` and a body that repeats its headers and URL."""

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"url": str(request.url),
                                            "headers": dict(request.headers)})

    return httpx.MockTransport(handle)


@pytest.mark.anyio
async def test_a_resync_through_the_hooks() -> None:
    transport = recorded_transport({"/products": pages([{"id": 1, "name": "Lamp"}],
                                                       [{"id": 2, "name": "Desk"}])})
    outcome = await run_resync(Shop(transport=transport))
    assert [e.title for e in outcome.entities] == ["Lamp", "Desk"]
    assert {r.headers["X-Api-Key"] for r in transport.requests} == {TOKEN}
    assert {r.url.host for r in transport.requests} == {"api.example.com"}


@pytest.mark.anyio
async def test_secret_str_values_of_the_config_are_redacted() -> None:
    async with Shop(transport=echo(401)).client() as client:
        response = await client.get("/me", params={"q": TOKEN})
        with pytest.raises(TerminalHTTPError) as caught:
            raise_for_status(response)
    assert TOKEN not in str(caught.value)
    assert Shop().secrets() == [TOKEN]


def test_one_limiter_per_instance_from_requests_per_second() -> None:
    first, second = Shop(), Shop()
    assert first.limiter is not None and second.limiter is not None
    assert first.limiter is not second.limiter
    assert (first.limiter.rate, first.limiter.burst) == (2.5, 3)
    # Without requests_per_second there is no client-side cap; the limiter is still there, for
    # the API's quota and its rate-limit answers, which hold back every request of the instance.
    assert Shop({"requests_per_second": None}).limiter.rate is None
    assert NoConfig().limiter.rate is None


@pytest.mark.anyio
async def test_retry_passed_wins_over_the_class_policy() -> None:
    time = VirtualTime()
    served: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        served.append(1)
        return httpx.Response(503)

    transport = httpx.MockTransport(flaky)
    async with Pinned(transport=transport, retry=policy(time, attempts=3)).client() as client:
        assert (await client.get("/x")).status_code == 503
    assert len(served) == 3 and len(time.sleeps) == 2
    assert Pinned().default_retry() == RetryPolicy(attempts=2)
    assert NoConfig().default_retry() is None


@pytest.mark.anyio
async def test_client_overrides_replace_the_hooks() -> None:
    integration = Pinned(transport=echo())
    async with integration.client(base_url="https://other.example.com/v2",
                                  headers={"Accept": "text/plain"}, timeout=5.0) as client:
        body = raise_for_status(await client.get("items")).json()
        assert client.timeout == httpx.Timeout(5.0)
    assert body["url"] == "https://other.example.com/v2/items"
    assert body["headers"]["accept"] == "text/plain"


def test_a_config_without_base_url_asks_for_the_hook() -> None:
    with pytest.raises(TypeError, match=r"NoConfig has no config.base_url: override base_url\(\)"):
        NoConfig().client()


@pytest.mark.anyio
async def test_auth_hook_signs_requests_and_is_redacted() -> None:
    class Basic(Shop):
        def auth(self) -> httpx.Auth | tuple[str, str] | None:
            return ("ocean", "pa55word-xyz")

    async with Basic(transport=echo(403)).client() as client:
        response = await client.get("/me")
        assert response.request.headers["Authorization"].startswith("Basic ")
        with pytest.raises(TerminalHTTPError) as caught:
            raise_for_status(response)
    assert "pa55word-xyz" not in str(caught.value)
